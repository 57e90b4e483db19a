"""Sample sizes per unit: Slovin and Cochran, floors and caps by unit kind, achieved margins.

Slovin's n = N / (1 + N e²) is the formula of the MoHA SIPAS training material; Cochran's
n0 = z² p(1−p) / e² with the finite population correction n = n0 / (1 + (n0 − 1)/N) is
Cochran (1977) "Sampling Techniques", eq. 4.1–4.2. Sizes are rounded up; some provinces set
floors by unit kind (Bình Dương 2018: 150 per xã, 200 per thị trấn).

Two choices that textbooks and provincial guidance make differently are options:

- the FPC form: ``correction="cochran"`` n0 / (1 + (n0 − 1)/N) (Cochran 1977, eq. 4.2; the
  formula of Krejcie & Morgan's 1970 table) or ``"simple"`` n0 / (1 + n0/N) (the form of most
  guidance; Slovin's formula is exactly this with z² p(1−p) = 1/4 · 4, i.e. z = 2, p = 0.5);
- the quantile: ``z=None`` the exact Φ⁻¹(1 − α/2) (1.959964 at 95 %), or a rounded value such as
  ``z=1.96`` as printed in guidance.

Defaults: the ministry's guidance (MoHA SIPAS training material, DOMAIN.md §3) sizes samples with
Slovin, so ``unit_targets`` defaults to ``method="slovin"`` (which needs neither option). For
``method="cochran"`` the defaults stay Cochran's own (eq. 4.2, exact quantile): the guidance
prescribes no Cochran variant, and those defaults reproduce Krejcie & Morgan's table.
"""

import math
from collections.abc import Mapping
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from analysis.columns import KIND, TARGET, TRANSACTIONS, UNIT
from analysis.errors import AnalysisError
from analysis.units import unit_totals

Method = Literal["slovin", "cochran"]
METHODS: tuple[Method, ...] = ("slovin", "cochran")
Correction = Literal["cochran", "simple"]
CORRECTIONS: tuple[Correction, ...] = ("cochran", "simple")
N_FORMULA = "n_formula"
MARGIN = "margin_of_error"


def _check_fraction(name: str, value: float) -> None:
    if not 0.0 < value < 1.0:
        raise AnalysisError(f"{name} must be strictly between 0 and 1, got {value!r}")


def _check_population(N: float) -> None:
    if not N >= 0:
        raise AnalysisError(f"population size N must be >= 0, got {N!r}")


def round_up(size: float) -> int:
    """Round a sample size up, ignoring float fuzz (277.0000000001 is 277, not 278)."""
    return math.ceil(round(size, 9))


def z_value(confidence: float) -> float:
    """Return z = Φ⁻¹(1 − α/2) for a two-sided ``confidence`` = 1 − α (scipy's norm.ppf)."""
    _check_fraction("confidence", confidence)
    return float(stats.norm.ppf(1.0 - (1.0 - confidence) / 2.0))


def slovin_n(N: float, e: float = 0.05) -> float:
    """Slovin's sample size n = N / (1 + N e²), unrounded (MoHA SIPAS training material)."""
    _check_population(N)
    _check_fraction("margin of error e", e)
    return N / (1.0 + N * e * e)


def slovin_size(N: float, e: float = 0.05) -> int:
    """Slovin's sample size rounded up: ceil(N / (1 + N e²))."""
    return round_up(slovin_n(N, e))


def _quantile(confidence: float, z: float | None) -> float:
    if z is None:
        return z_value(confidence)
    if not z > 0:
        raise AnalysisError(f"z must be > 0 (e.g. 1.96), got {z!r}")
    return float(z)


def cochran_n0(
    e: float = 0.05, confidence: float = 0.95, p: float = 0.5, *, z: float | None = None
) -> float:
    """Cochran's size for an infinite population, n0 = z² p(1−p) / e² (Cochran 1977, 4.1).

    ``z=None`` uses the exact normal quantile of ``confidence``; a number (1.96) is used as is.
    """
    _check_fraction("margin of error e", e)
    _check_fraction("proportion p", p)
    quantile = _quantile(confidence, z)
    return quantile * quantile * p * (1.0 - p) / (e * e)


