"""The one boundary between database rows and the DataFrames of ``analysis``.

Column names come from :mod:`analysis.columns` (the data contract); nothing else in the app
builds a DataFrame for the statistics. Answers stay text codes, exactly as in the raw CSV
export (select_multiple: space-separated codes; empty/unanswered: ``<NA>``), so the analysis
library reads app data and exported files the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from analysis import columns as col
from analysis import par_index
from analysis.codebook import Codebook, parse_codebook
from analysis.quotas import field_targets, sex_age_targets
from analysis.sampling import MARGIN, Method, unit_targets
from analysis.units import field_counts
from survey_app.questionnaires.model import Questionnaire
from survey_app.responses.models import DEMO_CHANNEL, Response
from survey_app.responses.review import counting_clauses
from survey_app.rounds.models import RoundUnit, SurveyRound
from survey_app.units.models import AdminUnit, TransactionCount

#: Responses per database round trip when loading rows (memory stays bounded per batch).
FETCH_BATCH = 5000
#: Column of :func:`cell_counts`: respondents in the (unit, field) cell.
RESPONDENTS = "respondents"


def answer_columns(questionnaire: Questionnaire) -> list[str]:
    """Questions that hold an exportable answer, in form order (hashed ones are never exported)."""
    return [q.name for q in questionnaire.fields if q.privacy != "hashed"]


def response_filters(
    survey_round: SurveyRound,
    *,
    unit_ids: Collection[int] | None = None,
    submitted_from: dt.datetime | None = None,
    submitted_before: dt.datetime | None = None,
    round_unindexed: bool = False,
) -> list[ColumnElement[bool]]:
    """WHERE clauses shared by every reader of a round's responses (and the exports).

    A real round's readers never see demo responses (``channel = "demo"``).

    ``round_unindexed`` writes the round test as ``round_id + 0 = ?``, which no index can
    serve: SQLite then scans the table in id order instead of reading a round index and
    sorting every row for ORDER BY id (see :func:`survey_app.exports.rows.iter_rows`).
    """
    round_id = Response.round_id + 0 if round_unindexed else Response.round_id
    clauses: list[ColumnElement[bool]] = [round_id == survey_round.id]
    # Excluded responses, and flagged ones held for review, never count (responses.review).
    clauses.extend(counting_clauses(survey_round))
    if not survey_round.is_demo:
        # Synthetic answers belong to the demo only: whatever put them in a real round, they
        # never reach its weights, results, exports or PAR Index.
        clauses.append(Response.channel != DEMO_CHANNEL)
    if unit_ids is not None:
        clauses.append(Response.unit_id.in_(sorted(unit_ids)))
    if submitted_from is not None:
        clauses.append(Response.submitted_at >= submitted_from)
    if submitted_before is not None:
        clauses.append(Response.submitted_at < submitted_before)
    return clauses


def _answer_text(value: Any) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        # XLSForm convention for select_multiple, as in the raw CSV export.
        return " ".join(str(v) for v in value)
    return str(value)


def responses_frame(
    session: Session,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    *,
    unit_ids: Collection[int] | None = None,
    submitted_from: dt.datetime | None = None,
    submitted_before: dt.datetime | None = None,
    questions: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The round's responses as the raw-export DataFrame, one row per response, by id.

    Columns: :data:`analysis.columns.METADATA_COLUMNS` (``response_id`` int64,
    ``submitted_at`` UTC datetimes, ``duration_seconds`` Int64, the rest text), then one text
    column per question (all answerable questions, or ``questions``). ``submitted_before`` is
    exclusive: it is the data cut-off.
    """
    names = answer_columns(questionnaire) if questions is None else list(questions)
    query = (
        select(
            Response.id,
            Response.submission_id,
            AdminUnit.code,
            Response.form_id,
            Response.form_version,
            Response.submitted_at,
            Response.channel,
            Response.duration_seconds,
            Response.answers,
        )
        .join(AdminUnit, AdminUnit.id == Response.unit_id)
        .where(
            *response_filters(
                survey_round,
                unit_ids=unit_ids,
                submitted_from=submitted_from,
                submitted_before=submitted_before,
            )
        )
        .order_by(Response.id)
        .execution_options(yield_per=FETCH_BATCH)
    )
    meta: dict[str, list[Any]] = {name: [] for name in col.METADATA_COLUMNS}
    answers: dict[str, list[str | None]] = {name: [] for name in names}
    for row in session.execute(query):
        response_id, submission, unit, form_id, version, submitted, channel, duration, given = row
        meta[col.RESPONSE_ID].append(response_id)
        meta[col.SUBMISSION_ID].append(submission)
        meta[col.UNIT].append(unit)
        meta[col.FORM_ID].append(form_id)
        meta[col.FORM_VERSION].append(version)
        meta[col.SUBMITTED_AT].append(submitted)
        meta[col.CHANNEL].append(channel)
        meta[col.DURATION].append(duration)
        for name in names:
            answers[name].append(_answer_text(given.get(name)))
    meta[col.ROUND] = [survey_round.code] * len(meta[col.RESPONSE_ID])
    frame: dict[str, pd.Series] = {
        col.RESPONSE_ID: pd.Series(meta[col.RESPONSE_ID], dtype="int64"),
        col.SUBMITTED_AT: pd.Series(
            pd.to_datetime(meta[col.SUBMITTED_AT], utc=True), dtype="datetime64[us, UTC]"
        ),
        col.DURATION: pd.Series(meta[col.DURATION], dtype="Int64"),
    }
    for name in col.METADATA_COLUMNS:
        if name not in frame:
            frame[name] = pd.Series(meta[name], dtype="string")
    for name in names:
        frame[name] = pd.Series(answers[name], dtype="string")
    return pd.DataFrame({name: frame[name] for name in (*col.METADATA_COLUMNS, *names)})


