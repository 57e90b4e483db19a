"""Login throttling locks out the guesser, not the owner, nor a commune office behind one NAT."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import make_app
from tests.factories.staff import PASSWORD, login, make_user


@pytest.fixture
def redis_app(tmp_path: Path, sqlite_url: str) -> Iterator[Flask]:
    app = make_app(
        sqlite_url,
        tmp_path,
        RATELIMIT_STORAGE_URI=os.environ.get("SURVEY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
        RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
        TRUSTED_PROXIES=1,
    )
    yield app
    app.extensions["db_engine"].dispose()


def _from(app: Flask, address: str) -> FlaskClient:
    """A client behind the one trusted proxy, which reports ``address``."""
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=address)
    return client


def test_guesser_is_locked_out_and_owner_is_not(redis_app: Flask) -> None:
    make_user(redis_app, "noivu", "district_officer")
    guesser = _from(redis_app, "198.51.100.66")
    statuses = [login(guesser, "noivu", "wrong-wrong") for _ in range(6)]
    assert statuses == [401] * 5 + [429]
    # Even the right password is refused to the guesser's address for now...
    assert login(guesser, "noivu") == 429
    # ...while the owner, from their own address, logs in.
    assert login(_from(redis_app, "203.113.10.7"), "noivu") == 302


def test_many_right_logins_behind_one_nat_are_never_throttled(redis_app: Flask) -> None:
    for number in range(25):
        make_user(redis_app, f"can-bo-{number}", "analyst")
    statuses = {login(_from(redis_app, "203.113.10.7"), f"can-bo-{n}") for n in range(25)}
    assert statuses == {302}


def test_one_address_trying_many_accounts_is_stopped(redis_app: Flask) -> None:
    make_user(redis_app, "noivu", "district_officer")
    sprayer = _from(redis_app, "198.51.100.77")
    statuses = [login(sprayer, f"user-{n}", "wrong-wrong") for n in range(31)]
    assert statuses[:30] == [401] * 30
    assert statuses[30] == 429
    assert login(sprayer, "noivu") == 429
    assert login(_from(redis_app, "203.113.10.8"), "noivu") == 302


def test_forwarded_address_is_ignored_without_a_trusted_proxy(
    tmp_path: Path, sqlite_url: str
) -> None:
    app = make_app(sqlite_url, tmp_path)  # TRUSTED_PROXIES = 0
    make_user(app, "noivu", "district_officer")
    for number in range(6):
        client = app.test_client()
        # A client choosing its own X-Forwarded-For cannot dodge its counter.
        client.environ_base.update(HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")
        status = client.post(
            "/staff/login", data={"username": "noivu", "password": "wrong-wrong"}
        ).status_code
    assert status == 429
    assert login(app.test_client(), "noivu", PASSWORD) == 429
    app.extensions["db_engine"].dispose()
