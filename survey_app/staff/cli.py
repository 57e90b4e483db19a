"""``flask create-user``: a staff account from the command line, for automation."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from survey_app.db import session_scope
from survey_app.staff import audit
from survey_app.staff.accounts import AccountProblem, create_user
from survey_app.staff.models import ROLES


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--full-name", default="")
@click.option("--unit", "unit_code", default=None, help="Unit code (commune officers only).")
@click.password_option(help="Prompted for (twice) if omitted.")
@with_appcontext
def create_user_command(
    username: str, role: str, full_name: str, unit_code: str | None, password: str
) -> None:
    """Create a staff account."""
    try:
        with session_scope() as session:
            user = create_user(
                session,
                username=username,
                password=password,
                role=role,
                full_name=full_name,
                unit_code=unit_code,
            )
            audit.record(
                session,
                "user_created",
                target=user.username,
                actor_name="cli",
                detail={"role": role, "unit": unit_code},
            )
    except AccountProblem as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"Created {role} '{username}'.")


COMMANDS = (create_user_command,)
