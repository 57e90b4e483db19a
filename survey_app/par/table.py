"""The PAR Index table of a round: ranking, per-field points, the satisfaction component and
the change from the previous published round.

The arithmetic is `analysis.par_index.compute_par_index`; this module gathers its inputs from
the database (appraised scores, the satisfaction figures frozen at approval) and lays out the
rows. A published table uses frozen figures only, so it reads the same every time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis import par_index as pi
from analysis.columns import UNIT
from analysis.ranking import rank_intervals
from survey_app.par.criteria_model import CriteriaSet
from survey_app.par.models import ParAssessment, ParRound
from survey_app.par.rounds import round_bands, round_criteria
from survey_app.par.rules import RULE_LABELS
from survey_app.par.satisfaction import SatisfactionFigures, frozen_figures
from survey_app.responses.frames import par_index_frame

RANKING_NOTE = (
    "Xếp hạng theo chỉ số (%) làm tròn 2 chữ số thập phân, từ cao xuống thấp; các đơn vị bằng "
    "nhau cùng hạng và hạng kế tiếp được bỏ qua (1, 2, 2, 4)."
)


@dataclass(frozen=True)
class TableRow:
    unit_code: str
    unit_name: str
    status: str
    field_points: tuple[float | None, ...]  # appraised points per field, in criteria order
    appraised: float | None  # None until every item has an appraised score
    satisfaction: SatisfactionFigures | None
    max_points: float
    # Computed for ranked units only (appraisal complete, survey figures known).
    satisfaction_points: float | None = None
    rule_applied: str = ""  # the no-survey rule applied; '' when the unit's survey counts
    total: float | None = None
    index_pct: float | None = None
    rank: int | None = None
    # The joint 90 % confidence interval of the rank (analysis.ranking): the places the
    # satisfaction survey's sampling error cannot tell apart.
    rank_low: int | None = None
    rank_high: int | None = None
    band: str = ""
    previous_index: float | None = None
    previous_rank: int | None = None
    previous_note: str = ""

    @property
    def change(self) -> float | None:
        """Index % minus the previous round's (percentage points)."""
        if self.index_pct is None or self.previous_index is None:
            return None
        return round(self.index_pct, 2) - round(self.previous_index, 2)


@dataclass(frozen=True)
class ParTable:
    par_round: ParRound
    criteria: CriteriaSet
    rows: tuple[TableRow, ...]
    published: bool
    previous_round: ParRound | None
    method_notes: tuple[str, ...]

    @property
    def rule_label(self) -> str:
        return RULE_LABELS[self.par_round.no_survey_rule]

    @property
    def ranked(self) -> tuple[TableRow, ...]:
        return tuple(row for row in self.rows if row.rank is not None)

    @property
    def unranked(self) -> tuple[TableRow, ...]:
        return tuple(row for row in self.rows if row.rank is None)


def _optional(value: object) -> float | None:
    number = float(str(value))
    return None if math.isnan(number) else number


def _appraised_by_field(
    assessment: ParAssessment, criteria: CriteriaSet
) -> tuple[tuple[float | None, ...], float | None]:
    scores = {score.item_code: score.appraised_score for score in assessment.scores}
    per_field: list[float | None] = []
    complete = True
    items = criteria.items()
    for field in criteria.fields:
        values = [scores.get(item.code) for item in items if item.field_code == field.code]
        if any(value is None for value in values):
            complete = False
            per_field.append(None)
        else:
            # Sum in hundredths (Decimal) so 0.1 + 0.2 prints as 0.3.
            per_field.append(float(sum((Decimal(str(v)) for v in values), Decimal(0))))
    total = float(sum((Decimal(str(v)) for v in per_field if v is not None), Decimal(0)))
    return tuple(per_field), (total if complete else None)


def build_table(
    session: Session,
    par_round: ParRound,
    live: Mapping[str, SatisfactionFigures] | None = None,
    *,
    with_previous: bool = True,
) -> ParTable:
    """The round's table. Before publication it is a preview: units whose appraisal is not
    complete are listed unranked, and ``live`` figures stand in for those not yet frozen."""
    criteria = round_criteria(par_round)
    published = par_round.published_at is not None
    assessments = sorted(par_round.assessments, key=lambda a: a.unit.code)
    figures: dict[str, SatisfactionFigures | None] = {}
    appraised: dict[str, tuple[tuple[float | None, ...], float | None]] = {}
    for assessment in assessments:
        code = assessment.unit.code
        frozen = frozen_figures(assessment)
        figures[code] = frozen if frozen is not None else (live or {}).get(code)
        appraised[code] = _appraised_by_field(assessment, criteria)
    complete: list[tuple[str, float, float | None]] = []
    for code, (_, total) in appraised.items():
        unit_figures = figures[code]
        # Ranked: appraisal complete, and the survey figures known (or no survey at all).
        if total is not None and (unit_figures is not None or par_round.survey_round is None):
            complete.append((code, total, unit_figures.index if unit_figures else None))
    computed = pi.compute_par_index(
        par_index_frame(complete),
        appraised_max=float(criteria.appraised_max),
        satisfaction_max=float(criteria.satisfaction.max_points),
        no_survey_rule=par_round.no_survey_rule,
        bands=round_bands(par_round),
    )
    results = {str(row[UNIT]): row for _, row in computed.iterrows()}
    rows = [
        _row(
            assessment,
            appraised[assessment.unit.code],
            figures[assessment.unit.code],
            results.get(assessment.unit.code),
            criteria,
        )
        for assessment in assessments
    ]
    previous_round = previous_published_round(session, par_round) if with_previous else None
    if previous_round is not None:
        rows = _with_previous(
            rows, assessments, build_table(session, previous_round, with_previous=False)
        )
    rows = _with_rank_intervals(rows, float(criteria.satisfaction.max_points))
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.unit_code))
    notes = tuple(dict.fromkeys(f.method for f in figures.values() if f is not None and f.method))
    return ParTable(par_round, criteria, tuple(rows), published, previous_round, notes)


