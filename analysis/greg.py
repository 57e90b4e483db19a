"""Calibration-aware linearised variance: GREG residuals of the influence values.

After calibration (post-stratification, raking, linear calibration) on auxiliaries x with
base (design) weights d_i, the estimator behaves like the GREG estimator, whose linearised
variable is the residual of z_i = u_i / w_i from the d-weighted regression on x, times the
calibrated weight (Deville & Särndal 1992, §3; Särndal, Swensson & Wretman 1992, result 6.6.1;
Lumley 2010, §7.3):

    e_i = w_i (z_i - x_i' B),   B = (sum_j d_j x_j x_j')^- sum_j d_j x_j z_j.

This is R's ``svyrecvar`` for a ``calibrate()`` or ``postStratify()`` design
(``qr.resid(qr(X sqrt(d)), x / (g sqrt(d))) * g sqrt(d)``). For ``rake()`` R approximates the
same projection by ten sweeps of within-margin centring; the two agree once those sweeps have
converged and the base weights are constant within the margins.

For a domain, z is zero outside it but the residual is not, so e is dense. Its design variance
is assembled from per-cell sums without forming e: with A = PSU totals of u and G = PSU totals
of w x, sum_h (A - G'B)^2 = sum A^2 - 2 B' sum A G + B' (sum G G') B, per (stratum, domain).
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.calibration import CalibrationMatrix
from analysis.design import BoolArray, FloatArray
from analysis.errors import AnalysisError
from analysis.linearization import VarianceLayout, combine_strata, psu_totals, sums_by
from analysis.weighting import WeightsLike


@dataclass(frozen=True)
class Calibration:
    """The calibration model behind the weights: auxiliary matrix X (rows x q) and base weights.

    ``base_weights`` are the weights calibration started from (design weights N_h/n_h); the
    weights of the :class:`analysis.design.Design` are the calibrated ones.
    """

    auxiliaries: FloatArray
    base_weights: FloatArray

    def __post_init__(self) -> None:
        rows = self.base_weights.shape[0]
        if self.auxiliaries.ndim != 2 or self.auxiliaries.shape[0] != rows:
            raise AnalysisError(
                f"calibration auxiliaries must be a matrix with one row per response ({rows}), "
                f"got shape {self.auxiliaries.shape}"
            )
        if not (np.isfinite(self.auxiliaries).all() and np.isfinite(self.base_weights).all()):
            raise AnalysisError(
                "calibration auxiliaries and base weights must be finite in every row"
            )


def calibration_model(
    auxiliaries: CalibrationMatrix | pd.DataFrame | FloatArray, base_weights: WeightsLike
) -> Calibration:
    """Describe the calibration behind the weights, for :func:`calibrated_variance`.

    ``auxiliaries``: the calibration design matrix (:func:`analysis.calibration.
    calibration_matrix` for post-stratification, raking or linear calibration on the same
    margins and totals) or any matrix of auxiliary values, one row per response;
    ``base_weights``: the weights calibration started from. Redundant columns are harmless:
    the regression uses a generalised inverse, so only the space X spans matters.
    """
    if isinstance(auxiliaries, CalibrationMatrix):
        matrix = auxiliaries.matrix
    elif isinstance(auxiliaries, pd.DataFrame):
        matrix = auxiliaries.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        matrix = auxiliaries
    weights = (
        base_weights.to_numpy(dtype=np.float64)
        if isinstance(base_weights, pd.Series)
        else np.asarray(base_weights, dtype=np.float64)
    )
    return Calibration(
        auxiliaries=np.asarray(matrix, dtype=np.float64), base_weights=weights.ravel()
    )


@dataclass(frozen=True)
class CalibratedLayout:
    """Per-design quantities of the GREG variance, computed once for all variables.

    ``inverse``: (sum d x x')^-; ``ratio``: d_i / w_i (0 where w_i = 0); ``psu_auxiliaries``:
    G, the PSU totals of w x; ``stratum_sums``: sum_h G; ``stratum_products``: sum_h G G'.
    """

    layout: VarianceLayout
    auxiliaries: FloatArray
    inverse: FloatArray
    ratio: FloatArray
    psu_auxiliaries: FloatArray
    stratum_sums: FloatArray
    stratum_products: FloatArray


def layout_calibration(calibration: Calibration, layout: VarianceLayout) -> CalibratedLayout:
    """Precompute the design-level sums of the GREG variance (see the module docstring)."""
    design = layout.design
    x = calibration.auxiliaries
    if x.shape[0] != design.rows:
        raise AnalysisError(
            f"the calibration model has {x.shape[0]} rows but the responses {design.rows}"
        )
    base = calibration.base_weights
    inverse = np.asarray(np.linalg.pinv((x * base[:, None]).T @ x, hermitian=True), np.float64)
    weighted = x * design.weights[:, None]
    if design.psu is None or design.psu_stratum is None:
        psu_auxiliaries, psu_stratum = weighted, design.stratum
    else:
        psu_stratum = design.psu_stratum
        psu_auxiliaries = np.column_stack(
            [sums_by(design.psu, column, psu_stratum.shape[0]) for column in weighted.T]
        )
    order = np.argsort(psu_stratum, kind="stable")
    bounds = np.searchsorted(psu_stratum[order], np.arange(layout.strata + 1))
    q = x.shape[1]
    stratum_sums = np.zeros((layout.strata, q))
    stratum_products = np.zeros((layout.strata, q, q))
    for h in range(layout.strata):
        block = psu_auxiliaries[order[bounds[h] : bounds[h + 1]]]
        stratum_sums[h] = block.sum(axis=0)
        stratum_products[h] = block.T @ block
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(design.weights != 0, base / design.weights, 0.0)
    return CalibratedLayout(
        layout=layout,
        auxiliaries=x,
        inverse=inverse,
        ratio=ratio,
        psu_auxiliaries=psu_auxiliaries,
        stratum_sums=stratum_sums,
        stratum_products=stratum_products,
    )


def calibrated_variance(
    influence: FloatArray, calibrated: CalibratedLayout, present: BoolArray
) -> FloatArray:
    """Return the design variance of the GREG residuals of ``influence`` for every domain.

    ``influence`` is u_i = w_i z_i as for :func:`analysis.linearization.stratified_variance`
    (zero outside the row's domain); formula in the module docstring.
    """
    layout = calibrated.layout
    strata, count, cells = layout.strata, layout.domains, layout.cells
    domain_of_row = layout.row_cell % count
    outside = layout.row_cell == cells
    domain_index = np.where(outside, count, domain_of_row)
    # B_d = (sum d x x')^- sum_{i in d} d_i x_i z_i, with d_i z_i = (d_i / w_i) u_i.
    base_influence = calibrated.ratio * influence
    moments = np.column_stack(
        [
            sums_by(domain_index, base_influence * column, count)
            for column in calibrated.auxiliaries.T
        ]
    )
    coefficients = moments @ calibrated.inverse
    z = psu_totals(influence, layout)
    unit_auxiliaries = (
        calibrated.psu_auxiliaries
        if layout.unit_psu is None
        else calibrated.psu_auxiliaries[layout.unit_psu]
    )
    totals = sums_by(layout.unit_cell, z, cells)
    squares = sums_by(layout.unit_cell, z * z, cells)
    cross = np.column_stack(
        [sums_by(layout.unit_cell, z * column, cells) for column in unit_auxiliaries.T]
    ).reshape(strata, count, -1)
    fitted_totals = calibrated.stratum_sums @ coefficients.T
    residual_totals = totals.reshape(strata, count) - fitted_totals
    fitted_squares = np.einsum(
        "dq,hqr,dr->hd", coefficients, calibrated.stratum_products, coefficients
    )
    residual_squares = (
        squares.reshape(strata, count)
        - 2.0 * np.einsum("hdq,dq->hd", cross, coefficients)
        + fitted_squares
    )
    n_h = layout.design.n_psu.astype(np.float64)[:, None]
    centred = np.maximum(residual_squares - residual_totals**2 / n_h, 0.0)
    return combine_strata(centred.ravel(), residual_totals.ravel(), layout, present)
