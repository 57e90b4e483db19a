"""``flask compute-targets``: set a round's response targets from its sampling plan."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from analysis.sampling import METHODS
from survey_app.db import session_scope
from survey_app.quotas.targets import (
    DEFAULT_FLOORS,
    FLOOR_KINDS,
    TargetPlan,
    TargetsProblem,
    compute_targets,
    parse_method,
    parse_shares,
)
from survey_app.rounds.services import round_by_code


def _floors(values: tuple[str, ...]) -> dict[str, int]:
    floors = dict(DEFAULT_FLOORS)
    for value in values:
        kind, _, number = value.partition("=")
        if kind not in FLOOR_KINDS or not number.isdigit():
            raise click.BadParameter(
                f"'{value}': write KIND=N with KIND one of {', '.join(FLOOR_KINDS)}, e.g. xa=150"
            )
        floors[kind] = int(number)
    return floors


@click.command("compute-targets")
@click.option("--round", "round_code", required=True)
@click.option("--method", type=click.Choice(METHODS), default="slovin", show_default=True)
@click.option("--e", "margin", type=float, default=0.05, show_default=True, help="Margin of error.")
@click.option(
    "--floor",
    "floor_values",
    multiple=True,
    help="Minimum per unit kind, KIND=N (repeat). Defaults xa=150, thi_tran=200; never above N.",
)
@click.option("--no-field-cells", is_flag=True, help="Do not split targets by procedure field.")
@click.option(
    "--sex-age-shares",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="CSV sex,age_group,share: also split targets into sex × age group cells.",
)
@with_appcontext
def compute_targets_command(
    round_code: str,
    method: str,
    margin: float,
    floor_values: tuple[str, ...],
    no_field_cells: bool,
    sex_age_shares: Path | None,
) -> None:
    """Compute every unit's target (and quota cells) from the round period's transactions."""
    try:
        plan = TargetPlan(
            method=parse_method(method),
            e=margin,
            floors=_floors(floor_values),
            by_field=not no_field_cells,
            sex_age_shares=parse_shares(sex_age_shares.read_text("utf-8"))
            if sex_age_shares
            else (),
        )
        with session_scope() as session:
            survey_round = round_by_code(session, round_code)
            if survey_round is None:
                raise click.ClickException(f"no round with code '{round_code}'")
            changes = compute_targets(session, survey_round, plan, actor_name="cli")
            units = len(survey_round.units)
    except TargetsProblem as problem:
        raise click.ClickException(str(problem)) from None
    for code, (old, new) in changes.items():
        click.echo(f"{code}\t{'—' if old is None else old} → {new}")
    click.echo(f"Targets set for {units} units ({len(changes)} changed).")


COMMANDS = (compute_targets_command,)
