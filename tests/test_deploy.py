"""The default start keeps no personal trail in its logs and is not blocked by slow clients."""

from __future__ import annotations

import os
import runpy
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from survey_app.config import REPO_ROOT
from tests.conftest import make_app
from tests.factories.demo import demo_link

CONFIG = REPO_ROOT / "deploy" / "gunicorn.conf.py"


def test_run_script_uses_the_config_without_access_log() -> None:
    run = (REPO_ROOT / "scripts" / "run.sh").read_text()
    assert "-c deploy/gunicorn.conf.py" in run
    assert "access-log" not in run
    settings = runpy.run_path(str(CONFIG))
    assert settings["accesslog"] is None
    assert settings["worker_class"] == "gthread"
    assert settings["threads"] >= 4
    assert settings["timeout"] > 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _raw_get(port: int, path: str, agent: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            f"GET {path} HTTP/1.1\r\nHost: x\r\nUser-Agent: {agent}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        reply = b""
        while chunk := connection.recv(65536):
            reply += chunk
    return reply


def test_served_requests_leave_no_address_agent_or_id_in_the_logs(
    tmp_path: Path, sqlite_url: str
) -> None:
    app = make_app(sqlite_url, tmp_path)
    link = demo_link(app)
    app.extensions["db_engine"].dispose()
    port = _free_port()
    env = dict(
        os.environ,
        DATABASE_URL=sqlite_url,
        FLASK_SECRET_KEY=app.config["SECRET_KEY"],
        BIND=f"127.0.0.1:{port}",
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "wsgi:app"],
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            submission_id = str(uuid.uuid4())
            agent = f"PhoneBrowser/{uuid.uuid4().hex}"
            deadline = time.monotonic() + 30
            while True:
                try:
                    assert b"200 OK" in _raw_get(port, "/healthz", agent)
                    break
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.2)
            # Two stalled bodies (the old sync workers were tied up by them) do not block a GET.
            stalled = []
            for _ in range(2):
                slow = socket.create_connection(("127.0.0.1", port))
                slow.sendall(
                    f"POST /s/{link.token} HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n"
                    "Content-Type: application/x-www-form-urlencoded\r\n\r\na".encode()
                )
                stalled.append(slow)
            started = time.monotonic()
            reply = _raw_get(port, f"/s/{link.token}/r/{submission_id}", agent)
            assert b"404" in reply.split(b"\r\n")[0]
            assert time.monotonic() - started < 5
            for slow in stalled:
                slow.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = log.read_text(errors="replace")
    assert submission_id not in text
    assert link.token not in text
    assert agent not in text
    assert "GET /" not in text


@pytest.mark.skipif(
    not any(Path(p, "nginx").exists() for p in ("/usr/sbin", "/usr/bin")),
    reason="Debian's nginx is installed by scripts/test.sh",
)
def test_nginx_site_passes_nginx_t() -> None:
    result = subprocess.run(
        [str(REPO_ROOT / "deploy" / "check-nginx.sh")], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
