"""Design weights, post-stratification and Kish's weighting design effect.

The weighting chain for SIPAS responses (DOMAIN.md §3): communes are strata, N_h is the
commune's transactions in the period; design weights N_h / n_h, then post-stratification
(here) or raking (:mod:`analysis.raking`) or linear calibration (:mod:`analysis.calibration`)
to known counts, then optional trimming (:mod:`analysis.trimming`).

Every function returns a new ``weight`` Series indexed like ``responses``.
"""

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.columns import UNIT, WEIGHT, as_codes, code_text
from analysis.errors import AnalysisError
from analysis.margins import Collapse, Margin, encode_margin

WeightsLike = pd.Series | np.ndarray | Sequence[float]


def as_weights(
    responses: pd.DataFrame, weights: WeightsLike, *, allow_negative: bool = False
) -> np.ndarray:
    """Return ``weights`` as a float64 array, checked: one per response, finite, >= 0.

    A Series must be indexed like ``responses`` (it is aligned by label, not position).
    Negative weights (linear calibration can make them) pass only with ``allow_negative``.
    """
    if isinstance(weights, pd.Series):
        if not weights.index.equals(responses.index):
            if not weights.index.sort_values().equals(responses.index.sort_values()):
                raise AnalysisError("the weights' index does not match the responses' index")
            weights = weights.reindex(responses.index)
        values = weights.to_numpy(dtype="float64")
    else:
        values = np.asarray(weights, dtype="float64")
    if values.shape != (len(responses),):
        raise AnalysisError(
            f"got {values.size} weight(s) for {len(responses)} response(s); give one per response"
        )
    if not bool(np.all(np.isfinite(values))):
        raise AnalysisError(
            f"{int((~np.isfinite(values)).sum())} weight(s) are missing or infinite"
        )
    if not allow_negative and bool(np.any(values < 0)):
        raise AnalysisError(
            f"{int((values < 0).sum())} weight(s) are negative; trim them (lower bound) first"
        )
    return values


def weight_series(responses: pd.DataFrame, values: np.ndarray) -> pd.Series:
    """Wrap computed weights as the ``weight`` column aligned with ``responses``."""
    return pd.Series(values, index=responses.index, name=WEIGHT, dtype="float64")


def design_weights(
    responses: pd.DataFrame,
    population: Mapping[str, float] | pd.Series,
    stratum: str = UNIT,
) -> pd.Series:
    """Stratified design weights d_i = N_h / n_h (Lumley 2010, §2.2; Särndal et al. 1992, §3.7).

    ``population`` maps each stratum code to N_h (the commune's transactions in the period);
    n_h counts every respondent of the stratum. A stratum with respondents but no N_h, or with
    N_h < n_h, is an error naming it. Strata without respondents are ignored here (they leave
    the weights short of the population total, which a later raking step can restore).
    """
    if stratum not in responses.columns:
        raise AnalysisError(f"responses have no stratum column {stratum!r}")
    if len(responses) == 0:
        raise AnalysisError("there are no responses to weight")
    counts = {code_text(code): float(value) for code, value in dict(population).items()}
    bad = [code for code, value in counts.items() if not (np.isfinite(value) and value >= 0)]
    if bad:
        raise AnalysisError(f"population count of stratum {bad[0]!r} is not a number >= 0")
    raw_codes, raw_levels = pd.factorize(responses[stratum], use_na_sentinel=True)
    levels = as_codes(pd.Series(raw_levels), stratum)
    blank = (raw_codes < 0) | levels.isna().to_numpy()[np.maximum(raw_codes, 0)]
    if bool(blank.any()):
        raise AnalysisError(
            f"{int(blank.sum())} response(s) have an empty {stratum!r}; fix or drop them"
        )
    codes, strata = pd.factorize(levels)
    row_stratum = codes[raw_codes]
    n_h = np.bincount(row_stratum, minlength=len(strata)).astype("float64")
    unknown = [str(code) for code in strata if str(code) not in counts]
    if unknown:
        raise AnalysisError(
            f"stratum {unknown[0]!r} ({stratum}) has respondents but no population count"
            + (f" (nor {len(unknown) - 1} other(s))" if len(unknown) > 1 else "")
            + "; add its transactions for the period"
        )
    N_h = np.array([counts[str(code)] for code in strata], dtype="float64")
    short = np.flatnonzero(N_h < n_h)
    if short.size:
        first = int(short[0])
        raise AnalysisError(
            f"stratum {str(strata[first])!r} ({stratum}) has {int(n_h[first])} respondents but "
            f"a population count of only {N_h[first]:g}; check its transactions for the period"
        )
    return weight_series(responses, (N_h / n_h)[row_stratum])


def post_stratify(
    responses: pd.DataFrame,
    weights: WeightsLike,
    margin: Margin,
    *,
    collapse: Collapse | None = None,
    partial: bool = False,
) -> pd.Series:
    """Post-stratify: w_i · N_c / Σ_{j∈c} w_j for the cell c of unit i (Lumley 2010, §7.2).

    R ``survey::postStratify`` semantics: cells are the levels of ``margin`` (one column or
    crossed columns); a cell in the responses without a population count is an error, as is a
    population cell without respondents unless ``partial=True`` drops it (then the weights no
    longer add up to the population total). ``collapse`` merges levels in both before matching.
    """
    values = as_weights(responses, weights)
    encoded = encode_margin(responses, values, margin, collapse=collapse, partial=partial)
    matched = encoded.codes >= 0
    cell_sums = np.bincount(
        encoded.codes[matched], weights=values[matched], minlength=encoded.targets.size
    )
    factors = encoded.targets / cell_sums
    adjusted = values.copy()
    adjusted[matched] = values[matched] * factors[encoded.codes[matched]]
    return weight_series(responses, adjusted)


def kish_deff(weights: WeightsLike) -> float:
    """Kish's design effect due to unequal weights, deff = n Σw² / (Σw)² (Kish 1965, §11.7).

    Equals 1 + CV² of the weights (population variance); 1 for equal weights.
    """
    values = np.asarray(weights, dtype="float64")
    if values.size == 0 or not values.sum() > 0:
        raise AnalysisError("Kish's design effect needs weights with a positive sum")
    return float(values.size * np.sum(values * values) / values.sum() ** 2)


def effective_sample_size(weights: WeightsLike) -> float:
    """Kish's effective sample size n / deff = (Σw)² / Σw² (Kish 1965, §11.7)."""
    values = np.asarray(weights, dtype="float64")
    return values.size / kish_deff(values)
