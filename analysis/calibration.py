"""Linear (GREG) calibration of weights to known totals.

Deville & Särndal (1992) with the linear distance (chi-square), which gives the generalised
regression (GREG) weights of Särndal, Swensson & Wretman (1992, §6.5); R
``survey::calibrate(..., calfun = "linear")`` without bounds. The calibration design matrix is
public so the estimation code can compute the GREG residuals e_i = y_i − x_iᵀB̂ that the
calibration variance needs (Lumley 2010, §7.4).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.columns import numeric_column
from analysis.errors import AnalysisError
from analysis.margins import Collapse, Margin, encode_margin
from analysis.raking import TOTAL_TOLERANCE, check_margin_totals
from analysis.weighting import WeightsLike, as_weights, weight_series

INTERCEPT = "(intercept)"


@dataclass(frozen=True)
class CalibrationMatrix:
    """The auxiliary variables x_i (rows of ``matrix``) and their population totals."""

    matrix: np.ndarray
    totals: np.ndarray
    names: tuple[str, ...]


@dataclass(frozen=True)
class CalibrationResult:
    """Calibrated weights w_i = d_i g_i, the g-weights, and the matrix they came from."""

    weights: pd.Series
    g: np.ndarray
    design: CalibrationMatrix

    @property
    def negative_weights(self) -> int:
        """Units the linear distance pushed below zero (it does not bound the g-weights)."""
        return int((self.g < 0).sum())


def calibration_matrix(
    responses: pd.DataFrame,
    margins: Sequence[Margin] = (),
    numeric_totals: Mapping[str, float] | None = None,
    *,
    population_size: float | None = None,
    collapse: Collapse | None = None,
    total_tolerance: float = TOTAL_TOLERANCE,
) -> CalibrationMatrix:
    """Build the calibration design matrix X and the totals T it must reproduce.

    Columns: one indicator per level of the first margin (together they span the intercept;
    their totals are the level counts), one per level but the first of each further margin,
    then each numeric column of ``numeric_totals``. Without margins, ``population_size`` adds
    an intercept column whose total is N. This spans the same space as R's treatment-coded
    ``~ a + b + x`` with an intercept, so the calibrated weights are identical.
    """
    numeric = dict(numeric_totals or {})
    columns: list[np.ndarray] = []
    totals: list[float] = []
    names: list[str] = []
    ones = np.ones(len(responses))
    encoded = [encode_margin(responses, ones, margin, collapse=collapse) for margin in margins]
    if encoded:
        check_margin_totals(encoded, total_tolerance)
        margin_total = float(encoded[0].targets.sum())
        if population_size is not None and abs(population_size - margin_total) > (
            total_tolerance * max(abs(population_size), abs(margin_total))
        ):
            raise AnalysisError(
                f"population size {population_size:g} differs from the margin total "
                f"{margin_total:g} of {encoded[0].margin.label!r}"
            )
    elif population_size is not None:
        columns.append(ones)
        totals.append(float(population_size))
        names.append(INTERCEPT)
    for position, margin in enumerate(encoded):
        # Dropping a reference level after the first margin keeps X of full column rank.
        for level in range(0 if position == 0 else 1, margin.targets.size):
            columns.append((margin.codes == level).astype("float64"))
            totals.append(float(margin.targets[level]))
            names.append(f"{margin.margin.label}={'/'.join(margin.levels[level])}")
    for name, total in numeric.items():
        columns.append(numeric_column(responses, name, what="responses"))
        totals.append(float(total))
        names.append(name)
    if not columns:
        raise AnalysisError("calibration needs at least one margin, numeric total or N")
    return CalibrationMatrix(
        matrix=np.column_stack(columns), totals=np.asarray(totals), names=tuple(names)
    )


def calibrate_linear(
    responses: pd.DataFrame,
    weights: WeightsLike,
    margins: Sequence[Margin] = (),
    numeric_totals: Mapping[str, float] | None = None,
    *,
    population_size: float | None = None,
    collapse: Collapse | None = None,
    total_tolerance: float = TOTAL_TOLERANCE,
) -> CalibrationResult:
    """Linear calibration: w_i = d_i g_i, g_i = 1 + x_iᵀ (Σ_j d_j x_j x_jᵀ)⁻¹ (T − Σ_j d_j x_j).

    Deville & Särndal (1992), linear case; Särndal, Swensson & Wretman (1992), eq. 6.5.9; R
    ``survey::calibrate(design, formula, population, calfun = "linear")``. The weights
    reproduce T exactly; they are unbounded and may be negative (see ``negative_weights``).
    """
    values = as_weights(responses, weights)
    design = calibration_matrix(
        responses,
        margins,
        numeric_totals,
        population_size=population_size,
        collapse=collapse,
        total_tolerance=total_tolerance,
    )
    X = design.matrix
    cross = (X * values[:, None]).T @ X
    if np.linalg.matrix_rank(cross) < cross.shape[0]:
        raise AnalysisError(
            "calibration variables are collinear in the responses ("
            + ", ".join(design.names)
            + "); drop or collapse one of them"
        )
    lagrange = np.linalg.solve(cross, design.totals - X.T @ values)
    g = 1.0 + X @ lagrange
    return CalibrationResult(weights=weight_series(responses, values * g), g=g, design=design)