@dataclass(frozen=True)
class Population:
    """The round's population counts: the units/transactions table of ``analysis``.

    ``units`` has ``unit_code``, ``kind``, ``field`` (``<NA>`` on a unit's total row) and
    ``transactions`` for the round's units and transaction period. ``illustrative`` is true when
    any count used is a made-up demo figure (every result must then say so).
    """

    units: pd.DataFrame
    illustrative: bool
    sources: tuple[str, ...]
    period_start: dt.date
    period_end: dt.date

    def unit_codes(self) -> set[str]:
        return set(self.units[col.UNIT].astype(str))


def population_table(session: Session, survey_round: SurveyRound) -> Population:
    """Transaction counts of the round's units for exactly the round's period."""
    query = (
        select(
            AdminUnit.code,
            AdminUnit.kind,
            TransactionCount.field,
            TransactionCount.transactions,
            TransactionCount.illustrative,
            TransactionCount.source,
        )
        .join(AdminUnit, AdminUnit.id == TransactionCount.unit_id)
        .join(
            RoundUnit,
            (RoundUnit.unit_id == TransactionCount.unit_id)
            & (RoundUnit.round_id == survey_round.id),
        )
        .where(
            TransactionCount.period_start == survey_round.period_start,
            TransactionCount.period_end == survey_round.period_end,
        )
        .order_by(AdminUnit.code, TransactionCount.field)
    )
    rows = session.execute(query).all()
    units = pd.DataFrame(
        {
            col.UNIT: pd.Series([r[0] for r in rows], dtype="string"),
            col.KIND: pd.Series([r[1] for r in rows], dtype="string"),
            # The model stores a unit's total row with field ''; the contract says empty = NA.
            col.FIELD: pd.Series([r[2] or None for r in rows], dtype="string"),
            col.TRANSACTIONS: pd.Series([r[3] for r in rows], dtype="int64"),
        }
    )
    return Population(
        units=units,
        illustrative=any(r[4] for r in rows),
        sources=tuple(sorted({r[5] for r in rows if r[5]})),
        period_start=survey_round.period_start,
        period_end=survey_round.period_end,
    )


def cell_counts(
    session: Session, survey_round: SurveyRound, *, submitted_before: dt.datetime | None = None
) -> pd.DataFrame:
    """Respondents per (unit, procedure field) cell: ``unit_code``, ``field``, ``respondents``.

    Counted in the database (one row per cell, whatever the number of responses), so the
    weights of a million-row export cost a GROUP BY, not a million Python objects.
    """
    query = (
        select(AdminUnit.code, Response.field, func.count(Response.id))
        .join(AdminUnit, AdminUnit.id == Response.unit_id)
        .where(*response_filters(survey_round, submitted_before=submitted_before))
        .group_by(AdminUnit.code, Response.field)
        .order_by(AdminUnit.code, Response.field)
    )
    rows = session.execute(query).all()
    return pd.DataFrame(
        {
            col.UNIT: pd.Series([r[0] for r in rows], dtype="string"),
            col.FIELD: pd.Series([r[1] or None for r in rows], dtype="string"),
            RESPONDENTS: pd.Series([r[2] for r in rows], dtype="int64"),
        }
    )


