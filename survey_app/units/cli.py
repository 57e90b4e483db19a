"""``flask import-units`` and ``flask import-counts``: administrative units and their workload."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from survey_app.db import session_scope
from survey_app.units.importing import ImportProblems, import_counts, import_units


@click.command("import-units")
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_units_command(csv_path: Path) -> None:
    """Import administrative units (code,name,kind,parent_code,valid_from,valid_to,predecessors)."""
    try:
        with session_scope() as session:
            summary = import_units(session, csv_path)
    except ImportProblems as problems:
        raise click.ClickException(f"không nhập gì (tệp có lỗi):\n{problems}") from None
    click.echo(f"Units: {summary.created} created, {summary.updated} updated.")


@click.command("import-counts")
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--illustrative", is_flag=True, help="Mark the figures as made-up demo figures.")
@click.option("--source", default="", help="Where the figures come from (shown with them).")
@with_appcontext
def import_counts_command(csv_path: Path, illustrative: bool, source: str) -> None:
    """Import transaction counts (unit_code,period_start,period_end,field,transactions)."""
    try:
        with session_scope() as session:
            summary = import_counts(session, csv_path, illustrative=illustrative, source=source)
    except ImportProblems as problems:
        raise click.ClickException(f"không nhập gì (tệp có lỗi):\n{problems}") from None
    click.echo(f"Counts: {summary.created} created, {summary.updated} updated.")


COMMANDS = (import_units_command, import_counts_command)
