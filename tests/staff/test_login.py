"""Staff login: hashing, throttling, no username enumeration, audit, session settings."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from survey_app.db import session_scope
from survey_app.staff.models import AuditEvent, User
from tests.conftest import make_app
from tests.factories.demo import demo_link
from tests.factories.staff import PASSWORD, login, make_user


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context(), session_scope() as session:
        return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_login_logout_and_audit(app: Flask) -> None:
    make_user(app, "noivu", "district_officer")
    client = app.test_client()
    assert client.get("/staff/").status_code == 302  # anonymous → login page
    assert login(client, "noivu") == 302
    assert client.get("/staff/").status_code == 200
    assert len(_events(app, "login")) == 1
    assert client.post("/staff/logout").status_code == 302
    assert client.get("/staff/").status_code == 302
    assert len(_events(app, "logout")) == 1


def test_passwords_are_hashed_with_scrypt(app: Flask) -> None:
    make_user(app, "noivu", "district_officer")
    with app.app_context(), session_scope() as session:
        user = session.scalars(sa.select(User)).one()
        assert user.password_hash.startswith("scrypt:")
        assert PASSWORD not in user.password_hash


def test_wrong_password_and_unknown_user_look_the_same(app: Flask) -> None:
    make_user(app, "noivu", "district_officer")
    client = app.test_client()
    wrong = client.post("/staff/login", data={"username": "noivu", "password": "nope-nope-nope"})
    unknown = client.post("/staff/login", data={"username": "ghost", "password": "nope-nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.text.replace("noivu", "X") == unknown.text.replace("ghost", "X")
    failures = _events(app, "login_failed")
    assert [e.actor_name for e in failures] == ["noivu", "ghost"]


def test_inactive_user_cannot_log_in(app: Flask) -> None:
    make_user(app, "old", "analyst")
    with app.app_context(), session_scope() as session:
        session.scalars(sa.select(User)).one().active = False
    assert login(app.test_client(), "old") == 401


def test_empty_login_form_is_400(client) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/staff/login", data={}).status_code == 400


def test_open_redirect_is_refused(app: Flask) -> None:
    make_user(app, "noivu", "district_officer")
    client = app.test_client()
    reply = client.post(
        "/staff/login?next=https://evil.example/x",
        data={"username": "noivu", "password": PASSWORD},
    )
    assert reply.headers["Location"] == "/staff/"


def test_login_is_throttled_per_username_in_redis(tmp_path: Path, sqlite_url: str) -> None:
    redis_url = os.environ.get("SURVEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    app = make_app(
        sqlite_url,
        tmp_path,
        RATELIMIT_STORAGE_URI=redis_url,
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
    )
    make_user(app, "noivu", "district_officer")
    client = app.test_client()
    statuses = [
        client.post(
            "/staff/login", data={"username": "noivu", "password": "wrong-wrong"}
        ).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [401] * 5
    assert statuses[5] == 429
    # The right password is throttled too, for the rest of the minute.
    assert login(client, "noivu") == 429
    # Another username from the same address is not yet limited.
    make_user(app, "phantich", "analyst")
    assert login(client, "phantich") == 302
    app.extensions["db_engine"].dispose()


def test_session_cookie_is_httponly_and_samesite(app: Flask) -> None:
    make_user(app, "noivu", "district_officer")
    client = app.test_client()
    reply = client.post("/staff/login", data={"username": "noivu", "password": PASSWORD})
    cookie = reply.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert app.permanent_session_lifetime.total_seconds() == 8 * 3600
    assert "Expires=" in cookie


def test_expired_session_is_sent_to_login(app: Flask) -> None:
    make_user(app, "noivu", "district_officer")
    client = app.test_client()
    login(client, "noivu")
    with client.session_transaction() as session:
        session.clear()
    assert client.get("/staff/").status_code == 302


def test_csrf_on_login_when_enabled(tmp_path: Path, sqlite_url: str) -> None:
    app = make_app(sqlite_url, tmp_path, WTF_CSRF_ENABLED=True)
    make_user(app, "noivu", "district_officer")
    reply = app.test_client().post("/staff/login", data={"username": "noivu", "password": PASSWORD})
    assert reply.status_code == 400
    assert _events(app, "login") == []
    app.extensions["db_engine"].dispose()


def test_create_user_cli(app: Flask, runner: FlaskCliRunner) -> None:
    demo_link(app)
    ok = runner.invoke(
        args=[
            "create-user",
            "--username",
            "xa.sg",
            "--role",
            "commune_officer",
            "--unit",
            "439-son-giang",
            "--password",
            "long enough pw",
        ]
    )
    assert ok.exit_code == 0, ok.output
    for args, message in [
        (["--username", "a", "--role", "analyst", "--password", "short"], "at least 10"),
        (
            ["--username", "b", "--role", "commune_officer", "--password", "long enough pw"],
            "needs --unit",
        ),
        (
            [
                "--username",
                "c",
                "--role",
                "analyst",
                "--unit",
                "439-son-giang",
                "--password",
                "long enough pw",
            ],
            "only commune officers",
        ),
        (
            ["--username", "XA.SG", "--role", "analyst", "--password", "long enough pw"],
            "already exists",
        ),
    ]:
        result = runner.invoke(args=["create-user", *args])
        assert result.exit_code != 0
        assert message in result.output
    assert len(_events(app, "user_created")) == 1


@pytest.mark.parametrize(
    ("role", "status"),
    [("admin", 200), ("district_officer", 403), ("analyst", 403), ("commune_officer", 403)],
)
def test_admin_pages_need_admin(app: Flask, role: str, status: int) -> None:
    demo_link(app)
    unit = "439-son-giang" if role == "commune_officer" else None
    make_user(app, f"u-{role}", role, unit)
    client = app.test_client()
    login(client, f"u-{role}")
    assert client.get("/staff/admin/users").status_code == status
    assert client.get("/staff/admin/audit").status_code == status
    if status == 403:
        assert _events(app, "access_denied")
