"""Quota monitoring: responses against targets per unit and cell, per day, pace and quality flags.

Everything is counted in the database with two GROUP BYs whose columns are all in an index
(``ix_response_round_unit_cells`` and ``ix_response_round_unit_day``), so the work grows with
the number of groups (units × cells, units × days), not with the number of responses.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from survey_app.local_time import local_date
from survey_app.questionnaires.model import Questionnaire
from survey_app.quotas.cells import cell_label, cell_order, sex_age_cell
from survey_app.quotas.models import QuotaCell
from survey_app.responses.models import Response
from survey_app.rounds.models import RoundUnit, SurveyRound
from survey_app.units.models import AdminUnit

#: The pace is the mean number of responses per day over this many most recent days.
PACE_DAYS = 7
#: Projected completion dates go at most this far ahead (100 years).
PROJECTION_HORIZON_DAYS = 36_525
#: The per-day chart shows at most this many days (the most recent ones).
MAX_CHART_DAYS = 120

ProjectionStatus = Literal["complete", "projected", "no_pace", "no_target"]


@dataclass(frozen=True)
class Flags:
    too_fast: int = 0
    straightlined: int = 0
    over_quota: int = 0

    def __add__(self, other: Flags) -> Flags:
        return Flags(
            self.too_fast + other.too_fast,
            self.straightlined + other.straightlined,
            self.over_quota + other.over_quota,
        )


@dataclass(frozen=True)
class Projection:
    """When the target is reached at the current pace (``per_day``: responses per day)."""

    status: ProjectionStatus
    per_day: float | None = None
    completes_on: dt.date | None = None
    #: Reached only after the round closes.
    late: bool = False


@dataclass(frozen=True)
class Fill:
    """Accepted responses against a target (None: no target)."""

    target: int | None
    accepted: int
    #: What is still missing; for a sum over units, each unit's own shortfall (a unit above its
    #: target does not make up for another below it).
    missing: int

    @property
    def percent(self) -> int:
        if not self.target:
            return 100 if self.target == 0 else 0
        return min(100, math.floor(100 * self.accepted / self.target))


@dataclass(frozen=True)
class CellFill:
    dimension: str
    cell: str
    label: str
    fill: Fill


@dataclass(frozen=True)
class UnitFill:
    unit_id: int
    code: str
    name: str
    kind: str
    fill: Fill
    recent: int
    projection: Projection
    flags: Flags
    short_cells: int

    @property
    def shortfall(self) -> int | None:
        """target − accepted (negative above target; None without a target)."""
        return None if self.fill.target is None else self.fill.target - self.fill.accepted


@dataclass(frozen=True)
class Monitoring:
    survey_round: SurveyRound
    today: dt.date
    min_seconds: int
    #: Sorted by shortfall, largest first; units without a target last.
    units: tuple[UnitFill, ...]
    fill: Fill
    flags: Flags
    projection: Projection
    days: tuple[tuple[dt.date, int], ...]
    fields: tuple[CellFill, ...]
    sex_age: tuple[CellFill, ...]


def _fill(targets: Mapping[int, int], accepted: Mapping[int, int], unit_ids: Iterable[int]) -> Fill:
    """Sum over units; units without a target count towards ``accepted`` only."""
    ids = list(unit_ids)
    with_target = [u for u in ids if u in targets]
    return Fill(
        target=sum(targets[u] for u in with_target) if with_target else None,
        accepted=sum(accepted.get(u, 0) for u in ids),
        missing=sum(max(0, targets[u] - accepted.get(u, 0)) for u in with_target),
    )


def project(
    fill: Fill, recent: int, window_days: int, today: dt.date, closes_on: dt.date
) -> Projection:
    """Completion date if ``recent`` responses in the last ``window_days`` days go on."""
    if fill.target is None:
        return Projection("no_target")
    if fill.missing == 0:
        return Projection("complete")
    if recent == 0 or window_days <= 0:
        return Projection("no_pace")
    per_day = recent / window_days
    # Capped: a huge target at a slow pace would run past the last date Python can represent;
    # anything beyond the horizon is shown at the horizon, marked late like any date after close.
    days = min(math.ceil(fill.missing / per_day), PROJECTION_HORIZON_DAYS)
    completes_on = today + dt.timedelta(days=days)
    return Projection("projected", per_day, completes_on, completes_on > closes_on)


def _combined_projection(units: Iterable[UnitFill], per_day: float | None) -> Projection:
    """The day the last unit is projected to finish; no pace if any unfinished unit has none."""
    with_target = [u.projection for u in units if u.projection.status != "no_target"]
    if not with_target:
        return Projection("no_target")
    pending = [p for p in with_target if p.status != "complete"]
    if not pending:
        return Projection("complete")
    if any(p.status == "no_pace" for p in pending):
        return Projection("no_pace", per_day)
    last = max(pending, key=lambda p: p.completes_on or dt.date.min)
    return Projection("projected", per_day, last.completes_on, any(p.late for p in pending))


#: Responses per cell, by cell and unit: {("field", "ho_tich"): {unit_id: count}}.
CellCounts = dict[tuple[str, str], dict[int, int]]
#: Responses per local day, by unit: {unit_id: {day: count}}.
DayCounts = dict[int, dict[dt.date, int]]


def _count_cells(session: Session, where: list[ColumnElement[bool]]) -> CellCounts:
    """One GROUP BY over ix_response_round_unit_cells; unit totals are the (unit, *) sums."""
    counts: CellCounts = defaultdict(lambda: defaultdict(int))
    grouped = (Response.unit_id, Response.field, Response.sex, Response.age_group)
    query = select(*grouped, func.count()).where(*where).group_by(*grouped)
    for unit, field, sex, age_group, count in session.execute(query):
        counts["unit", ""][unit] += count
        if field:
            counts["field", field][unit] += count
        if sex and age_group:
            counts["sex_age", sex_age_cell(sex, age_group)][unit] += count
    return counts


def _count_days(session: Session, where: list[ColumnElement[bool]]) -> DayCounts:
    days: DayCounts = defaultdict(dict)
    query = (
        select(Response.unit_id, Response.local_date, func.count())
        .where(*where)
        .group_by(Response.unit_id, Response.local_date)
    )
    for unit, day, count in session.execute(query):
        days[unit][day] = count
    return days


def _count_flags(
    session: Session, where: list[ColumnElement[bool]], min_seconds: int
) -> dict[int, Flags]:
    """Flagged responses per unit; each flag is read from its own small index."""
    counted = [
        dict(
            session.execute(
                select(Response.unit_id, func.count())
                .where(*where, condition)
                .group_by(Response.unit_id)
            ).all()
        )
        for condition in (
            Response.duration_seconds < min_seconds,
            Response.straightlined,
            Response.over_quota,
        )
    ]
    units = set().union(*counted)
    return {unit: Flags(*(flag.get(unit, 0) for flag in counted)) for unit in units}


def monitor_round(
    session: Session,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    *,
    today: dt.date,
    min_seconds: int,
    unit_id: int | None = None,
) -> Monitoring:
    """The round's fill for every unit, or for ``unit_id`` only; ``today`` is a local date."""
    where: list[ColumnElement[bool]] = [Response.round_id == survey_round.id]
    unit_query = (
        select(AdminUnit.id, AdminUnit.code, AdminUnit.name, AdminUnit.kind, RoundUnit.target)
        .join(RoundUnit, RoundUnit.unit_id == AdminUnit.id)
        .where(RoundUnit.round_id == survey_round.id)
    )
    cell_query = select(QuotaCell.unit_id, QuotaCell.dimension, QuotaCell.cell, QuotaCell.target)
    cell_query = cell_query.where(QuotaCell.round_id == survey_round.id)
    if unit_id is not None:
        where.append(Response.unit_id == unit_id)
        unit_query = unit_query.where(RoundUnit.unit_id == unit_id)
        cell_query = cell_query.where(QuotaCell.unit_id == unit_id)
    units = session.execute(unit_query.order_by(AdminUnit.code)).all()
    unit_ids = [row[0] for row in units]
    unit_targets = {row[0]: row[4] for row in units if row[4] is not None}
    cell_targets: CellCounts = defaultdict(dict)
    for unit, dimension, cell, target in session.execute(cell_query):
        cell_targets[dimension, cell][unit] = target
    cell_accepted = _count_cells(session, where)
    accepted = cell_accepted.pop(("unit", ""), {})
    unit_days = _count_days(session, where)
    flags = _count_flags(session, where, min_seconds)

    opens_on = local_date(survey_round.opens_at)
    closes_on = local_date(survey_round.closes_at)
    pace_end = min(today, closes_on)
    pace_start = max(opens_on, pace_end - dt.timedelta(days=PACE_DAYS - 1))
    window_days = (pace_end - pace_start).days + 1

    def recent(days: Mapping[dt.date, int]) -> int:
        return sum(n for day, n in days.items() if pace_start <= day <= pace_end)

    rows = []
    for uid, code, name, kind, _target in units:
        fill = _fill(unit_targets, accepted, [uid])
        unit_recent = recent(unit_days.get(uid, {}))
        short_cells = sum(
            1
            for key, by_unit in cell_targets.items()
            if uid in by_unit and cell_accepted.get(key, {}).get(uid, 0) < by_unit[uid]
        )
        projection = project(fill, unit_recent, window_days, pace_end, closes_on)
        flagged = flags.get(uid, Flags())
        rows.append(
            UnitFill(uid, code, name, kind, fill, unit_recent, projection, flagged, short_cells)
        )
    rows.sort(key=lambda u: (u.shortfall is None, -(u.shortfall or 0), u.code))

    def cells(dimension: str) -> tuple[CellFill, ...]:
        keys = {key for key in (*cell_targets, *cell_accepted) if key[0] == dimension}
        ordered = sorted(keys, key=lambda k: (cell_order(questionnaire, *k), k[1]))
        return tuple(
            CellFill(
                dimension,
                key[1],
                cell_label(questionnaire, dimension, key[1]),
                _fill(cell_targets.get(key, {}), cell_accepted.get(key, {}), unit_ids),
            )
            for key in ordered
        )

    per_day: dict[dt.date, int] = defaultdict(int)
    for days in unit_days.values():
        for day, count in days.items():
            per_day[day] += count
    district_recent = recent(per_day)
    return Monitoring(
        survey_round=survey_round,
        today=today,
        min_seconds=min_seconds,
        units=tuple(rows),
        fill=_fill(unit_targets, accepted, unit_ids),
        flags=sum(flags.values(), Flags()),
        projection=_combined_projection(
            rows, district_recent / window_days if window_days > 0 else None
        ),
        days=_day_series(per_day, opens_on, pace_end),
        fields=cells("field"),
        sex_age=cells("sex_age"),
    )


def _day_series(
    per_day: Mapping[dt.date, int], first: dt.date, last: dt.date
) -> tuple[tuple[dt.date, int], ...]:
    """Every day from the round's opening to today (or its close), zeros included; the last
    :data:`MAX_CHART_DAYS` of them when the span is longer."""
    if per_day:
        first, last = min(first, *per_day), max(last, *per_day)
    if last < first:
        return ()
    first = max(first, last - dt.timedelta(days=MAX_CHART_DAYS - 1))
    return tuple(
        (first + dt.timedelta(days=i), per_day.get(first + dt.timedelta(days=i), 0))
        for i in range((last - first).days + 1)
    )
