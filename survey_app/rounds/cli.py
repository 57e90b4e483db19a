"""Survey rounds from the command line: create, list, QR codes, rotate and revoke links."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.db import session_scope
from survey_app.questionnaires.loading import app_catalog
from survey_app.rounds import links
from survey_app.rounds.models import SurveyRound
from survey_app.rounds.qr import qr_png, qr_svg
from survey_app.rounds.services import RoundProblem, create_round, round_by_code
from survey_app.units.models import AdminUnit


def round_or_fail(session: Session, code: str) -> SurveyRound:
    survey_round = round_by_code(session, code)
    if survey_round is None:
        raise click.ClickException(f"no round with code '{code}' (see `flask list-rounds`)")
    return survey_round


def _unit_or_fail(session: Session, code: str) -> AdminUnit:
    unit = session.scalars(select(AdminUnit).where(AdminUnit.code == code)).first()
    if unit is None:
        raise click.ClickException(f"no unit with code '{code}'")
    return unit


def _utc(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


@click.command("create-round")
@click.option("--code", required=True)
@click.option("--title", required=True)
@click.option("--form", "form_id", required=True, help="Questionnaire form_id.")
@click.option("--version", "form_version", required=True, help="Questionnaire version.")
@click.option("--opens", type=click.DateTime(), required=True, help="UTC.")
@click.option("--closes", type=click.DateTime(), required=True, help="UTC.")
@click.option("--period-start", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--period-end", type=click.DateTime(["%Y-%m-%d"]), required=True)
@click.option("--unit", "unit_codes", multiple=True, help="Repeat; default: all valid units.")
@click.option("--quota-policy", type=click.Choice(["accept_flag", "close"]), default="accept_flag")
@with_appcontext
def create_round_command(
    code: str,
    title: str,
    form_id: str,
    form_version: str,
    opens: dt.datetime,
    closes: dt.datetime,
    period_start: dt.datetime,
    period_end: dt.datetime,
    unit_codes: tuple[str, ...],
    quota_policy: str,
) -> None:
    """Create a survey round with one signed link per unit."""
    try:
        with session_scope() as session:
            survey_round = create_round(
                session,
                app_catalog(),
                code=code,
                title=title,
                form_id=form_id,
                form_version=form_version,
                opens_at=_utc(opens),
                closes_at=_utc(closes),
                period_start=period_start.date(),
                period_end=period_end.date(),
                unit_codes=list(unit_codes) or None,
                quota_policy=quota_policy,
            )
            click.echo(f"Round {survey_round.code}: {len(survey_round.units)} units.")
    except RoundProblem as problem:
        raise click.ClickException(str(problem)) from None


@click.command("list-rounds")
@with_appcontext
def list_rounds_command() -> None:
    """List rounds with their period and number of units."""
    with session_scope() as session:
        for r in session.scalars(select(SurveyRound).order_by(SurveyRound.opens_at)):
            click.echo(
                f"{r.code}\t{r.opens_at:%Y-%m-%d} → {r.closes_at:%Y-%m-%d}\t"
                f"{len(r.units)} units\t{r.title}"
            )


def warn_public_address() -> None:
    """Say loudly, on stderr, when the QR codes about to be written cannot work on a phone."""
    problem = links.public_address_problem()
    if problem:
        click.secho(f"CẢNH BÁO / WARNING: {problem}", fg="red", bold=True, err=True)


def write_qr_folder(
    session: Session, survey_round: SurveyRound, out: Path
) -> list[tuple[str, str]]:
    """Write <unit>.png, <unit>.svg and links.csv (unit code → URL) into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, str]] = []
    for round_unit in sorted(survey_round.units, key=lambda ru: ru.unit.code):
        url = links.public_url(links.ensure_link(session, survey_round, round_unit.unit))
        (out / f"{round_unit.unit.code}.png").write_bytes(qr_png(url))
        (out / f"{round_unit.unit.code}.svg").write_bytes(qr_svg(url))
        rows.append((round_unit.unit.code, url))
    with (out / "links.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["unit_code", "unit_name", "url"])
        names = {ru.unit.code: ru.unit.name for ru in survey_round.units}
        writer.writerows((code, names[code], url) for code, url in rows)
    return rows


@click.command("export-qr")
@click.option("--round", "round_code", required=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@with_appcontext
def export_qr_command(round_code: str, out: Path) -> None:
    """Write every unit's QR code (PNG and SVG) and links.csv into a folder."""
    warn_public_address()
    with session_scope() as session:
        rows = write_qr_folder(session, round_or_fail(session, round_code), out)
    click.echo(f"Wrote {len(rows)} QR codes and links.csv to {out}")


@click.command("rotate-link")
@click.option("--round", "round_code", required=True)
@click.option("--unit", "unit_code", required=True)
@with_appcontext
def rotate_link_command(round_code: str, unit_code: str) -> None:
    """Revoke a unit's link and issue a new one (reprint its poster afterwards)."""
    with session_scope() as session:
        link = links.rotate_link(
            session, round_or_fail(session, round_code), _unit_or_fail(session, unit_code)
        )
        click.echo(links.public_url(link))


@click.command("revoke-link")
@click.option("--round", "round_code", required=True)
@click.option("--unit", "unit_code", required=True)
@with_appcontext
def revoke_link_command(round_code: str, unit_code: str) -> None:
    """Revoke a unit's link without issuing a new one."""
    with session_scope() as session:
        count = links.revoke_links(
            session, round_or_fail(session, round_code), _unit_or_fail(session, unit_code)
        )
    click.echo(f"Revoked {count} link(s).")


COMMANDS = (
    create_round_command,
    list_rounds_command,
    export_qr_command,
    rotate_link_command,
    revoke_link_command,
)
