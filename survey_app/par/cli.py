"""``flask --app survey_app create-par-round``: a PAR Index round, for automation."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext

from analysis.par_index import Band
from survey_app.db import session_scope
from survey_app.local_time import service_zone
from survey_app.par.models import NO_SURVEY_RULES
from survey_app.par.reminders import build_message, send_reminder
from survey_app.par.rounds import (
    BAND_PRESETS,
    ParRoundProblem,
    create_par_round,
    criteria_catalog,
    par_round_by_code,
    parse_band,
)
from survey_app.par.rules import ParConflict, round_target
from survey_app.staff import audit

#: The criteria set a new PAR round uses unless told otherwise.
DEFAULT_CRITERIA = ("ha-tinh-commune", "2021.1")
DEADLINE_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d"]


def deadline_moment(value: dt.datetime) -> dt.datetime:
    """A deadline typed in the service's time zone; a bare date means the end of that day."""
    if value.time() == dt.time(0, 0):
        value = value.replace(hour=23, minute=59, second=59)
    return value.replace(tzinfo=service_zone()).astimezone(dt.UTC)


@click.command("create-par-round")
@click.option("--code", required=True, help="Round code, e.g. PAR-2021-HUONG-SON.")
@click.option("--title", required=True)
@click.option("--year", type=int, required=True)
@click.option("--criteria", "criteria_set_id", default=DEFAULT_CRITERIA[0], show_default=True)
@click.option("--criteria-version", default=DEFAULT_CRITERIA[1], show_default=True)
@click.option(
    "--deadline",
    type=click.DateTime(DEADLINE_FORMATS),
    required=True,
    help="Self-assessment deadline in the service's time zone (TIMEZONE, Vietnam by default); "
    "a date alone means 23:59 that day.",
)
@click.option("--survey-round", default=None, help="Survey round code for the satisfaction part.")
@click.option(
    "--no-survey-rule",
    type=click.Choice(NO_SURVEY_RULES),
    default="rescale",
    show_default=True,
    help="For units without a survey result.",
)
@click.option(
    "--bands",
    "preset",
    type=click.Choice(sorted(BAND_PRESETS)),
    default="tot-kha",
    show_default=True,
)
@click.option("--band", "bands", multiple=True, help="label:lower[:upper] in %, best first.")
@click.option("--unit", "unit_codes", multiple=True, help="Repeat; default: the survey's units.")
@with_appcontext
def create_par_round_command(
    code: str,
    title: str,
    year: int,
    criteria_set_id: str,
    criteria_version: str,
    deadline: dt.datetime,
    survey_round: str | None,
    no_survey_rule: str,
    preset: str,
    bands: tuple[str, ...],
    unit_codes: tuple[str, ...],
) -> None:
    """Create a PAR Index round with a draft assessment per unit."""
    try:
        chosen: tuple[Band, ...] = (
            tuple(parse_band(b) for b in bands) if bands else BAND_PRESETS[preset]
        )
        with session_scope() as session:
            par_round = create_par_round(
                session,
                criteria_catalog(),
                code=code,
                title=title,
                year=year,
                criteria_set_id=criteria_set_id,
                criteria_version=criteria_version,
                deadline=deadline_moment(deadline),
                survey_round_code=survey_round,
                no_survey_rule=no_survey_rule,
                bands=chosen,
                unit_codes=list(unit_codes) or None,
            )
            click.echo(
                f"PAR round {par_round.code}: {len(par_round.assessments)} units, deadline "
                f"{par_round.self_assessment_deadline.astimezone(service_zone()):%Y-%m-%d %H:%M} "
                f"({service_zone().key})."
            )
    except ParRoundProblem as problem:
        raise click.ClickException(str(problem)) from None


@click.command("send-par-reminders")
@click.option("--round", "round_code", required=True, help="PAR round code.")
@click.option("--dry-run", is_flag=True, help="Print the e-mail instead of sending it.")
@with_appcontext
def send_par_reminders_command(round_code: str, dry_run: bool) -> None:
    """E-mail the steps of a PAR round that are overdue or coming up (needs MAIL_SERVER)."""
    with session_scope() as session:
        par_round = par_round_by_code(session, round_code)
        if par_round is None:
            raise click.ClickException(f"no PAR round with code '{round_code}'")
        now = dt.datetime.now(dt.UTC)
        if dry_run:
            message = build_message(par_round, now, current_app.config)
            if message is None:
                click.echo("Nothing overdue or coming up.")
            else:
                # Readable text rather than the MIME encoding that goes on the wire.
                click.echo(f"To: {message['To']}\nSubject: {message['Subject']}\n")
                click.echo(message.get_content())
            return
        try:
            lines, recipients = send_reminder(par_round, now, current_app.config)
        except ParConflict as problem:
            raise click.ClickException(str(problem)) from None
        audit.record(
            session,
            "par_reminder_sent",
            target=round_target(par_round),
            actor_name="cli",
            detail={"lines": lines, "recipients": list(recipients)},
        )
        click.echo(
            f"Sent {lines} reminder line(s) to {', '.join(recipients)}."
            if lines
            else "Nothing overdue or coming up: no e-mail sent."
        )


COMMANDS = (create_par_round_command, send_par_reminders_command)
