"""Fixtures: an app per test on a fresh database (SQLite file or a PostgreSQL schema)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from survey_app import create_app, migrate

POSTGRES_URL = os.environ.get(
    "SURVEY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--slow",
        action="store_true",
        default=False,
        help="more generated examples in the property-based suites (tests/fuzz)",
    )


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections live in a fresh, private schema, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_app(database_url: str, tmp_path: Path, **overrides: Any) -> Flask:
    migrate.upgrade(database_url)
    config: dict[str, Any] = {
        "TESTING": True,
        # As long as production requires: tests that start gunicorn pass it on (not TESTING).
        "SECRET_KEY": "test-secret-key-for-the-suite-0123456789abcdef",
        "DATABASE_URL": database_url,
        "WTF_CSRF_ENABLED": False,
        "PUBLIC_BASE_URL": "https://khaosat.example.vn",
    }
    config.update(overrides)
    app = create_app(config)
    app.instance_path = str(tmp_path / "instance")
    return app


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'survey.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both backends: the tests that use this run on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'survey.sqlite3'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = make_app(sqlite_url, tmp_path)
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def any_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = make_app(database_url, tmp_path)
    yield application
    application.extensions["db_engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
