"""Confidence intervals for linearised estimates: Wald (normal or Student t) and logit.

Wald: estimate +/- q se with q the normal quantile, or Student t with the design degrees of
freedom (#PSUs - #strata, R's ``degf``), as R's ``confint(svymean(...), df = degf(design))``
(Lumley 2010, §2.3). Logit, for proportions: expit(logit(p) +/- q se / (p (1 - p))), the
delta-method Wald interval on the logit scale that R's ``svyciprop(method = "logit")`` gets from
an intercept-only quasi-binomial ``svyglm`` (Lumley 2010, §2.3.1; Korn & Graubard 1998).
"""

from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np
import pandas as pd
from scipy import special, stats

from analysis.design import FloatArray
from analysis.errors import AnalysisError

Interval = Literal["t", "normal", "logit"]


def check_confidence(confidence: float) -> None:
    """Raise unless 0 < confidence < 1."""
    if not 0.0 < confidence < 1.0:
        raise AnalysisError(f"confidence={confidence!r} must lie strictly between 0 and 1 (0.95)")


def check_interval(interval: str) -> None:
    """Raise unless ``interval`` names an interval method."""
    if interval not in get_args(Interval):
        raise AnalysisError(
            f"interval={interval!r} is not a method; use one of {', '.join(get_args(Interval))}"
        )


def interval_df(interval: Interval, degf: int) -> float:
    """Degrees of freedom of the interval: inf for ``normal``, else the design's degf."""
    if interval == "normal":
        return float("inf")
    if degf < 1:
        raise AnalysisError(
            f"the design has {degf} degrees of freedom (#PSUs - #strata), too few for a "
            "t interval; use interval='normal' or a design with more PSUs than strata"
        )
    return float(degf)


def critical_value(confidence: float, df: float) -> float:
    """Two-sided quantile: Student t with ``df`` degrees of freedom (normal when df is inf)."""
    check_confidence(confidence)
    upper = 0.5 + confidence / 2.0
    if np.isinf(df):
        return float(stats.norm.ppf(upper))
    return float(stats.t.ppf(upper, df))


def wald_interval(
    estimate: FloatArray, se: FloatArray, confidence: float, df: float
) -> tuple[FloatArray, FloatArray]:
    """Return (low, high) = estimate -/+ q se."""
    half = critical_value(confidence, df) * se
    return estimate - half, estimate + half


def logit_interval(
    proportion: FloatArray, se: FloatArray, confidence: float, df: float
) -> tuple[FloatArray, FloatArray]:
    """Return (low, high) = expit(logit(p) -/+ q se / (p (1 - p))), inside [0, 1].

    At p = 0 or 1 (no variation, se = 0) the interval collapses to the point, the limit of the
    formula.
    """
    inside = (proportion > 0.0) & (proportion < 1.0)
    p = np.where(inside, proportion, 0.5)
    half = critical_value(confidence, df) * se / (p * (1.0 - p))
    centre = special.logit(p)
    low = np.where(inside, special.expit(centre - half), proportion)
    high = np.where(inside, special.expit(centre + half), proportion)
    return low, high


def confidence_interval(
    estimate: FloatArray, se: FloatArray, confidence: float, df: float, interval: Interval
) -> tuple[FloatArray, FloatArray]:
    """Return (low, high) for the named ``interval`` method."""
    check_interval(interval)
    if interval == "logit":
        return logit_interval(estimate, se, confidence, df)
    return wald_interval(estimate, se, confidence, df)


def add_intervals(
    results: pd.DataFrame,
    degf: int,
    *,
    confidence: float = 0.95,
    methods: Sequence[Interval] = ("normal", "t"),
) -> pd.DataFrame:
    """Return ``results`` (any estimator table) with ``ci_low_<method>``/``ci_high_<method>``.

    One call gives every interval from the ``estimate`` and ``se`` columns: ``normal`` is what
    R's ``confint(svymean(...))`` prints; ``t`` uses the design's ``degf`` (#PSUs − #strata),
    R's ``confint(..., df = degf(design))``; ``logit`` is ``svyciprop(method = "logit")`` for
    shares. The estimators' own default is ``t``: with one stratum per commune and a few dozen
    respondents each, the variance estimate has few degrees of freedom in a small domain, and
    the normal quantile then under-covers (Korn & Graubard 1999, §5.2; Lumley 2010, §2.3).
    """
    check_confidence(confidence)
    for column in ("estimate", "se"):
        if column not in results.columns:
            raise AnalysisError(f"results have no {column!r} column to build intervals from")
    estimate = results["estimate"].to_numpy(dtype=np.float64)
    se = results["se"].to_numpy(dtype=np.float64)
    widened = results.copy()
    for method in methods:
        low, high = confidence_interval(estimate, se, confidence, interval_df(method, degf), method)
        widened[f"ci_low_{method}"] = low
        widened[f"ci_high_{method}"] = high
    return widened
