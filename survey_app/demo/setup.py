"""``flask setup-demo``: the Hương Sơn demo, loaded so that every page has something to show.

Units and illustrative transaction counts (``survey_app/demo/*.csv``), an open survey round with
targets, synthetic responses marked ``channel = "demo"``, the PAR Index round, QR codes and demo
staff accounts of every role.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app import migrate
from survey_app.db import session_scope
from survey_app.demo.accounts import ensure_demo_staff, passwords_path
from survey_app.demo.clearing import clear_demo
from survey_app.demo.par_round import load_par_demo
from survey_app.demo.responses import seed_demo_responses
from survey_app.questionnaires.loading import app_catalog
from survey_app.quotas.targets import TargetPlan, compute_targets
from survey_app.responses.models import Response
from survey_app.rounds.cli import warn_public_address, write_qr_folder
from survey_app.rounds.models import SurveyRound
from survey_app.rounds.services import create_round, round_by_code, round_questionnaire
from survey_app.units.importing import import_counts, import_units

DEMO_DIR = Path(__file__).resolve().parent
DEMO_ROUND = "SIPAS-2021-HUONG-SON"
DEMO_FORM = ("sipas-commune", "2021.2")  # 2021.1 with the wording fixed


def load_demo(session: Session, now: dt.datetime) -> SurveyRound:
    """Units, illustrative counts and an open demo round; safe to run again."""
    import_units(session, DEMO_DIR / "units.csv")
    import_counts(
        session,
        DEMO_DIR / "transactions.csv",
        illustrative=True,
        source="số liệu minh hoạ của bản demo (survey_app/demo/README.md)",
    )
    existing = round_by_code(session, DEMO_ROUND)
    if existing is not None:
        existing.is_demo = True
        return existing
    survey_round = create_round(
        session,
        app_catalog(),
        code=DEMO_ROUND,
        title="Khảo sát sự hài lòng năm 2021 — huyện Hương Sơn (dữ liệu mẫu)",
        form_id=DEMO_FORM[0],
        form_version=DEMO_FORM[1],
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=90),
        period_start=dt.date(2021, 1, 1),
        period_end=dt.date(2021, 9, 30),
    )
    survey_round.is_demo = True
    return survey_round


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
            questionnaire = round_questionnaire(survey_round)
            seeded = seed_demo_responses(
                session, survey_round, questionnaire, sample_responses, now=now
            )
    first_code, first_url = rows[0]
    warn_public_address()
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
    click.echo(
        f"Staff login: {base}/staff/login (demo passwords, kept in {passwords_path()}; "
        "`flask clear-demo` removes every demo account and round before a real year):"
    )
    for username, role, password in staff:
        click.echo(f"  {username:<12} {password}  ({role})")


@click.command("clear-demo")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def clear_demo_command(yes: bool) -> None:
    """Delete the demo's rounds, responses, accounts and illustrative counts (units stay)."""
    if not yes:
        click.confirm("Delete every demo round, response and account?", abort=True)
    with session_scope() as session:
        cleared = clear_demo(session, actor_name="cli")
    passwords_path().unlink(missing_ok=True)
    click.echo(f"Đã xoá dữ liệu mẫu: {cleared.describe()}.")


COMMANDS = (setup_demo_command, clear_demo_command)
