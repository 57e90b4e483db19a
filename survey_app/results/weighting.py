"""The weights of a round: design weights N_h/n_h, then post-stratification or raking, then trim.

The statistics are :func:`analysis.weighting_chain.run_weighting`; this module only builds its
:class:`~analysis.design_file.WeightingDesign` from the database's counts and decides which
sparse weighting cells to pool. Every step here makes a response's weight a function of its
(unit, procedure field) cell, so the weights are computed once on the cell counts and looked
up per row: a million-row export needs the cell table, not the rows, to know its weights.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis import columns as col
from analysis.calibration import calibration_matrix
from analysis.design_file import Trimming, WeightingDesign
from analysis.errors import AnalysisError
from analysis.greg import Calibration, calibration_model
from analysis.margins import Margin
from analysis.units import field_counts, unit_totals
from analysis.weighting import design_weights
from analysis.weighting_chain import run_weighting
from survey_app.formatting import day, integer
from survey_app.responses.frames import RESPONDENTS, Population, expand_cells
from survey_app.results.options import WeightingOptions

#: The post-stratification cell (unit and field together), so sparse cells pool within a unit.
WEIGHTING_CELL = "weighting_cell"
# Weights of one cell must agree to this relative precision (they are equal in exact arithmetic).
CELL_TOLERANCE = 1e-9

Cell = tuple[str, str | None]


class WeightingProblem(ValueError):
    """The round cannot be weighted as asked; the message says why and what to change."""


@dataclass(frozen=True)
class RoundWeights:
    """Final weight of every (unit, field) cell, with the design and report that produced it."""

    options: WeightingOptions
    design: WeightingDesign
    report: Mapping[str, Any]
    cell_weights: Mapping[Cell, float]
    unit_population: Mapping[str, float]

    def weight_of(self, unit_code: str, field: str | None) -> float | None:
        return self.cell_weights.get((unit_code, field))

    def weights_for(self, rows: pd.DataFrame) -> pd.Series:
        """The ``weight`` column for response rows (``unit_code``, ``field``), aligned by index."""
        units = rows[col.UNIT].astype(str).tolist()
        fields = rows[col.FIELD].astype(object).where(rows[col.FIELD].notna(), None).tolist()
        values = [
            self.cell_weights.get((unit, field), math.nan)
            for unit, field in zip(units, fields, strict=True)
        ]
        return pd.Series(values, index=rows.index, name=col.WEIGHT, dtype="float64")

    def calibration_for(self, rows: pd.DataFrame) -> Calibration | None:
        """The calibration model behind the weights (for calibration-aware SEs), or None.

        Auxiliaries: the indicators of the margins the weights were calibrated to, after
        pooling; base weights: the design weights N_h/n_h of the same rows.
        """
        if self.design.method == "none":
            return None
        frame = with_weighting_cell(rows)
        try:
            matrix = calibration_matrix(frame, self.design.margins, collapse=self.design.collapse)
            base = design_weights(frame, self.unit_population, col.UNIT)
        except AnalysisError as error:
            raise WeightingProblem(str(error)) from error
        return calibration_model(matrix, base)


def with_weighting_cell(rows: pd.DataFrame) -> pd.DataFrame:
    """Add the unit|field post-stratification cell column (a new frame)."""
    units = rows[col.UNIT].astype("string")
    fields = rows[col.FIELD].astype("string")
    return rows.assign(**{WEIGHTING_CELL: (units + "|" + fields).astype("string")})


def _largest(respondents: Mapping[str, int], eligible: list[str]) -> str:
    """The level with most respondents among ``eligible`` (ties: the first code)."""
    return max(sorted(eligible), key=lambda level: respondents.get(level, 0))


def _pool(
    respondents: Mapping[str, int], targets: Mapping[str, float], min_cell: int
) -> dict[str, str]:
    """Map each sparse level (too few respondents, or no transactions) to the largest level."""
    levels = sorted(set(respondents) | set(targets))
    kept = [
        level
        for level in levels
        if respondents.get(level, 0) >= min_cell and targets.get(level, 0.0) > 0
    ]
    with_respondents = [level for level in levels if respondents.get(level, 0) > 0]
    into = _largest(respondents, kept or with_respondents)
    return {level: into for level in levels if level not in kept and level != into}


def _field_split(population: Population, sampled: list[str]) -> pd.DataFrame:
    split = field_counts(population.units)
    missing = sorted(set(sampled) - set(split[col.UNIT].astype(str)))
    if missing:
        raise WeightingProblem(
            f"đơn vị {', '.join(missing)} có phiếu nhưng chưa có số giao dịch theo lĩnh vực "
            f"thủ tục cho kỳ {day(population.period_start)} – {day(population.period_end)}: "
            "nhập số giao dịch theo lĩnh vực, hoặc chọn gia quyền «Chỉ trọng số thiết kế N_h/n_h»"
        )
    return split[split[col.UNIT].isin(sampled)]


def _rake_design(
    cells: pd.DataFrame, population: Population, unit_n: Mapping[str, float], min_cell: int
) -> tuple[tuple[Margin, ...], dict[str, dict[str, str]]]:
    sampled = sorted(unit_n)
    split = _field_split(population, sampled)
    field_targets = split.groupby(col.FIELD)[col.TRANSACTIONS].sum()
    targets = {str(field): float(count) for field, count in field_targets.items()}
    respondents = {
        str(field): int(count)
        for field, count in cells.groupby(col.FIELD)[RESPONDENTS].sum().items()
    }
    margins = (Margin(col.UNIT, dict(unit_n)), Margin(col.FIELD, targets))
    pooled = _pool(respondents, targets, min_cell)
    return margins, ({col.FIELD: pooled} if pooled else {})


def _poststratify_design(
    cells: pd.DataFrame, population: Population, unit_n: Mapping[str, float], min_cell: int
) -> tuple[tuple[Margin, ...], dict[str, dict[str, str]]]:
    split = _field_split(population, sorted(unit_n))
    targets: dict[str, float] = {}
    pooled: dict[str, str] = {}
    for unit in sorted(unit_n):
        own = split[split[col.UNIT] == unit]
        unit_targets = {
            f"{unit}|{field}": float(count)
            for field, count in zip(own[col.FIELD], own[col.TRANSACTIONS], strict=True)
        }
        mine = cells[cells[col.UNIT] == unit]
        unit_respondents = {
            f"{unit}|{field}": int(count)
            for field, count in zip(mine[col.FIELD], mine[RESPONDENTS], strict=True)
        }
        targets.update(unit_targets)
        pooled.update(_pool(unit_respondents, unit_targets, min_cell))
    margins = (Margin(WEIGHTING_CELL, targets),)
    return margins, ({WEIGHTING_CELL: pooled} if pooled else {})


def build_design(
    cells: pd.DataFrame, population: Population, options: WeightingOptions
) -> WeightingDesign:
    """The weighting design for these cell counts (see :func:`weigh_round`)."""
    try:
        totals = unit_totals(population.units)
    except AnalysisError as error:
        raise WeightingProblem(f"số giao dịch không dùng được: {error}") from error
    all_units = dict(zip(totals[col.UNIT].astype(str), totals[col.TRANSACTIONS], strict=True))
    sampled = sorted(set(cells[col.UNIT].astype(str)))
    missing = [unit for unit in sampled if unit not in all_units]
    if missing:
        raise WeightingProblem(
            f"đơn vị {', '.join(missing)} có phiếu nhưng chưa có số giao dịch cho kỳ "
            f"{day(population.period_start)} – {day(population.period_end)}: nhập số giao dịch "
            "của kỳ khảo sát"
        )
    margins: tuple[Margin, ...] = ()
    collapse: dict[str, dict[str, str]] = {}
    if options.adjustment != "none":
        if bool(cells[col.FIELD].isna().any()):
            count = int(cells.loc[cells[col.FIELD].isna(), RESPONDENTS].sum())
            raise WeightingProblem(
                f"{integer(count)} phiếu không có lĩnh vực thủ tục nên không gia quyền theo cơ "
                "cấu lĩnh vực được: chọn gia quyền «Chỉ trọng số thiết kế N_h/n_h»"
            )
        unit_n = {unit: float(all_units[unit]) for unit in sampled}
        build = _rake_design if options.adjustment == "rake" else _poststratify_design
        margins, collapse = build(cells, population, unit_n, options.min_cell)
    trimming = None
    if options.trim_lower is not None or options.trim_upper is not None:
        trimming = Trimming(
            lower=-math.inf if options.trim_lower is None else options.trim_lower,
            upper=math.inf if options.trim_upper is None else options.trim_upper,
            strict=True,
            relative_to_mean=True,
        )
    method = {"none": "none", "poststratify": "poststratify", "rake": "rake"}[options.adjustment]
    return WeightingDesign(
        source=f"results options ({options.adjustment})",
        stratum=col.UNIT,
        population={unit: float(count) for unit, count in all_units.items()},
        method=method,  # type: ignore[arg-type]  # narrowed from the checked option above
        margins=margins,
        collapse=collapse,
        trimming=trimming,
    )


def weigh_round(
    cells: pd.DataFrame, population: Population, options: WeightingOptions
) -> RoundWeights:
    """Weight the respondents counted in ``cells`` (``unit_code``, ``field``, ``respondents``).

    Steps: design weights N_h/n_h by unit; then, with ``adjustment``, post-stratification of
    each unit to its own field mix (cells ``unit|field``) or raking to the unit totals and the
    district's field totals; then strict trimming relative to the mean weight. Sparse cells
    (fewer than ``min_cell`` respondents, or no transactions) are pooled with the largest cell
    (see :class:`~survey_app.results.options.WeightingOptions`).
    """
    cells = cells[cells[RESPONDENTS] > 0].reset_index(drop=True)
    if cells.empty:
        raise WeightingProblem("chưa có phiếu nào để gia quyền")
    design = build_design(cells, population, options)
    frame = expand_cells(cells)
    cell_of_row = np.repeat(np.arange(len(cells)), cells[RESPONDENTS].to_numpy(dtype=np.int64))
    if options.adjustment == "poststratify":
        # Categorical: a million respondents share a few hundred cell labels.
        labels = (cells[col.UNIT].astype(str) + "|" + cells[col.FIELD].astype(str)).tolist()
        frame[WEIGHTING_CELL] = pd.Categorical.from_codes(cell_of_row, categories=pd.Index(labels))
    try:
        run = run_weighting(frame, design)
    except AnalysisError as error:
        raise WeightingProblem(str(error)) from error
    weights = run.weights.to_numpy(dtype=np.float64)
    high = np.full(len(cells), -np.inf)
    low = np.full(len(cells), np.inf)
    np.maximum.at(high, cell_of_row, weights)
    np.minimum.at(low, cell_of_row, weights)
    if bool(np.any(high - low > CELL_TOLERANCE * np.maximum(np.abs(high), 1.0))):
        raise WeightingProblem(
            "trọng số khác nhau trong cùng một ô đơn vị × lĩnh vực: lỗi chương trình, xin báo lại"
        )
    fields = cells[col.FIELD].astype(object).where(cells[col.FIELD].notna(), None).tolist()
    cell_weights: dict[Cell, float] = {
        (str(unit), field): float(weight)
        for unit, field, weight in zip(cells[col.UNIT], fields, high, strict=True)
    }
    sampled = set(cells[col.UNIT].astype(str))
    return RoundWeights(
        options=options,
        design=design,
        report=run.report,
        cell_weights=cell_weights,
        unit_population={u: n for u, n in design.population.items() if u in sampled},
    )
