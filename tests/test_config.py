"""Configuration order and the refusal to run production on the default secret key."""

from __future__ import annotations

from pathlib import Path

import pytest

from survey_app import create_app
from survey_app.config import DEFAULT_SECRET_KEY


def test_refuses_default_secret_outside_debug_and_testing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLASK_SECRET_KEY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is the default"):
        create_app(
            {
                "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}",
                "TESTING": False,
                "SECRET_KEY": DEFAULT_SECRET_KEY,
            }
        )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY is missing or shorter than 32 bytes"),
        ({"SECRET_KEY": None}, "SECRET_KEY is missing"),
        ({"SECRET_KEY": "x"}, "SECRET_KEY is missing or shorter than 32 bytes"),
        ({"SECRET_KEY": "k" * 31}, "shorter than 32 bytes"),
        ({"LINK_SECRET": "short"}, "LINK_SECRET is missing or shorter"),
        ({"DOSSIER_HASH_KEY": "short"}, "DOSSIER_HASH_KEY is missing or shorter"),
        ({"FORM_TOKEN_KEY": DEFAULT_SECRET_KEY}, "FORM_TOKEN_KEY is the default"),
    ],
)
def test_refuses_weak_keys_outside_debug_and_testing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    overrides: dict[str, object],
    message: str,
) -> None:
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    config = {"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "s" * 32}
    with pytest.raises(RuntimeError, match=message):
        create_app({**config, **overrides})


def test_strong_keys_start_and_testing_cannot_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("FLASK_TESTING", "true")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    # FLASK_TESTING=true would skip the checks; it is ignored, so the default key is refused.
    monkeypatch.setenv("FLASK_SECRET_KEY", DEFAULT_SECRET_KEY)
    with pytest.raises(RuntimeError, match="SECRET_KEY is the default"):
        create_app()
    monkeypatch.setenv("FLASK_SECRET_KEY", "k" * 32)
    app = create_app()
    assert app.testing is False
    app.extensions["db_engine"].dispose()


def test_environment_overrides_defaults_and_test_config_overrides_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLASK_SECRET_KEY", "from-env-" + "k" * 32)
    monkeypatch.setenv("FLASK_PUBLIC_BASE_URL", "https://env.example")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    app = create_app({"PUBLIC_BASE_URL": "https://test.example"})
    assert app.config["SECRET_KEY"] == "from-env-" + "k" * 32
    assert app.config["PUBLIC_BASE_URL"] == "https://test.example"
    assert app.config["DATABASE_URL"].endswith("env.db")
    app.extensions["db_engine"].dispose()


def test_sqlite_is_durable_and_in_wal_mode(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        from survey_app.db import engine

        with engine().connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            # 2 = FULL: the WAL is fsynced at every commit.
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_healthz(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/healthz").json == {"status": "ok"}
