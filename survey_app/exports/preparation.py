"""A raw responses export, prepared: the filtered rows, their weights and the method note.

The blueprint checks the request and the user's scope, then calls :func:`prepare_export` and
writes the rows in the format asked for. The weights are those of every response of the round
up to the export's cut-off (not of the filtered subset), so that the ``weight`` column of an
export of one unit or one week is the weight the results use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from survey_app.exports.filters import ExportFilters
from survey_app.exports.rows import export_header, free_text_positions, iter_rows
from survey_app.formatting import integer, moment
from survey_app.questionnaires.model import Questionnaire
from survey_app.responses.frames import cell_counts, population_table
from survey_app.results.method_note import MethodNote, build_note
from survey_app.results.options import ResultsOptions
from survey_app.results.weighting import RoundWeights, WeightingProblem, weigh_round
from survey_app.rounds.models import SurveyRound


@dataclass(frozen=True)
class ResponseExport:
    """What an export writes: header, rows (streamed on demand), note, free-text columns."""

    survey_round: SurveyRound
    questionnaire: Questionnaire
    filters: ExportFilters
    weights: RoundWeights | None
    weights_error: str | None
    note: MethodNote

    @property
    def header(self) -> list[str]:
        return export_header(self.questionnaire)

    @property
    def free_text(self) -> list[int]:
        return free_text_positions(self.questionnaire)

    def rows(self, session: Session) -> Iterator[list[Any]]:
        return iter_rows(session, self.survey_round, self.questionnaire, self.filters, self.weights)


def describe(values: Mapping[str, str]) -> str:
    """Filters as one line of the method note ("unit=..., from=(tất cả), ...")."""
    return ", ".join(f"{key}={value or '(tất cả)'}" for key, value in values.items())


def prepare_export(
    session: Session,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    filters: ExportFilters,
    options: ResultsOptions,
    *,
    rows: tuple[int, dt.datetime | None],
    fmt: str,
) -> ResponseExport:
    """Weigh the round up to the export's cut-off and write the note.

    ``rows`` is the export's row count and latest submitted_at
    (:func:`survey_app.exports.rows.count_rows`). When the weights cannot be computed the
    export still goes out, with an empty ``weight`` column and the reason in the note.
    """
    population = population_table(session, survey_round)
    cells = cell_counts(session, survey_round, submitted_before=filters.submitted_before)
    weights: RoundWeights | None = None
    weights_error = None
    try:
        weights = weigh_round(cells, population, options.weighting)
    except WeightingProblem as problem:
        weights_error = str(problem)
    weighted = int(weights.report["summary"]["n"]) if weights is not None else 0
    note = build_note(
        survey_round,
        questionnaire,
        options,
        population,
        weights=weights,
        weights_error=weights_error,
        responses=rows[0],
        latest_submitted_at=rows[1],
    ).with_extra(
        [
            ("Bộ lọc", describe(filters.describe())),
            (
                "Cột weight",
                f"trọng số của phiếu khi gia quyền toàn bộ {integer(weighted)} phiếu của đợt đến "
                "mốc dữ "
                "liệu (không chỉ các phiếu trong tệp này); trống nếu không tính được",
            ),
            (
                "Thời điểm xuất",
                moment(filters.as_of, seconds=True) + " (giờ địa phương)",
            ),
            ("Định dạng tệp", fmt),
        ]
    )
    return ResponseExport(
        survey_round=survey_round,
        questionnaire=questionnaire,
        filters=filters,
        weights=weights,
        weights_error=weights_error,
        note=note,
    )
