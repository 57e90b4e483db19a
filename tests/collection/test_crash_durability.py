"""A response acknowledged to the citizen survives the server being killed (SIGKILL).

gunicorn serves the app from a SQLite file in a separate process group; as soon as the 303
receipt redirect arrives the whole group is killed without any chance to flush or close, then
the file is opened afresh and the row must be there, exactly once.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app import migrate
from survey_app.config import REPO_ROOT
from tests.conftest import make_app
from tests.factories.demo import FULL_ANSWERS, demo_link, hidden_fields

ROOT = REPO_ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def test_acknowledged_response_survives_sigkill(tmp_path: Path, sqlite_url: str) -> None:
    app = make_app(sqlite_url, tmp_path)
    link = demo_link(app)
    app.extensions["db_engine"].dispose()
    migrate.upgrade(sqlite_url)
    port = _free_port()
    # The link was signed with the test app's SECRET_KEY; the server must use the same one.
    env = dict(os.environ, DATABASE_URL=sqlite_url, FLASK_SECRET_KEY=app.config["SECRET_KEY"])
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect()
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                with opener.open(f"{base}/s/{link.token}") as first_page:
                    page = first_page.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        form = dict(hidden_fields(page))
        # The id the form load was signed for: a load stores one response, under its own id.
        submission_id = form["submission_id"]
        questionnaire = app.extensions["questionnaires"].get("sipas-commune", "2021.1")
        form.update(
            FULL_ANSWERS,
            action="submit",
            page=str(len(questionnaire.sections) - 1),
        )
        body = urllib.parse.urlencode(form).encode()
        # Redirects are not followed, so the 303 receipt redirect surfaces as an HTTPError.
        with pytest.raises(urllib.error.HTTPError) as reply:
            opener.open(f"{base}/s/{link.token}", data=body)
        reply.value.close()
        assert reply.value.code == 303
    finally:
        # No graceful shutdown: the master and its worker die at once.
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
    engine = sa.create_engine(sqlite_url)
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                sa.text("SELECT count(*) FROM response WHERE submission_id = :id"),
                {"id": submission_id},
            ).scalar_one()
    finally:
        engine.dispose()
    assert stored == 1
