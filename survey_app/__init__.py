"""The citizen-satisfaction survey service: ``create_app`` builds a configured Flask app."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from survey_app.config import DEFAULT_SECRET_KEY, DEFAULTS


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults → instance/config.py → FLASK_* env → DATABASE_URL → test_config."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if os.environ.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    if test_config is not None:
        app.config.from_mapping(test_config)
    _check_secrets(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = "sqlite:///" + str(Path(app.instance_path) / "survey.sqlite3")

    from survey_app import cli, db, errors, i18n, navigation, security
    from survey_app.blueprints import (
        admin,
        auth,
        exports,
        monitoring,
        par,
        posters,
        quotas,
        results,
        staff,
        survey,
    )
    from survey_app.questionnaires import load_catalog

    db.init_app(app)
    app.extensions["questionnaires"] = load_catalog(Path(app.config["QUESTIONNAIRES_DIR"]))
    security.init_app(app)
    i18n.init_app(app)
    navigation.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    for blueprint in (
        survey.bp,
        auth.bp,
        staff.bp,
        admin.bp,
        results.bp,
        exports.bp,
        par.bp,
        monitoring.bp,
        quotas.bp,
        posters.bp,
    ):
        app.register_blueprint(blueprint)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _check_secrets(app: Flask) -> None:
    if app.config["SECRET_KEY"] == DEFAULT_SECRET_KEY and not (app.debug or app.testing):
        raise RuntimeError(
            "Refusing to start with the default SECRET_KEY outside debug/testing: set "
            "FLASK_SECRET_KEY or SECRET_KEY in instance/config.py ("
            "python -m survey_app.instance_setup, run by scripts/run.sh, writes random ones)."
        )
