"""Ballot stuffing: one form load stores one response; limits per client and per link.

The limits must not hurt the real case: a commune office where every citizen's phone reaches
the service through one NAT address.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.db import session_scope
from survey_app.responses.models import Response
from tests.conftest import make_app
from tests.factories.demo import FULL_ANSWERS, demo_link, start_form, submit_all

NAT_ADDRESS = {"REMOTE_ADDR": "203.113.10.7"}


def _stored(app: Flask) -> list[Response]:
    with app.app_context(), session_scope() as session:
        return list(session.scalars(sa.select(Response)))


def _redis_app(sqlite_url: str, tmp_path: Path, **overrides: Any) -> Flask:
    """Counters in Redis, as in production, under a prefix of this test's own."""
    return make_app(
        sqlite_url,
        tmp_path,
        RATELIMIT_STORAGE_URI=os.environ.get("SURVEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        **overrides,
    )


@pytest.fixture
def csrf_app(sqlite_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = make_app(sqlite_url, tmp_path, WTF_CSRF_ENABLED=True)
    yield application
    application.extensions["db_engine"].dispose()


def test_one_form_load_replayed_300_times_stores_one(csrf_app: Flask) -> None:
    link = demo_link(csrf_app)
    client = csrf_app.test_client()
    fields = start_form(client, link.token)
    statuses = [
        submit_all(client, link.token, fields=fields, submission_id=str(uuid.uuid4())).status_code
        for _ in range(299)
    ]
    assert set(statuses) == {400}
    # The load's own id is accepted once; its retries get the same receipt and no new row.
    first = submit_all(client, link.token, fields=fields)
    again = submit_all(client, link.token, fields=fields)
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert len(_stored(csrf_app)) == 1


def test_a_form_load_is_bound_to_its_link(csrf_app: Flask) -> None:
    link = demo_link(csrf_app)
    other = demo_link(csrf_app, "439-son-ham")
    client = csrf_app.test_client()
    fields = start_form(client, link.token)
    reply = submit_all(client, other.token, fields=fields)
    assert reply.status_code == 400
    assert "mở lại đường dẫn" in reply.text
    assert _stored(csrf_app) == []


@pytest.mark.parametrize(
    "started_at",
    [str(int(time.time()) - 3600), "WyJhIiwiYiJd.ZmFrZQ.c2lnbmF0dXJlLWZvcmdlZA", "x" * 301],
)
def test_start_time_cannot_be_edited(app: Flask, started_at: str) -> None:
    link = demo_link(app)
    client = app.test_client()
    assert submit_all(client, link.token, started_at=started_at).status_code == 400
    assert _stored(app) == []


def test_duration_is_measured_from_the_signed_load(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = demo_link(app)
    client = app.test_client()
    real_time = time.time
    # The GET happens ten minutes ago: the signature carries that moment, not the form.
    monkeypatch.setattr(time, "time", lambda: real_time() - 600)
    fields = start_form(client, link.token)
    monkeypatch.setattr(time, "time", real_time)
    assert submit_all(client, link.token, fields=fields).status_code == 303
    (response,) = _stored(app)
    assert response.duration_seconds is not None
    assert 599 <= response.duration_seconds <= 660


def test_expired_form_load_asks_to_open_the_link_again(tmp_path: Path, sqlite_url: str) -> None:
    app = make_app(sqlite_url, tmp_path, FORM_LOAD_MAX_AGE_SECONDS=0)
    link = demo_link(app)
    client = app.test_client()
    fields = start_form(client, link.token)
    time.sleep(1.1)
    reply = submit_all(client, link.token, fields=fields)
    assert reply.status_code == 400
    assert "mở lại đường dẫn" in reply.text
    assert _stored(app) == []
    app.extensions["db_engine"].dispose()


def test_a_hundred_citizens_behind_one_nat_all_answer(tmp_path: Path, sqlite_url: str) -> None:
    app = _redis_app(sqlite_url, tmp_path)
    link = demo_link(app)
    for _ in range(100):
        phone = app.test_client()
        phone.environ_base.update(NAT_ADDRESS)
        # Each citizen also walks page by page: only the stored response counts.
        fields = start_form(phone, link.token)
        step = {**FULL_ANSWERS, **fields, "page": "0", "action": "next"}
        assert phone.post(f"/s/{link.token}", data=step).status_code == 200
        assert submit_all(phone, link.token, fields=fields).status_code == 303
    assert len(_stored(app)) == 100
    app.extensions["db_engine"].dispose()


def test_new_loads_from_one_client_are_cut_at_the_client_limit(
    tmp_path: Path, sqlite_url: str
) -> None:
    app = _redis_app(sqlite_url, tmp_path, SUBMIT_LIMIT_PER_CLIENT="3 per hour")
    link = demo_link(app)
    client = app.test_client()
    client.environ_base.update(NAT_ADDRESS)
    statuses = [submit_all(client, link.token).status_code for _ in range(5)]
    assert statuses == [303, 303, 303, 429, 429]
    assert len(_stored(app)) == 3
    # Another address is not affected.
    elsewhere = app.test_client()
    elsewhere.environ_base.update(REMOTE_ADDR="198.51.100.4")
    assert submit_all(elsewhere, link.token).status_code == 303
    app.extensions["db_engine"].dispose()


def test_one_link_is_cut_at_the_link_limit(tmp_path: Path, sqlite_url: str) -> None:
    app = _redis_app(sqlite_url, tmp_path, SUBMIT_LIMIT_PER_LINK="2 per hour")
    link = demo_link(app)
    other = demo_link(app, "439-son-ham")
    statuses = []
    for number in range(3):
        client = app.test_client()
        client.environ_base.update(REMOTE_ADDR=f"198.51.100.{number + 1}")
        statuses.append(submit_all(client, link.token).status_code)
    assert statuses == [303, 303, 429]
    assert submit_all(app.test_client(), other.token).status_code == 303
    assert len(_stored(app)) == 3
    app.extensions["db_engine"].dispose()