def expand_cells(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per respondent of :func:`cell_counts` (``response_id`` 0..n-1, unit, field).

    The weighting functions of ``analysis`` take one row per respondent; categorical columns
    keep this at a few bytes per row.
    """
    repeats = cells[RESPONDENTS].to_numpy(dtype=np.int64)
    rows = np.repeat(np.arange(len(cells)), repeats)
    return pd.DataFrame(
        {
            col.RESPONSE_ID: np.arange(rows.size, dtype=np.int64),
            col.UNIT: pd.Categorical(cells[col.UNIT].to_numpy(dtype=object)[rows]),
            col.FIELD: pd.Categorical(
                np.asarray(cells[col.FIELD].astype(object).where(cells[col.FIELD].notna(), None))[
                    rows
                ]
            ),
        }
    )


def codebook_for(questionnaire: Questionnaire) -> Codebook:
    """The analysis codebook (scored items, factors, code → score) of a loaded questionnaire.

    Built by :func:`analysis.codebook.parse_codebook` from the same data the TOML file holds,
    so the scoring rules live in one place (the analysis library).
    """
    choices = [
        {
            "list_name": choice.list_name,
            "name": choice.name,
            **({"value": choice.value} if choice.value is not None else {}),
            **({"missing": True} if choice.missing else {}),
        }
        for choice_list in questionnaire.choice_lists.values()
        for choice in choice_list
    ]
    survey = [
        {
            "name": q.name,
            "type": q.type,
            **({"list_name": q.list_name} if q.list_name else {}),
            **({"factor": q.factor} if q.factor else {}),
        }
        for q in questionnaire.questions
    ]
    return parse_codebook(
        {
            "settings": {"form_id": questionnaire.form_id, "version": questionnaire.version},
            "factors": [{"name": factor.name} for factor in questionnaire.factors],
            "survey": survey,
            "choices": choices,
        },
        source=questionnaire.source,
    )


def par_index_frame(units: Sequence[tuple[str, float, float | None]]) -> pd.DataFrame:
    """The units table of :func:`analysis.par_index.compute_par_index`.

    ``units``: (unit code, appraised points, weighted SIPAS index or None without a survey).
    """
    rows = list(units)
    return pd.DataFrame(
        {
            col.UNIT: pd.Series([code for code, _, _ in rows], dtype="string"),
            par_index.APPRAISED: pd.Series([points for _, points, _ in rows], dtype="float64"),
            par_index.SATISFACTION_INDEX: pd.Series(
                [np.nan if index is None else index for _, _, index in rows], dtype="float64"
            ),
        }
    )


@dataclass(frozen=True)
class SampleTargets:
    """A round's sampling plan as plain values: unit targets and quota cells by code."""

    units: dict[str, int]
    #: Margin of error each unit's target achieves (None for a target of 0).
    margins: dict[str, float | None]
    #: (unit code, field) → target.
    fields: dict[tuple[str, str], int]
    #: (unit code, sex, age group) → target.
    sex_age: dict[tuple[str, str, str], int]


def sample_targets(
    population: Population,
    *,
    method: Method,
    e: float,
    floors: Mapping[str, int],
    by_field: bool,
    sex_age_shares: Sequence[tuple[str, str, float]] = (),
) -> SampleTargets:
    """Targets per unit (:func:`analysis.sampling.unit_targets`), split across procedure fields
    in proportion to transactions (:func:`analysis.quotas.field_targets`) and, when shares are
    given, across sex × age groups (:func:`analysis.quotas.sex_age_targets`).

    ``sex_age_shares``: (sex, age group, share) applied to every unit. Raises
    :class:`analysis.errors.AnalysisError` for counts or parameters it cannot use.
    """
    targets = unit_targets(population.units, method=method, e=e, floors=floors)
    units = {str(u): int(t) for u, t in zip(targets[col.UNIT], targets[col.TARGET], strict=True)}
    margins = {
        str(u): None if pd.isna(m) else float(m)
        for u, m in zip(targets[col.UNIT], targets[MARGIN], strict=True)
    }
    fields: dict[tuple[str, str], int] = {}
    if by_field:
        split = field_targets(targets, field_counts(population.units))
        fields = {
            (str(u), str(f)): int(t)
            for u, f, t in zip(split[col.UNIT], split[col.FIELD], split[col.TARGET], strict=True)
        }
    sex_age: dict[tuple[str, str, str], int] = {}
    if sex_age_shares:
        shares = pd.DataFrame(
            {
                col.SEX: pd.Series([s for s, _, _ in sex_age_shares], dtype="string"),
                col.AGE_GROUP: pd.Series([a for _, a, _ in sex_age_shares], dtype="string"),
                col.SHARE: pd.Series([v for _, _, v in sex_age_shares], dtype="float64"),
            }
        )
        cells = sex_age_targets(targets, shares)
        columns = (cells[col.UNIT], cells[col.SEX], cells[col.AGE_GROUP], cells[col.TARGET])
        sex_age = {(str(u), str(s), str(a)): int(t) for u, s, a, t in zip(*columns, strict=True)}
    return SampleTargets(units=units, margins=margins, fields=fields, sex_age=sex_age)