def cochran_n(
    N: float,
    e: float = 0.05,
    confidence: float = 0.95,
    p: float = 0.5,
    *,
    correction: Correction = "cochran",
    z: float | None = None,
) -> float:
    """Cochran's size with the finite population correction, unrounded; N = inf gives n0.

    ``correction="cochran"``: n = n0 / (1 + (n0 − 1)/N) (Cochran 1977, eq. 4.2; Krejcie &
    Morgan 1970); ``"simple"``: n = n0 / (1 + n0/N) (the form of most guidance, and Slovin's
    formula when z = 2, p = 0.5). Module docstring: which default and why.
    """
    _check_population(N)
    if correction not in CORRECTIONS:
        raise AnalysisError(
            f"correction={correction!r} is not an FPC form; use one of {list(CORRECTIONS)}"
        )
    n0 = cochran_n0(e, confidence, p, z=z)
    if N == 0:
        return 0.0
    return n0 / (1.0 + (n0 - (1.0 if correction == "cochran" else 0.0)) / N)


def cochran_size(
    N: float,
    e: float = 0.05,
    confidence: float = 0.95,
    p: float = 0.5,
    *,
    correction: Correction = "cochran",
    z: float | None = None,
) -> int:
    """Cochran's size with finite population correction (:func:`cochran_n`), rounded up."""
    return round_up(cochran_n(N, e, confidence, p, correction=correction, z=z))


def margin_of_error(n: float, N: float, p: float = 0.5, confidence: float = 0.95) -> float:
    """Margin of error achieved by n of N: e = z √(p(1−p)/n · (N−n)/(N−1)).

    The inverse of :func:`cochran_n` (solve n = n0/(1+(n0−1)/N) for e; Cochran 1977 §4.4), so
    ``margin_of_error(cochran_n(N, e), N) == e``; N = inf drops the correction, n >= N gives 0.
    """
    _check_population(N)
    _check_fraction("proportion p", p)
    z = z_value(confidence)
    if not n > 0:
        raise AnalysisError(f"sample size n must be > 0, got {n!r}")
    if n >= N:
        return 0.0
    correction = 1.0 if math.isinf(N) else (N - n) / (N - 1.0)
    return z * math.sqrt(p * (1.0 - p) / n * correction)


def bound_size(
    n: int,
    N: int,
    kind: str | None,
    floors: Mapping[str, int] | None = None,
    caps: Mapping[str, int] | None = None,
) -> int:
    """Raise ``n`` to the floor and lower it to the cap of the unit's ``kind``; never above N."""
    floor = (floors or {}).get(kind, 0) if kind is not None else 0
    cap = (caps or {}).get(kind) if kind is not None else None
    if cap is None:
        return min(max(n, floor), N)
    if cap < floor:
        raise AnalysisError(f"cap {cap} for unit kind {kind!r} is below its floor {floor}")
    return min(max(n, floor), cap, N)


def unit_targets(
    units: pd.DataFrame,
    method: Method = "slovin",
    e: float = 0.05,
    confidence: float = 0.95,
    p: float = 0.5,
    floors: Mapping[str, int] | None = None,
    caps: Mapping[str, int] | None = None,
    *,
    correction: Correction = "cochran",
    z: float | None = None,
) -> pd.DataFrame:
    """Return one row per unit: unit_code, kind, transactions, n_formula, target, margin_of_error.

    ``units`` is the units/transactions table (see :func:`analysis.units.unit_totals`).
    ``n_formula`` is the rounded-up Slovin or Cochran size for N = transactions; ``target``
    applies the floors and caps by kind (never above N); ``margin_of_error`` is what the target
    achieves for proportion ``p`` at ``confidence`` (:func:`margin_of_error`). ``correction``
    and ``z`` choose Cochran's FPC form and quantile (:func:`cochran_n`; Slovin ignores them).
    """
    if method not in METHODS:
        raise AnalysisError(f"unknown sample-size method {method!r}; use one of {list(METHODS)}")
    totals = unit_totals(units)
    if (floors or caps) and bool(totals[KIND].isna().any()):
        missing = totals.loc[totals[KIND].isna(), UNIT].tolist()
        raise AnalysisError(f"unit(s) {missing} have no {KIND!r}; floors and caps need it")
    formula_sizes: list[int] = []
    targets: list[int] = []
    margins: list[float] = []
    for kind, count in zip(totals[KIND], totals[TRANSACTIONS], strict=True):
        N = int(count)
        n = (
            slovin_size(N, e)
            if method == "slovin"
            else cochran_size(N, e, confidence, p, correction=correction, z=z)
        )
        target = bound_size(n, N, None if pd.isna(kind) else str(kind), floors, caps)
        formula_sizes.append(n)
        targets.append(target)
        margins.append(margin_of_error(target, N, p, confidence) if target > 0 else np.nan)
    result = totals.copy()
    result[N_FORMULA] = np.asarray(formula_sizes, dtype="int64")
    result[TARGET] = np.asarray(targets, dtype="int64")
    result[MARGIN] = np.asarray(margins, dtype="float64")
    return result
