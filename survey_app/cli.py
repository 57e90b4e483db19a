"""``flask --app survey_app <command>``: database, units, rounds, links, QR codes, exports."""

from __future__ import annotations

import csv
import datetime as dt
import secrets
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app import audit, links, migrate
from survey_app.accounts import AccountProblem, create_user, hash_password
from survey_app.db import session_scope
from survey_app.demo_responses import seed_demo_responses
from survey_app.exports import write_raw_csv
from survey_app.models import ROLES, AdminUnit, Response, SurveyRound, User
from survey_app.par_cli import load_par_demo
from survey_app.qr import qr_png, qr_svg
from survey_app.quota_commands import compute_targets_command
from survey_app.quota_targets import TargetPlan, compute_targets
from survey_app.rounds import RoundProblem, create_round, round_by_code
from survey_app.units_import import ImportProblems, import_counts, import_units

DEMO_DIR = Path(__file__).resolve().parent / "demo"
DEMO_ROUND = "SIPAS-2021-HUONG-SON"
DEMO_FORM = ("sipas-commune", "2021.1")


def _round_or_fail(session: Session, code: str) -> SurveyRound:
    survey_round = round_by_code(session, code)
    if survey_round is None:
        raise click.ClickException(f"no round with code '{code}' (see `flask list-rounds`)")
    return survey_round


def _unit_or_fail(session: Session, code: str) -> AdminUnit:
    unit = session.scalars(select(AdminUnit).where(AdminUnit.code == code)).first()
    if unit is None:
        raise click.ClickException(f"no unit with code '{code}'")
    return unit


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create or upgrade the database schema (Alembic upgrade head)."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database is at the latest migration.")


@click.command("import-units")
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_units_command(csv_path: Path) -> None:
    """Import administrative units (code,name,kind,parent_code,valid_from,valid_to,predecessors)."""
    try:
        with session_scope() as session:
            summary = import_units(session, csv_path)
    except ImportProblems as problems:
        raise click.ClickException(f"nothing imported:\n{problems}") from None
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
        raise click.ClickException(f"nothing imported:\n{problems}") from None
    click.echo(f"Counts: {summary.created} created, {summary.updated} updated.")


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
                current_app.extensions["questionnaires"],
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
    with session_scope() as session:
        rows = write_qr_folder(session, _round_or_fail(session, round_code), out)
    click.echo(f"Wrote {len(rows)} QR codes and links.csv to {out}")


@click.command("rotate-link")
@click.option("--round", "round_code", required=True)
@click.option("--unit", "unit_code", required=True)
@with_appcontext
def rotate_link_command(round_code: str, unit_code: str) -> None:
    """Revoke a unit's link and issue a new one (reprint its poster afterwards)."""
    with session_scope() as session:
        link = links.rotate_link(
            session, _round_or_fail(session, round_code), _unit_or_fail(session, unit_code)
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
            session, _round_or_fail(session, round_code), _unit_or_fail(session, unit_code)
        )
    click.echo(f"Revoked {count} link(s).")


@click.command("export-responses")
@click.option("--round", "round_code", required=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV file; standard output if omitted.",
)
@with_appcontext
def export_responses_command(round_code: str, out: Path | None) -> None:
    """Write the round's responses as CSV: one row per response, one column per question code."""
    with session_scope() as session:
        survey_round = _round_or_fail(session, round_code)
        questionnaire = current_app.extensions["questionnaires"].get(
            survey_round.form_id, survey_round.form_version
        )
        if out is None:
            count = write_raw_csv(session, survey_round, questionnaire, sys.stdout)
        else:
            with out.open("w", newline="", encoding="utf-8") as handle:
                count = write_raw_csv(session, survey_round, questionnaire, handle)
    click.echo(f"Exported {count} responses.", err=True)


