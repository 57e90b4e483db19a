"""The core of ``flask --app survey_app <command>``: the database schema.

Each capability registers its own commands (``survey_app.<capability>.cli``); the app factory
adds them all to the one ``flask`` group.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from survey_app import migrate


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema (Alembic upgrade head)."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database is at the latest migration.")


COMMANDS = (init_db_command,)
