"""Confidence intervals for ranks: which places in a ranking the data can tell apart.

Klein, Wright & Wieczorek (2020), "A joint confidence region for an overall ranking of
populations", JRSS C 69(3), 589–606 (the method the US Census Bureau uses to publish state
rankings with their uncertainty). Given simultaneous confidence intervals [L_k, U_k] for the K
unit values theta_k, jointly covering all K with probability >= 1 − alpha, rank units from the
highest value down (rank 1 = best) and let, for unit k,

    above_k   = #{j : L_j > U_k}    (units certainly higher than k),
    below_k   = #{j : U_j < L_k}    (units certainly lower than k).

Then the rank interval is [above_k + 1, K − below_k], and all K rank intervals together
contain the true ranks with probability >= 1 − alpha (their Theorem 1): whenever every
[L_j, U_j] covers theta_j, a unit certainly above k in the intervals is above it in truth.

The simultaneous intervals are Wald intervals theta_hat ± q se at an adjusted level:
``method="bonferroni"`` q for 1 − alpha/K (valid for any dependence between the estimates) or
``"sidak"`` q for (1 − alpha)^(1/K) (valid for independent estimates, e.g. communes sampled
as separate strata with weights not calibrated across them); the quantile is Student t with
``df`` (the design's degrees of freedom) or normal. Callers that already hold simultaneous
intervals (e.g. from replicate estimates) pass them to :func:`rank_intervals_from_bounds`.
"""

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from analysis.design import FloatArray
from analysis.errors import AnalysisError
from analysis.intervals import check_confidence

Adjustment = Literal["bonferroni", "sidak", "none"]
ADJUSTMENTS: tuple[Adjustment, ...] = ("bonferroni", "sidak", "none")
ValuesLike = pd.Series | Sequence[float] | FloatArray


def _as_series(values: ValuesLike, name: str, index: pd.Index | None) -> pd.Series:
    if isinstance(values, pd.Series):
        series = values.astype("float64")
        if index is not None and not series.index.equals(index):
            raise AnalysisError(f"{name} must be indexed like the estimates")
        return series
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise AnalysisError(f"{name} must be one value per unit")
    return pd.Series(array, index=index if index is not None else pd.RangeIndex(array.size))


def _quantile(confidence: float, units: int, method: Adjustment, df: float) -> float:
    """Two-sided quantile q giving each interval the level that makes them simultaneous."""
    check_confidence(confidence)
    if method not in ADJUSTMENTS:
        raise AnalysisError(f"method={method!r} is not an adjustment; use one of {ADJUSTMENTS}")
    alpha = 1.0 - confidence
    if method == "bonferroni":
        each = 1.0 - alpha / units
    elif method == "sidak":
        each = confidence ** (1.0 / units)
    else:
        each = confidence
    upper = 0.5 + each / 2.0
    return float(stats.norm.ppf(upper) if np.isinf(df) else stats.t.ppf(upper, df))


def rank_intervals_from_bounds(
    estimates: ValuesLike,
    lower: ValuesLike,
    upper: ValuesLike,
    *,
    descending: bool = True,
) -> pd.DataFrame:
    """Rank and rank interval of each unit from simultaneous intervals [lower, upper].

    Klein, Wright & Wieczorek (2020), Theorem 1 (module docstring). ``descending``: rank 1 is
    the highest value (the PAR and SIPAS convention); False ranks from the lowest. Units with
    a missing estimate or bound are not ranked (NaN rank) and do not count in K. Returns one
    row per unit, indexed like ``estimates``: ``estimate``, ``ci_low``, ``ci_high``, ``rank``
    (1 + the number of units with a strictly better estimate), ``rank_low``, ``rank_high``.
    """
    values = _as_series(estimates, "estimates", None)
    low = _as_series(lower, "lower bounds", values.index).to_numpy()
    high = _as_series(upper, "upper bounds", values.index).to_numpy()
    point = values.to_numpy()
    ranked = ~(np.isnan(point) | np.isnan(low) | np.isnan(high))
    if bool((low[ranked] > point[ranked]).any() or (high[ranked] < point[ranked]).any()):
        raise AnalysisError("every interval must contain its estimate (lower <= est <= upper)")
    # Flip the scale for an ascending ranking so that "better" always means "higher".
    if descending:
        e, bottom, top = point[ranked], low[ranked], high[ranked]
    else:
        e, bottom, top = -point[ranked], -high[ranked], -low[ranked]
    better = (e[None, :] > e[:, None]).sum(axis=1)
    above = (bottom[None, :] > top[:, None]).sum(axis=1)
    below = (top[None, :] < bottom[:, None]).sum(axis=1)
    units = int(ranked.sum())
    result = pd.DataFrame({"estimate": point, "ci_low": low, "ci_high": high}, index=values.index)
    for name, column in (
        ("rank", better + 1),
        ("rank_low", above + 1),
        ("rank_high", units - below),
    ):
        full = np.full(point.size, np.nan)
        full[ranked] = column
        result[name] = pd.array(full, dtype="Float64").astype("Int64")
    return result


def rank_intervals(
    estimates: ValuesLike,
    se: ValuesLike,
    *,
    confidence: float = 0.90,
    method: Adjustment = "bonferroni",
    df: float = float("inf"),
    descending: bool = True,
) -> pd.DataFrame:
    """Joint confidence intervals for the ranks of units from their estimates and SEs.

    Klein, Wright & Wieczorek (2020): simultaneous Wald intervals estimate ± q se (q from
    ``method`` and ``df``, module docstring), then :func:`rank_intervals_from_bounds`. The
    default level is 90 %, as the Census Bureau publishes rankings; ``method="none"`` gives
    marginal intervals, which do *not* cover all ranks jointly. Pass per-unit estimates and
    SEs as Series indexed by unit code (e.g. the ``unit`` rows of
    :func:`analysis.sipas.satisfaction_index`, or SEs from :mod:`analysis.replicates`).
    Columns: those of :func:`rank_intervals_from_bounds` plus ``se``.
    """
    values = _as_series(estimates, "estimates", None)
    errors = _as_series(se, "se", values.index)
    if bool((errors < 0).any()):
        raise AnalysisError("standard errors must be >= 0")
    units = int((values.notna() & errors.notna()).sum())
    q = _quantile(confidence, max(units, 1), method, df)
    half = q * errors
    result = rank_intervals_from_bounds(values, values - half, values + half, descending=descending)
    result.insert(1, "se", errors.to_numpy())
    return result
