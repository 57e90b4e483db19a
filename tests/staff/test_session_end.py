"""Logout, password change and disabling end every session of the account, saved cookies too."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.db import session_scope
from survey_app.staff import session_versions
from survey_app.staff.models import User
from tests.factories.staff import login, make_user


def _saved_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _with_cookie(app: Flask, value: str) -> FlaskClient:
    thief = app.test_client()
    thief.set_cookie("session", value)
    return thief


def _change(app: Flask, action: str) -> None:
    with app.app_context(), session_scope() as session:
        user = session.scalars(sa.select(User).where(User.username == "noivu")).one()
        if action == "password":
            session_versions.change_password(session, user, "a brand new password")
        else:
            session_versions.set_active(session, user, False)


def test_saved_cookie_after_logout_gets_the_login_page(app: Flask) -> None:
    make_user(app, "noivu", "district_officer")
    client = app.test_client()
    assert login(client, "noivu") == 302
    saved = _saved_cookie(client)
    other_browser = app.test_client()
    assert login(other_browser, "noivu") == 302
    assert _with_cookie(app, saved).get("/staff/").status_code == 200
    assert client.post("/staff/logout").status_code == 302
    replay = _with_cookie(app, saved).get("/staff/")
    assert replay.status_code == 302
    assert "/staff/login" in replay.headers["Location"]
    # Every session of the account ended, not only the one that logged out.
    assert other_browser.get("/staff/").status_code == 302
    # Logging in again works, with a new session.
    assert login(client, "noivu") == 302
    assert client.get("/staff/").status_code == 200


def test_password_change_and_disabling_end_every_session(app: Flask) -> None:
    make_user(app, "noivu", "district_officer")
    client = app.test_client()
    assert login(client, "noivu") == 302
    _change(app, "password")
    assert client.get("/staff/").status_code == 302
    assert login(client, "noivu", "a brand new password") == 302
    saved = _saved_cookie(client)
    _change(app, "disable")
    assert _with_cookie(app, saved).get("/staff/").status_code == 302
    with app.app_context(), session_scope() as session:
        user = session.scalars(sa.select(User)).one()
        session_versions.set_active(session, user, True)
    # Re-enabling the account does not bring the old cookie back.
    assert _with_cookie(app, saved).get("/staff/").status_code == 302
