"""Staff accounts for tests: create a user of a role and log a test client in."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from survey_app.db import session_scope
from survey_app.staff.accounts import create_user

PASSWORD = "correct horse battery"


def make_user(app: Flask, username: str, role: str, unit_code: str | None = None) -> None:
    with app.app_context(), session_scope() as session:
        create_user(session, username=username, password=PASSWORD, role=role, unit_code=unit_code)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> int:
    reply = client.post("/staff/login", data={"username": username, "password": password})
    return reply.status_code


def logged_in_client(
    app: Flask, role: str, unit_code: str | None = None, username: str | None = None
) -> FlaskClient:
    """A client logged in as a new user of ``role`` (a commune officer needs ``unit_code``)."""
    name = username or f"{role}.{unit_code or 'district'}".replace("_", "-")
    make_user(app, name, role, unit_code)
    client = app.test_client()
    assert login(client, name) == 302
    return client
