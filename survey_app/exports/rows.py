"""The rows of a raw responses export, streamed from the database in batches.

One row per response in id order: the metadata columns of the data contract, one column per
answerable question (answer codes; select_multiple space-separated), then the ``weight``.
Rows are fetched ``yield_per`` batches at a time with plain column selects (no ORM objects),
so memory stays flat however many rows an export holds.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from json.scanner import make_scanner
from typing import Any, cast

from sqlalchemy import String, Text, func, select, type_coerce
from sqlalchemy.orm import Session

from analysis import columns as col
from survey_app.exports.filters import ExportFilters
from survey_app.questionnaires.model import Questionnaire
from survey_app.responses.frames import answer_columns, response_filters
from survey_app.responses.models import Response
from survey_app.results.weighting import RoundWeights
from survey_app.rounds.models import SurveyRound
from survey_app.units.models import AdminUnit

#: Rows per database round trip.
BATCH_ROWS = 2000


def export_header(questionnaire: Questionnaire) -> list[str]:
    return [*col.METADATA_COLUMNS, *answer_columns(questionnaire), col.WEIGHT]


def free_text_positions(questionnaire: Questionnaire) -> list[int]:
    """Positions (in :func:`export_header`) of the columns that may hold any text.

    Answers to text questions, and the client-made submission id; every other cell is a
    validated answer code, a number or a value the server wrote.
    """
    header = export_header(questionnaire)
    text = {q.name for q in questionnaire.questions if q.type == "text"} | {col.SUBMISSION_ID}
    return [position for position, name in enumerate(header) if name in text]


def count_rows(
    session: Session, survey_round: SurveyRound, filters: ExportFilters
) -> tuple[int, dt.datetime | None]:
    """How many responses the export holds, and the latest submitted_at among them."""
    query = select(func.count(Response.id), func.max(Response.submitted_at)).where(
        *response_filters(
            survey_round,
            unit_ids=filters.unit_ids,
            submitted_from=filters.submitted_from,
            submitted_before=filters.submitted_before,
        )
    )
    count, latest = session.execute(query).one()
    return int(count), latest


# The C scanner behind json.loads, without its Python wrapper: a third of the parse cost.
_scan_json: Callable[[str, int], tuple[Any, int]] = make_scanner(cast(Any, json.JSONDecoder()))


def _answers(raw: Any) -> dict[str, Any]:
    """The stored answers: psycopg hands over a dict, SQLite the JSON text."""
    if raw.__class__ is dict:
        return cast(dict[str, Any], raw)
    answers: dict[str, Any] = _scan_json(raw, 0)[0]
    return answers


def _iso_utc(value: Any) -> str:
    """ISO-8601 UTC text of a stored submitted_at, as ``datetime.isoformat`` writes it.

    SQLite hands over the stored text ("2021-10-01 08:00:00.000000", UTC, written by
    UTCDateTime); reformatting it skips parsing a datetime per row. PostgreSQL drivers give
    a datetime.
    """
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    fraction = value[19:26]
    if fraction in ("", ".000000"):
        fraction = ""
    return f"{value[:10]}T{value[11:19]}{fraction}+00:00"


def _joined(value: Any) -> Any:
    """select_multiple answers as space-separated codes (None when nothing was chosen)."""
    if isinstance(value, list):
        return " ".join(str(v) for v in value) or None
    return value


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def iter_rows(
    session: Session,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    filters: ExportFilters,
    weights: RoundWeights | None,
) -> Iterator[list[Any]]:
    """Yield each response as a list of Python values in :func:`export_header` order.

    Values: ids and durations as int, ``submitted_at`` as ISO-8601 text, answers as stored
    (codes as text, integers as int), None for empty cells, the weight as float (None when the
    weights are unavailable).
    """
    names = answer_columns(questionnaire)
    multiple = [
        position
        for position, name in enumerate(names)
        if questionnaire.question(name).type == "select_multiple"
    ]
    cell_weights = weights.cell_weights if weights is not None else {}
    query = (
        select(
            Response.id,
            Response.submission_id,
            AdminUnit.code,
            Response.form_id,
            Response.form_version,
            type_coerce(Response.submitted_at, String),
            Response.channel,
            Response.duration_seconds,
            Response.field,
            # The raw JSON text on SQLite: parsed by _answers, faster than the JSON type does.
            type_coerce(Response.answers, Text),
        )
        .join(AdminUnit, AdminUnit.id == Response.unit_id)
        .where(
            *response_filters(
                survey_round,
                unit_ids=filters.unit_ids,
                submitted_from=filters.submitted_from,
                submitted_before=filters.submitted_before,
                # SQLite would read a round index, then sort every row (JSON included) in a
                # temporary B-tree before the first byte; a scan in rowid (= id) order streams
                # at once. With a unit filter the index pays off and the sort is small.
                round_unindexed=filters.unit_ids is None and _is_sqlite(session),
            )
        )
        .order_by(Response.id)
    )
    round_code = survey_round.code
    connection = session.connection()
    if _is_sqlite(session):
        # sqlite3 cursors fetch lazily, so rows come straight from the DBAPI cursor: no Row
        # object per response, which would cost more than the rest of the export.
        # (stream_results would make SQLAlchemy prefetch rows into its own buffer first.)
        result = connection.execute(query)
        fetch = result.cursor.fetchmany
    else:
        # A server-side cursor, read batch by batch through SQLAlchemy's buffer.
        result = connection.execution_options(stream_results=True).execute(query)
        fetch = result.fetchmany
    try:
        while batch := fetch(BATCH_ROWS):
            for row in batch:
                row_id, submission, unit, form_id, version, submitted, channel, duration = row[:8]
                field, raw = row[8], row[9]
                # Empty answers are never stored (record_response skips them), so a missing
                # key is the only empty case; dict.get through map() runs in C.
                answers = list(map(_answers(raw).get, names))
                for position in multiple:
                    answers[position] = _joined(answers[position])
                yield [
                    row_id,
                    submission,
                    round_code,
                    unit,
                    form_id,
                    version,
                    _iso_utc(submitted),
                    channel,
                    duration,
                    *answers,
                    cell_weights.get((unit, field or None)),
                ]
    finally:
        result.close()


def numeric_code_positions(questionnaire: Questionnaire) -> list[int]:
    """Positions (in :func:`export_header`) of select_one answers whose codes are all digits.

    A spreadsheet stores those as numbers (as SPSS does, see ``sav.py``), so they can be
    summed and filtered; other codes stay text ("ho_tich").
    """
    header = export_header(questionnaire)
    numeric = {
        q.name
        for q in questionnaire.questions
        if q.type == "select_one" and q.choices and all(c.name.isdigit() for c in q.choices)
    }
    return [position for position, name in enumerate(header) if name in numeric]
