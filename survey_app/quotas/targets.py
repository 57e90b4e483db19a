"""Response targets of a round: computed from the sampling plan, reviewed and edited by staff.

The unit's target lives on ``RoundUnit.target``; its cells (procedure field, sex × age group)
in ``QuotaCell``. Every change is written to the audit log with the old and the new value; the
caller commits.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from analysis.errors import AnalysisError
from analysis.sampling import METHODS, Method
from survey_app.quotas.cells import sex_age_cell
from survey_app.quotas.models import QuotaCell
from survey_app.responses.frames import population_table, sample_targets
from survey_app.rounds.models import RoundUnit, SurveyRound
from survey_app.staff import audit
from survey_app.units.models import AdminUnit

#: Bình Dương 2018 floors (DOMAIN.md §3); never above a unit's N (analysis.sampling.bound_size).
DEFAULT_FLOORS: Mapping[str, int] = {"xa": 150, "thi_tran": 200}
FLOOR_KINDS = ("xa", "phuong", "thi_tran")
SHARES_HEADER = ("sex", "age_group", "share")


class TargetsProblem(ValueError):
    """Targets that cannot be computed or set as asked; the message says what to fix."""


@dataclass(frozen=True)
class TargetPlan:
    """Parameters of the sample-size computation (recorded in the audit log)."""

    method: Method = "slovin"
    e: float = 0.05
    floors: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_FLOORS))
    by_field: bool = True
    #: (sex, age group, share) for every unit; empty: no sex × age cells.
    sex_age_shares: tuple[tuple[str, str, float], ...] = ()

    def described(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "e": self.e,
            "floors": dict(self.floors),
            "by_field": self.by_field,
            "sex_age_shares": [list(row) for row in self.sex_age_shares],
        }


@dataclass(frozen=True)
class CellTarget:
    dimension: str
    cell: str
    target: int


@dataclass(frozen=True)
class UnitTargets:
    unit_id: int
    code: str
    name: str
    kind: str
    target: int | None
    cells: tuple[CellTarget, ...]

    def cells_of(self, dimension: str) -> tuple[CellTarget, ...]:
        return tuple(cell for cell in self.cells if cell.dimension == dimension)

    def mismatches(self) -> list[tuple[str, int]]:
        """(dimension, sum of its cells) for each split whose cells no longer add up.

        Cells are computed to add up to the unit's target; editing the target (or a cell) by
        hand can break that, and monitoring would then show a unit "full" while a cell still
        waits, or the reverse. The pages warn rather than refuse: an officer may fix the cells
        in a second step.
        """
        if self.target is None:
            return []
        sums = {
            dimension: sum(cell.target for cell in self.cells if cell.dimension == dimension)
            for dimension in dict.fromkeys(cell.dimension for cell in self.cells)
        }
        return [(dimension, total) for dimension, total in sums.items() if total != self.target]


def parse_method(value: str) -> Method:
    for method in METHODS:
        if value == method:
            return method
    raise TargetsProblem(
        f"cách tính '{value}' không có: chọn {' hoặc '.join(METHODS)} (tên công thức)"
    )


def parse_shares(text: str) -> tuple[tuple[str, str, float], ...]:
    """Read "sex,age_group,share" lines (a header line of those names is optional)."""
    shares: list[tuple[str, str, float]] = []
    for number, row in enumerate(csv.reader(io.StringIO(text.strip())), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells) or (number == 1 and tuple(cells) == SHARES_HEADER):
            continue
        if len(cells) != 3 or not cells[0] or not cells[1]:
            raise TargetsProblem(
                f"cơ cấu giới tính × nhóm tuổi, dòng {number}: ghi ba giá trị "
                "'giới tính,nhóm tuổi,tỷ lệ' (ví dụ 2,3,0.12)"
            )
        try:
            share = float(cells[2])
        except ValueError:
            share = math.nan
        if not math.isfinite(share) or share < 0:
            raise TargetsProblem(
                f"cơ cấu giới tính × nhóm tuổi, dòng {number}: tỷ lệ '{cells[2]}' phải là số ≥ 0"
            )
        shares.append((cells[0], cells[1], share))
    return tuple(shares)


def round_targets(session: Session, survey_round: SurveyRound) -> list[UnitTargets]:
    """Every unit of the round with its target and cell targets, by unit code."""
    units = session.execute(
        select(AdminUnit.id, AdminUnit.code, AdminUnit.name, AdminUnit.kind, RoundUnit.target)
        .join(RoundUnit, RoundUnit.unit_id == AdminUnit.id)
        .where(RoundUnit.round_id == survey_round.id)
        .order_by(AdminUnit.code)
    ).all()
    cells: dict[int, list[CellTarget]] = {}
    for cell in session.scalars(
        select(QuotaCell)
        .where(QuotaCell.round_id == survey_round.id)
        .order_by(QuotaCell.dimension, QuotaCell.cell)
    ):
        cells.setdefault(cell.unit_id, []).append(
            CellTarget(cell.dimension, cell.cell, cell.target)
        )
    return [
        UnitTargets(uid, code, name, kind, target, tuple(cells.get(uid, ())))
        for uid, code, name, kind, target in units
    ]


def compute_targets(
    session: Session, survey_round: SurveyRound, plan: TargetPlan, *, actor_name: str | None = None
) -> dict[str, tuple[int | None, int]]:
    """Set every unit's target and replace all cell targets from the sampling plan.

    Uses the transaction counts of the round's own period. Returns unit code → (old, new).
    """
    population = population_table(session, survey_round)
    round_units = {
        code: round_unit
        for round_unit, code in session.execute(
            select(RoundUnit, AdminUnit.code)
            .join(AdminUnit, AdminUnit.id == RoundUnit.unit_id)
            .where(RoundUnit.round_id == survey_round.id)
        )
    }
    missing = sorted(set(round_units) - population.unit_codes())
    if missing:
        raise TargetsProblem(
            f"chưa có số giao dịch của kỳ {survey_round.period_start:%d/%m/%Y}–"
            f"{survey_round.period_end:%d/%m/%Y} (kỳ của đợt khảo sát) cho đơn vị "
            f"{', '.join(missing)}: nhập số giao dịch (lệnh import-counts)"
        )
    try:
        computed = sample_targets(
            population,
            method=plan.method,
            e=plan.e,
            floors=plan.floors,
            by_field=plan.by_field,
            sex_age_shares=plan.sex_age_shares,
        )
    except AnalysisError as error:
        raise TargetsProblem(str(error)) from None
    changes: dict[str, tuple[int | None, int]] = {}
    for code, round_unit in sorted(round_units.items()):
        new = computed.units[code]
        if round_unit.target != new:
            changes[code] = (round_unit.target, new)
        round_unit.target = new
    session.execute(delete(QuotaCell).where(QuotaCell.round_id == survey_round.id))
    unit_ids = {code: round_unit.unit_id for code, round_unit in round_units.items()}
    new_cells = [
        QuotaCell(
            round_id=survey_round.id,
            unit_id=unit_ids[code],
            dimension="field",
            cell=field_code,
            target=target,
        )
        for (code, field_code), target in computed.fields.items()
    ] + [
        QuotaCell(
            round_id=survey_round.id,
            unit_id=unit_ids[code],
            dimension="sex_age",
            cell=sex_age_cell(sex, age_group),
            target=target,
        )
        for (code, sex, age_group), target in computed.sex_age.items()
    ]
    session.add_all(new_cells)
    audit.record(
        session,
        "quota_targets_computed",
        target=survey_round.code,
        actor_name=actor_name,
        detail={
            **plan.described(),
            "changes": {code: {"old": old, "new": new} for code, (old, new) in changes.items()},
            "cells": len(new_cells),
        },
    )
    return changes


def update_unit_targets(
    session: Session,
    survey_round: SurveyRound,
    unit_id: int,
    unit_target: int | None,
    cell_targets: Mapping[tuple[str, str], int],
) -> dict[str, tuple[int | None, int | None]]:
    """Set one unit's target and (existing) cell targets; audit what changed.

    ``cell_targets``: (dimension, cell) → target for cells the unit already has. Returns
    "unit" or "<dimension>:<cell>" → (old, new) for each value that changed.
    """
    if unit_target is not None and unit_target < 0:
        raise TargetsProblem("chỉ tiêu không được âm")
    round_unit = session.scalars(
        select(RoundUnit)
        .where(RoundUnit.round_id == survey_round.id, RoundUnit.unit_id == unit_id)
        .with_for_update()
    ).one()
    changes: dict[str, tuple[int | None, int | None]] = {}
    if round_unit.target != unit_target:
        changes["unit"] = (round_unit.target, unit_target)
        round_unit.target = unit_target
    cells = {
        (cell.dimension, cell.cell): cell
        for cell in session.scalars(
            select(QuotaCell).where(
                QuotaCell.round_id == survey_round.id, QuotaCell.unit_id == unit_id
            )
        )
    }
    unknown = sorted(set(cell_targets) - set(cells))
    if unknown:
        raise TargetsProblem(f"đơn vị không có ô chỉ tiêu {unknown[0][0]} '{unknown[0][1]}'")
    for key, target in sorted(cell_targets.items()):
        if target < 0:
            raise TargetsProblem("chỉ tiêu không được âm")
        if cells[key].target != target:
            changes[f"{key[0]}:{key[1]}"] = (cells[key].target, target)
            cells[key].target = target
    if changes:
        unit_code = session.scalar(select(AdminUnit.code).where(AdminUnit.id == unit_id))
        audit.record(
            session,
            "quota_target_changed",
            target=f"{survey_round.code}/{unit_code}",
            detail={name: {"old": old, "new": new} for name, (old, new) in changes.items()},
        )
    return changes
