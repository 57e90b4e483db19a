"""``flask export-responses``: a round's raw responses as CSV, for automation."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TextIO

import click
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from survey_app.db import session_scope
from survey_app.exports.filters import ExportFilters
from survey_app.exports.rows import export_header, iter_rows
from survey_app.questionnaires.model import Questionnaire
from survey_app.rounds.cli import round_or_fail
from survey_app.rounds.models import SurveyRound
from survey_app.rounds.services import round_questionnaire

#: Every response of the round: no unit or date filter, no cut-off.
EVERY_RESPONSE = ExportFilters(unit=None, unit_ids=None, date_from=None, date_to=None)


def write_raw_csv(
    session: Session, survey_round: SurveyRound, questionnaire: Questionnaire, out: TextIO
) -> int:
    """The staff export's rows without its weight column (a machine-readable CSV, codes only)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(export_header(questionnaire)[:-1])
    count = 0
    for row in iter_rows(session, survey_round, questionnaire, EVERY_RESPONSE, None):
        writer.writerow(row[:-1])
        count += 1
    return count


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
        survey_round = round_or_fail(session, round_code)
        questionnaire = round_questionnaire(survey_round)
        if out is None:
            count = write_raw_csv(session, survey_round, questionnaire, sys.stdout)
        else:
            with out.open("w", newline="", encoding="utf-8") as handle:
                count = write_raw_csv(session, survey_round, questionnaire, handle)
    click.echo(f"Exported {count} responses.", err=True)


COMMANDS = (export_responses_command,)
