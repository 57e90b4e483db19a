"""The raw export: one row per response, one column per question code, for analysts."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.models import AdminUnit, Response, SurveyRound
from survey_app.questionnaires import Questionnaire

META_COLUMNS = (
    "response_id",
    "submission_id",
    "round_code",
    "unit_code",
    "form_id",
    "form_version",
    "submitted_at",
    "channel",
    "duration_seconds",
)


def export_columns(questionnaire: Questionnaire) -> list[str]:
    """Meta columns, then every answerable question (notes carry no answer; hashed ones are
    never exported)."""
    return list(META_COLUMNS) + [
        q.name for q in questionnaire.questions if q.type != "note" and q.privacy != "hashed"
    ]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        # XLSForm convention for select_multiple: space-separated codes.
        return " ".join(str(v) for v in value)
    return str(value)


def iter_raw_rows(
    session: Session, survey_round: SurveyRound, questionnaire: Questionnaire
) -> Iterator[list[str]]:
    """Rows in submission order, fetched in batches so memory stays flat."""
    question_names = export_columns(questionnaire)[len(META_COLUMNS) :]
    query = (
        select(Response, AdminUnit.code)
        .join(AdminUnit, AdminUnit.id == Response.unit_id)
        .where(Response.round_id == survey_round.id)
        .order_by(Response.id)
        .execution_options(yield_per=2000)
    )
    for response, unit_code in session.execute(query):
        yield [
            str(response.id),
            response.submission_id,
            survey_round.code,
            unit_code,
            response.form_id,
            response.form_version,
            response.submitted_at.isoformat(),
            response.channel,
            _cell(response.duration_seconds),
        ] + [_cell(response.answers.get(name)) for name in question_names]


def write_raw_csv(
    session: Session, survey_round: SurveyRound, questionnaire: Questionnaire, out: TextIO
) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(export_columns(questionnaire))
    count = 0
    for row in iter_raw_rows(session, survey_round, questionnaire):
        writer.writerow(row)
        count += 1
    return count
