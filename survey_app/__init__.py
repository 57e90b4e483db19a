"""The citizen-satisfaction survey service: ``create_app`` builds a configured Flask app.

This module is the composition root: the only place (with ``schema``) that knows every
capability package, so that the packages themselves depend on the core and never on a caller.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from flask import Blueprint, Flask
from flask_compress import Compress
from werkzeug.middleware.proxy_fix import ProxyFix

from survey_app.config import DEFAULT_SECRET_KEY, DEFAULTS

#: Keys that sign or key something, checked before a production start (``_check_secrets``).
SECRET_KEYS = ("SECRET_KEY", "LINK_SECRET", "FORM_TOKEN_KEY", "DOSSIER_HASH_KEY")
#: 256 bits: the HMAC-SHA256 keys gain nothing beyond, and anything shorter is guessable in part.
MIN_SECRET_BYTES = 32


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults → instance/config.py → FLASK_* env → DATABASE_URL → test_config."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env()
    if os.environ.get("DATABASE_URL"):
        app.config["DATABASE_URL"] = os.environ["DATABASE_URL"]
    # Testing mode skips the secret checks: only code (a test_config) may turn it on, never a
    # stray FLASK_TESTING=true in a production environment or instance file.
    app.config["TESTING"] = False
    if test_config is not None:
        app.config.from_mapping(test_config)
    _check_secrets(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if not app.config["DATABASE_URL"]:
        app.config["DATABASE_URL"] = "sqlite:///" + str(Path(app.instance_path) / "survey.sqlite3")

    from survey_app import (
        db,
        errors,
        formatting,
        headers,
        i18n,
        request_guard,
        request_ids,
        schema,
        security,
    )
    from survey_app.questionnaires.loading import load_catalog
    from survey_app.staff import navigation, sessions

    _trust_proxies(app)
    request_ids.init_app(app)
    request_guard.init_app(app)
    headers.init_app(app)
    db.init_app(app)
    schema.configure()
    app.extensions["questionnaires"] = load_catalog(Path(app.config["QUESTIONNAIRES_DIR"]))
    security.init_app(app)
    sessions.init_app(app)
    i18n.init_app(app)
    formatting.init_app(app)
    navigation.init_app(app)
    errors.init_app(app)
    # Citizens answer on cheap phones over weak 3G: pages shrink to about a quarter.
    Compress(app)
    for blueprint in _blueprints():
        app.register_blueprint(blueprint)
    for command in _commands():
        app.cli.add_command(command)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _blueprints() -> tuple[Blueprint, ...]:
    """Every capability's views, citizen pages first."""
    from survey_app.admin import (
        account_views,
        demo_views,
        par_round_views,
        round_views,
        unit_views,
    )
    from survey_app.collection import views as collection
    from survey_app.exports import views as exports
    from survey_app.monitoring import views as monitoring
    from survey_app.paper import views as paper
    from survey_app.par import calendar_views as par_calendar
    from survey_app.par import council_views as par_council
    from survey_app.par import public_views as par_public
    from survey_app.par import publication_views as par_publication
    from survey_app.par import views as par
    from survey_app.quotas import views as quotas
    from survey_app.results import views as results
    from survey_app.review import views as review
    from survey_app.rounds import posters
    from survey_app.rounds import views as rounds
    from survey_app.staff import admin_views, login_views

    return (
        collection.bp,
        login_views.bp,
        rounds.bp,
        admin_views.bp,
        results.bp,
        exports.bp,
        par.bp,
        par_council.bp,
        par_calendar.bp,
        par_publication.bp,
        par_public.bp,
        monitoring.bp,
        quotas.bp,
        posters.bp,
        paper.bp,
        review.bp,
        round_views.bp,
        unit_views.bp,
        account_views.bp,
        demo_views.bp,
        par_round_views.bp,
    )


def _commands() -> tuple[click.Command, ...]:
    """Every capability's ``flask`` commands."""
    from survey_app import cli
    from survey_app.demo import setup as demo
    from survey_app.exports import cli as exports
    from survey_app.par import cli as par
    from survey_app.quotas import cli as quotas
    from survey_app.rounds import cli as rounds
    from survey_app.staff import cli as staff
    from survey_app.units import cli as units

    return (
        *cli.COMMANDS,
        *units.COMMANDS,
        *rounds.COMMANDS,
        *exports.COMMANDS,
        *demo.COMMANDS,
        *staff.COMMANDS,
        *quotas.COMMANDS,
        *par.COMMANDS,
    )


def _check_secrets(app: Flask) -> None:
    """Outside debug/testing, refuse a missing, default or short key (a weak key signs links,
    sessions and form loads that anyone could then forge)."""
    if app.debug or app.testing:
        return
    problems = []
    for name in SECRET_KEYS:
        value = app.config.get(name)
        if value is None and name != "SECRET_KEY":
            continue  # derived from SECRET_KEY (security.derived_key)
        if value == DEFAULT_SECRET_KEY:
            problems.append(f"{name} is the default SECRET_KEY")
        elif len(str(value or "").encode()) < MIN_SECRET_BYTES:
            problems.append(f"{name} is missing or shorter than {MIN_SECRET_BYTES} bytes")
    if problems:
        raise RuntimeError(
            "Refusing to start outside debug/testing: "
            + "; ".join(problems)
            + ". Set them in instance/config.py or FLASK_* variables (python -m "
            "survey_app.instance_setup, run by scripts/run.sh, writes random ones)."
        )


def _trust_proxies(app: Flask) -> None:
    """Take the client address and scheme from the configured number of proxies in front."""
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies
        )
