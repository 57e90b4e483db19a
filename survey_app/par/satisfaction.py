"""The satisfaction component: a unit's weighted SIPAS index from the linked survey round.

Figures come from `survey_app.results.estimates.satisfaction_by_unit` (weights, SE, CI, n
and the method note are computed there). At approval they are copied onto the assessment, so a
published index never changes when late responses arrive or weighting options change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from survey_app.par.models import ParAssessment, ParRound
from survey_app.results.estimates import ResultsProblem, SatisfactionTable, satisfaction_by_unit
from survey_app.sql_types import utcnow


@dataclass(frozen=True)
class SatisfactionFigures:
    """A unit's SIPAS index (share 0–1; None: no usable result) and how it was obtained."""

    index: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int | None
    small_sample: bool | None
    method: str

    @property
    def available(self) -> bool:
        return self.index is not None


NO_SURVEY_ROUND = "Đợt chỉ số CCHC này không gắn với đợt khảo sát SIPAS nào."


def round_table(session: Session, par_round: ParRound) -> SatisfactionTable | None:
    """The linked survey's per-unit table, or None when the round has no survey.

    Raises ResultsProblem (with the reason) when the survey's results cannot be computed.
    """
    if par_round.survey_round is None:
        return None
    return satisfaction_by_unit(session, par_round.survey_round)


def figures_from(table: SatisfactionTable | None, unit_code: str) -> SatisfactionFigures:
    if table is None:
        return SatisfactionFigures(None, None, None, None, None, None, NO_SURVEY_ROUND)
    method = "\n".join(table.note.lines())
    unit = table.get(unit_code)
    if unit is None:
        return SatisfactionFigures(
            None, None, None, None, None, None, "Đơn vị không có trong đợt khảo sát.\n" + method
        )
    return SatisfactionFigures(
        unit.index, unit.se, unit.ci_low, unit.ci_high, unit.n, unit.small_sample, method
    )


def unit_figures(session: Session, assessment: ParAssessment) -> SatisfactionFigures:
    """Live figures for one unit (used at approval, and as a preview before it)."""
    return figures_from(round_table(session, assessment.round), assessment.unit.code)


def frozen_figures(assessment: ParAssessment) -> SatisfactionFigures | None:
    """The figures copied at approval, or None before approval."""
    if assessment.satisfaction_taken_at is None:
        return None
    return SatisfactionFigures(
        assessment.satisfaction_index,
        assessment.satisfaction_se,
        assessment.satisfaction_ci_low,
        assessment.satisfaction_ci_high,
        assessment.satisfaction_n,
        assessment.satisfaction_small_sample,
        assessment.satisfaction_method,
    )


def freeze(assessment: ParAssessment, figures: SatisfactionFigures, now: dt.datetime) -> None:
    assessment.satisfaction_index = figures.index
    assessment.satisfaction_se = figures.se
    assessment.satisfaction_ci_low = figures.ci_low
    assessment.satisfaction_ci_high = figures.ci_high
    assessment.satisfaction_n = figures.n
    assessment.satisfaction_small_sample = figures.small_sample
    assessment.satisfaction_method = figures.method
    assessment.satisfaction_taken_at = now


def thaw(assessment: ParAssessment) -> None:
    """Forget the copied figures (the assessment went back before approval)."""
    freeze(assessment, SatisfactionFigures(None, None, None, None, None, None, ""), utcnow())
    assessment.satisfaction_taken_at = None


__all__ = [
    "ResultsProblem",
    "SatisfactionFigures",
    "figures_from",
    "freeze",
    "frozen_figures",
    "round_table",
    "thaw",
    "unit_figures",
]