def _row(
    assessment: ParAssessment,
    appraised: tuple[tuple[float | None, ...], float | None],
    figures: SatisfactionFigures | None,
    result: pd.Series | None,
    criteria: CriteriaSet,
) -> TableRow:
    per_field, total = appraised
    row = TableRow(
        assessment.unit.code,
        assessment.unit.name,
        assessment.status,
        per_field,
        total,
        figures,
        float(criteria.total_points),
    )
    if result is None:
        return row
    return replace(
        row,
        satisfaction_points=_optional(result[pi.SATISFACTION_POINTS]),
        rule_applied=str(result[pi.RULE_APPLIED]),
        total=_optional(result[pi.TOTAL]),
        max_points=float(result[pi.MAX]),
        index_pct=_optional(result[pi.INDEX]),
        rank=int(result[pi.RANK]),
        band=str(result[pi.BAND]),
    )


#: Level of the joint rank intervals: 90 %, as the US Census Bureau publishes its rankings.
RANK_CONFIDENCE = 0.90
RANK_INTERVAL_NOTE = (
    "Khoảng hạng (trong ngoặc) là khoảng tin cậy đồng thời 90 % của thứ hạng: do phần điểm "
    "khảo sát sự hài lòng có sai số chọn mẫu, các đơn vị có khoảng hạng chồng nhau chưa phân "
    "biệt được thứ hạng (Klein, Wright và Wieczorek 2020, hiệu chỉnh Bonferroni)."
)


def _with_rank_intervals(rows: list[TableRow], satisfaction_max: float) -> list[TableRow]:
    """Each ranked row with its joint rank interval.

    Only the satisfaction component is estimated from a sample; the appraised points are
    fixed. A unit's index SE is therefore its satisfaction SE times the component's weight in
    the index (satisfaction maximum / total maximum × 100); a unit scored by the no-survey
    rule has no sampling error (SE 0). The interval is widened to hold the displayed rank,
    which counts ties of the rounded index as the PAR table does.
    """
    ranked = [row for row in rows if row.index_pct is not None and row.rank is not None]
    if len(ranked) < 2:
        return rows
    se = []
    for row in ranked:
        figures = row.satisfaction
        uses_survey = not row.rule_applied and figures is not None and figures.se is not None
        se.append(
            figures.se * satisfaction_max / row.max_points * 100.0
            if uses_survey and figures is not None and figures.se is not None
            else 0.0
        )
    intervals = rank_intervals(
        pd.Series([row.index_pct for row in ranked], index=[row.unit_code for row in ranked]),
        pd.Series(se, index=[row.unit_code for row in ranked]),
        confidence=RANK_CONFIDENCE,
    )
    bounds = {
        code: (int(low), int(high))
        for code, low, high in zip(
            intervals.index, intervals["rank_low"], intervals["rank_high"], strict=True
        )
    }
    return [
        replace(
            row,
            rank_low=min(bounds[row.unit_code][0], row.rank),
            rank_high=max(bounds[row.unit_code][1], row.rank),
        )
        if row.unit_code in bounds and row.rank is not None
        else row
        for row in rows
    ]


def previous_published_round(session: Session, par_round: ParRound) -> ParRound | None:
    """The latest published round of an earlier year."""
    query = (
        select(ParRound)
        .where(ParRound.year < par_round.year, ParRound.published_at.is_not(None))
        .order_by(ParRound.year.desc(), ParRound.published_at.desc())
    )
    return session.scalars(query).first()


def _with_previous(
    rows: list[TableRow], assessments: list[ParAssessment], previous: ParTable
) -> list[TableRow]:
    """Match each unit to the previous round by its own code, else by its single predecessor
    (a merged unit with several predecessors has no comparable figure)."""
    before = {row.unit_code: row for row in previous.rows}
    units = {a.unit.code: a.unit for a in assessments}
    matched = []
    for row in rows:
        earlier = before.get(row.unit_code)
        note = ""
        if earlier is None:
            found = [before[p.code] for p in units[row.unit_code].predecessors if p.code in before]
            if len(found) == 1:
                earlier = found[0]
                note = f"so với {earlier.unit_name} (đơn vị trước sáp nhập)"
            elif found:
                note = f"sáp nhập từ {len(found)} đơn vị: không so sánh"
        if earlier is None:
            matched.append(replace(row, previous_note=note or "không có trong đợt trước"))
        else:
            matched.append(
                replace(
                    row,
                    previous_index=earlier.index_pct,
                    previous_rank=earlier.rank,
                    previous_note=note,
                )
            )
    return matched