def load_demo(session: Session, now: dt.datetime) -> SurveyRound:
    """Units, illustrative counts and an open demo round; safe to run again."""
    import_units(session, DEMO_DIR / "units.csv")
    import_counts(
        session,
        DEMO_DIR / "transactions.csv",
        illustrative=True,
        source="illustrative demo figures (survey_app/demo/README.md)",
    )
    existing = round_by_code(session, DEMO_ROUND)
    if existing is not None:
        return existing
    return create_round(
        session,
        current_app.extensions["questionnaires"],
        code=DEMO_ROUND,
        title="SIPAS 2021 — Hương Sơn (demo)",
        form_id=DEMO_FORM[0],
        form_version=DEMO_FORM[1],
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=90),
        period_start=dt.date(2021, 1, 1),
        period_end=dt.date(2021, 9, 30),
    )


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


DEMO_STAFF = (
    ("admin", "admin", "Quản trị hệ thống", None),
    ("noivu", "district_officer", "Phòng Nội vụ Hương Sơn", None),
    ("phantich", "analyst", "Chuyên viên phân tích", None),
    ("hoidong", "council_member", "Thành viên Hội đồng thẩm định", None),
    ("chutich", "chairman", "Chủ tịch UBND huyện", None),
    ("xa.songiang", "commune_officer", "Cán bộ xã Sơn Giang", "439-son-giang"),
)


def ensure_demo_staff(session: Session) -> list[tuple[str, str, str]]:
    """Demo accounts with fresh random passwords (printed once by setup-demo)."""
    created = []
    for username, role, full_name, unit_code in DEMO_STAFF:
        password = secrets.token_urlsafe(12)
        user = session.scalars(select(User).where(User.username == username)).first()
        if user is None:
            create_user(
                session,
                username=username,
                password=password,
                role=role,
                full_name=full_name,
                unit_code=unit_code,
            )
        else:
            user.password_hash = hash_password(password)
        created.append((username, role, password))
    return created


@click.command("setup-demo")
@click.option("--qr-dir", type=click.Path(file_okay=False, path_type=Path), default=None)
@click.option(
    "--sample-responses",
    type=click.IntRange(min=0),
    default=1000,
    show_default=True,
    help='Synthetic responses (channel "demo") added if the demo round has none.',
)
@with_appcontext
def setup_demo_command(qr_dir: Path | None, sample_responses: int) -> None:
    """Migrate, load the Hương Sơn demo round, write its QR codes and print where to start."""
    migrate.upgrade(current_app.config["DATABASE_URL"])
    out = qr_dir or Path(current_app.instance_path) / "qr"
    with session_scope() as session:
        now = dt.datetime.now(dt.UTC)
        survey_round = load_demo(session, now)
        par_round_code = load_par_demo(session, now, survey_round.code).code
        rows = write_qr_folder(session, survey_round, out)
        staff = ensure_demo_staff(session)
        if all(round_unit.target is None for round_unit in survey_round.units):
            compute_targets(session, survey_round, TargetPlan(), actor_name="setup-demo")
        seeded = 0
        has_responses = session.scalar(
            select(Response.id).where(Response.round_id == survey_round.id).limit(1)
        )
        if sample_responses and has_responses is None:
            questionnaire = current_app.extensions["questionnaires"].get(
                survey_round.form_id, survey_round.form_version
            )
            seeded = seed_demo_responses(
                session, survey_round, questionnaire, sample_responses, now=now
            )
    first_code, first_url = rows[0]
    click.echo(
        f"Demo round {DEMO_ROUND}: {len(rows)} communes (transaction counts are illustrative)."
    )
    click.echo(f"Citizen form for {first_code}: {first_url}")
    click.echo(f"Poster: {first_url}/poster")
    click.echo(f"QR codes and links.csv: {out}")
    if seeded:
        click.echo(f'Added {seeded} synthetic responses (channel "demo") for the dashboards.')
    click.echo(f"PAR Index round {par_round_code}: self-assessment open for the demo communes.")
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    click.echo(f"Staff login: {base}/staff/login (passwords are new at every setup-demo):")
    for username, role, password in staff:
        click.echo(f"  {username:<12} {password}  ({role})")


COMMANDS = (
    init_db_command,
    import_units_command,
    import_counts_command,
    create_round_command,
    list_rounds_command,
    export_qr_command,
    rotate_link_command,
    revoke_link_command,
    export_responses_command,
    setup_demo_command,
    create_user_command,
    compute_targets_command,
)


def init_app(app: Flask) -> None:
    for command in COMMANDS:
        app.cli.add_command(command)
