"""Raking (iterative proportional fitting) of weights to several known margins.

Deming & Stephan (1940); Lumley 2010, §7.3; R ``survey::rake``. Each sweep post-stratifies the
weights to every margin in turn. Unlike R (10 sweeps, stop when the estimated table moves by
less than 1), this iterates until the largest relative change of any weight in a sweep is below
``tolerance`` (1e-10), which reaches the same limit to full precision.

Speed: a unit's raked weight is its starting weight times one factor per level of each margin,
so units sharing a level in every margin share one adjustment. The sweeps run on those joint
cells (at most the product of the margins' level counts), not on the rows: a million rows cost
one encoding pass, then every sweep costs microseconds.
"""

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError
from analysis.margins import Collapse, EncodedMargin, Margin, encode_margin
from analysis.weighting import WeightsLike, as_weights, weight_series

RAKE_TOLERANCE = 1e-10
RAKE_MAX_ITERATIONS = 1000
TOTAL_TOLERANCE = 1e-6


@dataclass(frozen=True)
class RakeReport:
    """How raking ended: sweeps run, last relative weight change, worst margin fit."""

    iterations: int
    converged: bool
    max_weight_change: float
    max_margin_deviation: float
    tolerance: float
    margins: tuple[str, ...]


@dataclass(frozen=True)
class RakeResult:
    weights: pd.Series
    report: RakeReport


def check_margin_totals(margins: Sequence[EncodedMargin], tolerance: float) -> None:
    """Raise if the margins' target totals differ by more than ``tolerance`` (relative)."""
    first = margins[0]
    first_total = float(first.targets.sum())
    for other in margins[1:]:
        total = float(other.targets.sum())
        if abs(total - first_total) > tolerance * max(abs(first_total), abs(total)):
            raise AnalysisError(
                f"margin totals disagree: {first.margin.label!r} sums to {first_total:g} but "
                f"{other.margin.label!r} sums to {total:g}; all margins must describe the same "
                "population"
            )


def _joint_cells(margins: Sequence[EncodedMargin]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Return each row's joint cell and, per margin, each joint cell's level (-1: skipped)."""
    # Shift by one so a skipped row (code -1) is a level of its own.
    sizes = [encoded.targets.size + 1 for encoded in margins]
    codes = [encoded.codes + 1 for encoded in margins]
    rows = codes[0].size
    if math.prod(sizes) <= max(4 * rows, 1 << 16):
        flat = np.ravel_multi_index(codes, sizes)
        present = np.bincount(flat, minlength=math.prod(sizes)) > 0
        renumber = np.cumsum(present) - 1
        cell_levels = np.unravel_index(np.flatnonzero(present), sizes)
        return renumber[flat], [np.asarray(levels) - 1 for levels in cell_levels]
    unique_cells, row_cell = np.unique(np.stack(codes, axis=1), axis=0, return_inverse=True)
    return row_cell.reshape(-1), [unique_cells[:, j] - 1 for j in range(len(margins))]


def _margin_fit(
    margin: EncodedMargin, levels: np.ndarray, cell_weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return the known cells' mask and the ratio target / current sum for their levels.

    With skipped rows the targets act as shares of the weight of the rows that have a level.
    """
    known = levels >= 0
    sums = np.bincount(levels[known], weights=cell_weights[known], minlength=margin.targets.size)
    targets = margin.targets
    if not bool(known.all()):
        targets = targets / targets.sum() * cell_weights[known].sum()
    return known, (targets / sums)[levels[known]]


def rake(
    responses: pd.DataFrame,
    weights: WeightsLike,
    margins: Sequence[Margin],
    *,
    tolerance: float = RAKE_TOLERANCE,
    max_iterations: int = RAKE_MAX_ITERATIONS,
    collapse: Collapse | None = None,
    skip_missing: Collection[str] = (),
    total_tolerance: float = TOTAL_TOLERANCE,
) -> RakeResult:
    """Rake ``weights`` (e.g. design weights) to ``margins`` by iterative proportional fitting.

    Sweep t post-stratifies to each margin m in turn: w ← w · T_{m,l} / Σ_{i∈l} w_i for the
    level l of each unit (Deming & Stephan 1940; Lumley 2010, §7.3). Stops when
    max_i |w_i^(t) / w_i^(t−1) − 1| < ``tolerance`` or after ``max_iterations`` sweeps; the
    report says which (no exception: check ``report.converged``).

    Errors name the margin and level: a level with respondents but no target, a positive target
    without respondents (``collapse`` it), margins whose totals differ by more than
    ``total_tolerance`` (relative), an empty value in a margin's column.

    ``skip_missing`` lists columns (optional questions such as sex) whose empty values are
    left out of the margins on them: those rows keep their weight in that step, and the
    margin's targets are applied as shares of the weight of the rows that have a level (as
    the ANES raking procedure does; Pasek 2016, R package ``anesrake``). R's ``rake`` has no
    such option (it stops on missing values).
    """
    if not margins:
        raise AnalysisError("raking needs at least one margin")
    if not (tolerance > 0 and max_iterations >= 1):
        raise AnalysisError("rake tolerance must be > 0 and max_iterations >= 1")
    values = as_weights(responses, weights)
    encoded = [
        encode_margin(responses, values, margin, collapse=collapse, skip_missing=skip_missing)
        for margin in margins
    ]
    check_margin_totals(encoded, total_tolerance)
    row_cell, cell_levels = _joint_cells(encoded)
    cell_start = np.bincount(row_cell, weights=values, minlength=cell_levels[0].size)
    weighted = cell_start > 0
    factor = np.ones(cell_start.size)
    iterations = 0
    change = math.inf
    while iterations < max_iterations and not change < tolerance:
        previous = factor.copy()
        for margin, levels in zip(encoded, cell_levels, strict=True):
            known, ratio = _margin_fit(margin, levels, cell_start * factor)
            factor[known] *= ratio
        iterations += 1
        change = float(np.max(np.abs(factor[weighted] / previous[weighted] - 1.0)))
    deviation = max(
        float(np.max(np.abs(1.0 / _margin_fit(margin, levels, cell_start * factor)[1] - 1.0)))
        for margin, levels in zip(encoded, cell_levels, strict=True)
    )
    report = RakeReport(
        iterations=iterations,
        converged=change < tolerance,
        max_weight_change=change,
        max_margin_deviation=deviation,
        tolerance=tolerance,
        margins=tuple(margin.label for margin in margins),
    )
    return RakeResult(weights=weight_series(responses, values * factor[row_cell]), report=report)
