"""Ratio estimators R = Y / X (R's ``svyratio``), overall and by domain, and the pooled SIPAS ratio.

R_d = sum w y / sum w x over the rows of domain d where both y and x are present, SE by Taylor
linearisation u_i = w_i (y_i - R_d x_i) / X_d (Särndal, Swensson & Wretman 1992, result 5.6.1;
Cochran 1977, §6.3; Lumley 2010, §2.5), both design effects, Wald or logit intervals: see
:mod:`analysis.influence`. The SIPAS item index is such a ratio (satisfied answers over valid
answers of one item; :mod:`analysis.sipas` calls :func:`linearise_ratios`); the *pooled* ratio
several provinces publish (all satisfied answers over all valid answers of a unit, every item
together) is :func:`pooled_satisfaction`.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.design import FloatArray
from analysis.errors import AnalysisError
from analysis.estimation import (
    AnyDesign,
    EstimationContext,
    label_domains,
    resolve_context,
    summarise,
)
from analysis.greg import Calibration
from analysis.influence import Linearised, linearise_ratio
from analysis.intervals import Interval, check_interval
from analysis.recode import SATISFIED_THRESHOLD


def linearise_ratios(
    numerator: FloatArray, denominator: FloatArray, context: EstimationContext
) -> Linearised:
    """Linearise sum w y / sum w x in every domain of ``context`` (NaN = missing)."""
    return linearise_ratio(numerator, denominator, context.design.weights, context.domains)


def _values(responses: pd.DataFrame, name: str) -> FloatArray:
    if name not in responses.columns:
        raise AnalysisError(f"responses have no column {name!r} for the ratio")
    column = responses[name]
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        raise AnalysisError(f"ratio column {name!r} holds {column.dtype} values, not numbers")
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    if bool(np.isinf(values).any()):
        raise AnalysisError(f"ratio column {name!r} holds infinite values; fix or blank them")
    return values


def _table(
    linearised: Linearised,
    context: EstimationContext,
    confidence: float,
    interval: Interval,
    **keys: str,
) -> pd.DataFrame:
    if interval == "logit":
        shares = linearised.estimate[~np.isnan(linearised.estimate)]
        if not bool(((shares >= 0) & (shares <= 1)).all()):
            raise AnalysisError("interval='logit' needs ratios in [0, 1]; use 't' or 'normal'")
    table = summarise(linearised, context, confidence=confidence, interval=interval)
    return label_domains(context.domains, table, **keys)


def estimate_ratios(
    responses: pd.DataFrame,
    numerators: str | Sequence[str],
    denominators: str | Sequence[str],
    design: AnyDesign,
    *,
    by: str | Sequence[str] = (),
    confidence: float = 0.95,
    interval: Interval = "t",
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    """Ratio of the totals of each numerator to each denominator column, overall or by domain.

    R's ``svyby(~y, ~by, design, svyratio, denominator = ~x, na.rm = TRUE, deff = TRUE)``: rows
    missing y or x leave that ratio. One row per (domain, numerator, denominator) with the
    result columns of :mod:`analysis.estimation` (``deff`` and ``deff_replace``);
    ``interval`` is ``"t"`` (df = degf), ``"normal"`` (R's ``confint``) or ``"logit"`` (for a
    ratio that is a share). ``calibration``: calibration-aware SEs (:mod:`analysis.greg`).
    """
    check_interval(interval)
    context = resolve_context(responses, design, by, calibration)
    tops = [numerators] if isinstance(numerators, str) else list(numerators)
    bottoms = [denominators] if isinstance(denominators, str) else list(denominators)
    if not tops or not bottoms:
        raise AnalysisError("a ratio needs at least one numerator and one denominator column")
    tables = [
        _table(
            linearise_ratios(_values(responses, top), _values(responses, bottom), context),
            context,
            confidence,
            interval,
            numerator=top,
            denominator=bottom,
        )
        for top in tops
        for bottom in bottoms
    ]
    return pd.concat(tables, ignore_index=True)


def pooled_satisfaction(
    responses: pd.DataFrame,
    items: Sequence[str],
    design: AnyDesign,
    *,
    by: str | Sequence[str] = (),
    threshold: float = SATISFIED_THRESHOLD,
    confidence: float = 0.95,
    interval: Interval = "logit",
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    """Pooled share satisfied: all satisfied answers over all valid answers to ``items``.

    Per respondent y_i = #items scored >= ``threshold``, x_i = #items answered (scores NaN =
    no answer); R = sum w y / sum w x (a ratio estimator, :func:`estimate_ratios`; R's
    ``svyratio(~satisfied_count, ~valid_count)``). Respondents who answered none of the items
    leave the ratio. Unlike the SIPAS unit index (mean of factor means), every answer weighs
    the same, so items with more answers count more. One row per domain, ``variable`` =
    ``"pooled"``; default CI logit.
    """
    check_interval(interval)
    if not items:
        raise AnalysisError("no items to pool: give the scored item columns")
    context = resolve_context(responses, design, by, calibration)
    scores = np.column_stack([_values(responses, item) for item in items])
    answered = ~np.isnan(scores)
    valid = answered.sum(axis=1).astype(np.float64)
    satisfied = (answered & (np.nan_to_num(scores) >= threshold)).sum(axis=1).astype(np.float64)
    none = valid == 0
    linearised = linearise_ratios(
        np.where(none, np.nan, satisfied), np.where(none, np.nan, valid), context
    )
    return _table(linearised, context, confidence, interval, variable="pooled")
