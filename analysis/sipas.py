"""The SIPAS satisfaction index: per item, per factor, per unit, with linearised SEs.

Item index = weighted share satisfied (score >= threshold, 4 by default) among the item's
valid answers: the ratio estimator R_k = sum w y_k / sum w x_k with y_k the satisfied
indicator and x_k the valid-answer indicator (:func:`analysis.ratio.linearise_ratios`, the
linearisation of the public :func:`analysis.ratio.estimate_ratios`). Factor index = mean of
its item indices; unit index = mean of the factor indices (MoHA SIPAS method, DOMAIN.md §3).
A factor or unit index is thus a linear combination sum_k c_k R_k of ratio estimators with
different denominators, whose linearised variable is sum_k c_k w_i (y_ki - R_k x_ki) / X_k
(Särndal, Swensson & Wretman 1992, result 5.6.2 and §5.9; Lumley 2010, §2.2 and
``svycontrast``): its design variance is computed directly; SEs are never averaged. Mean
scores (1-5) use the same combination on the scores, and the distribution gives the share of
each scale point per item.

Every table carries ``n`` (respondents with a valid answer: to the item, or to at least one of
the factor's or unit's items), ``n_min`` (the smallest item n behind the row) and
``small_sample`` (n_min below ``min_n``, 30 by default): small cells are flagged, never hidden.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from analysis.calibrated import CalibratedDesign
from analysis.design import BoolArray, Design, FloatArray
from analysis.errors import AnalysisError
from analysis.estimation import (
    AnyDesign,
    EstimationContext,
    label_domains,
    linearise,
    prepare_estimation,
    resolve_context,
    summarise,
)
from analysis.greg import Calibration
from analysis.influence import Linearised
from analysis.intervals import Interval, check_interval
from analysis.linearization import sums_by
from analysis.ratio import linearise_ratios
from analysis.recode import SATISFIED_THRESHOLD, satisfied

MissingComponents = Literal["propagate", "skip"]
SCALE = (1.0, 2.0, 3.0, 4.0, 5.0)
MIN_N = 30


@dataclass(frozen=True)
class SatisfactionResults:
    """The three SIPAS tables (see :func:`summarise_satisfaction`)."""

    index: pd.DataFrame
    mean_scores: pd.DataFrame
    distribution: pd.DataFrame


@dataclass(frozen=True)
class _Components:
    """Items in order, with the item indices of each factor (factors in order)."""

    items: tuple[str, ...]
    factors: tuple[tuple[str, tuple[int, ...]], ...]


def _components(factors: Mapping[str, str | None]) -> _Components:
    items = tuple(factors)
    if not items:
        raise AnalysisError("no items to score: give an item -> factor mapping")
    grouped: dict[str, list[int]] = {}
    for position, item in enumerate(items):
        factor = factors[item]
        if factor is not None:
            grouped.setdefault(factor, []).append(position)
    return _Components(
        items=items, factors=tuple((name, tuple(members)) for name, members in grouped.items())
    )


def _scores(responses: pd.DataFrame, item: str, scale: Sequence[float]) -> FloatArray:
    if item not in responses.columns:
        raise AnalysisError(f"responses have no scored item column {item!r}")
    column = responses[item]
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        raise AnalysisError(
            f"item {item!r} holds {column.dtype} values, not scores; recode the answer codes "
            "with analysis.recode.recode_scores first"
        )
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    off_scale = ~np.isnan(values) & ~np.isin(values, np.asarray(scale, dtype=np.float64))
    if bool(off_scale.any()):
        found = ", ".join(f"{value:g}" for value in np.unique(values[off_scale])[:5])
        raise AnalysisError(
            f"item {item!r} holds score(s) {found} outside the scale "
            f"{', '.join(f'{point:g}' for point in scale)}; recode missing codes to NaN"
        )
    return values


def _coefficients(
    available: BoolArray, members: Sequence[tuple[int, ...]], missing: MissingComponents
) -> list[FloatArray]:
    """Per-domain item coefficients (domains x items) of each factor, then of the unit."""
    domains, items = available.shape
    factor_coefficients = []
    factor_available = []
    for group in members:
        coefficients = np.zeros((domains, items))
        if missing == "propagate":
            coefficients[:, list(group)] = 1.0 / len(group)
        else:
            used = available[:, list(group)].astype(np.float64)
            with np.errstate(divide="ignore", invalid="ignore"):
                coefficients[:, list(group)] = np.nan_to_num(used / used.sum(axis=1, keepdims=True))
        factor_coefficients.append(coefficients)
        factor_available.append(available[:, list(group)].any(axis=1))
    if missing == "propagate":
        unit = sum(factor_coefficients, np.zeros((domains, items))) / len(members)
    else:
        present = np.column_stack(factor_available).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.nan_to_num(present / present.sum(axis=1, keepdims=True))
        unit = sum(
            (share[:, [f]] * c for f, c in enumerate(factor_coefficients)),
            np.zeros((domains, items)),
        )
    return [*factor_coefficients, unit]


def _combine(
    parts: Sequence[Linearised], coefficients: FloatArray, context: EstimationContext
) -> tuple[Linearised, FloatArray]:
    """Linearise sum_k c_dk R_dk and return it with n_min, the smallest item n it uses."""
    codes, weights = context.domains.codes, context.design.weights
    count = coefficients.shape[0]
    used = [k for k in range(coefficients.shape[1]) if bool(np.any(coefficients[:, k] > 0))]
    row_coefficients = np.vstack([coefficients, np.zeros((1, coefficients.shape[1]))])
    index = np.where(codes >= 0, codes, count)
    estimate = np.zeros(count)
    influence = np.zeros(codes.shape[0])
    present = np.zeros(codes.shape[0], dtype=bool)
    complete = np.ones(count, dtype=bool)
    n_min = np.full(count, np.inf)
    for k in used:
        part = parts[k]
        needed = coefficients[:, k] > 0
        complete &= ~needed | ~np.isnan(part.estimate)
        estimate += coefficients[:, k] * np.nan_to_num(part.estimate)
        influence += row_coefficients[index, k] * part.influence
        present |= part.present
        n_min = np.where(needed, np.minimum(n_min, part.n), n_min)
    estimate = np.where(complete & (coefficients.sum(axis=1) > 0), estimate, np.nan)
    used_weights = np.where(present, weights, 0.0)
    combined = Linearised(
        estimate=estimate,
        influence=influence,
        n=sums_by(index, present, count),
        sum_weights=sums_by(index, used_weights, count),
        sum_squared_weights=sums_by(index, used_weights * used_weights, count),
        srs_variance=np.full(count, np.nan),
        srs_replace_variance=np.full(count, np.nan),
        present=present,
    )
    return combined, np.where(np.isinf(n_min), 0.0, n_min)


def _flagged(
    table: pd.DataFrame, n_min: FloatArray, min_n: int, **keys: str | float | None
) -> pd.DataFrame:
    """Add ``n_min`` and ``small_sample`` after ``n``, and the ``keys`` columns in front."""
    flagged = table.copy()
    after_n = list(flagged.columns).index("n") + 1
    flagged.insert(after_n, "small_sample", n_min < min_n)
    flagged.insert(after_n, "n_min", n_min.astype(np.int64))
    for position, (name, value) in enumerate(keys.items()):
        flagged.insert(position, name, value)
    return flagged


def _component_table(
    responses: pd.DataFrame,
    components: _Components,
    context: EstimationContext,
    transform: Callable[[pd.Series], FloatArray],
    *,
    confidence: float,
    interval: Interval,
    min_n: int,
    missing: MissingComponents,
    scale: Sequence[float],
) -> pd.DataFrame:
    """Item, factor and unit rows of the weighted mean of ``transform(scores)``."""
    factor_of = {k: name for name, members in components.factors for k in members}
    parts = []
    tables = []
    for k, item in enumerate(components.items):
        values = _scores(responses, item, scale)
        # The item's ratio estimator: transform(score) over the valid-answer indicator.
        valid = np.where(np.isnan(values), np.nan, 1.0)
        part = linearise_ratios(transform(pd.Series(values, name=item)), valid, context)
        parts.append(part)
        table = summarise(part, context, confidence=confidence, interval=interval)
        tables.append(
            _flagged(table, part.n, min_n, level="item", name=item, factor=factor_of.get(k))
        )
    if components.factors:
        available = np.column_stack([part.n > 0 for part in parts])
        members = [group for _, group in components.factors]
        # Each factor (named after itself), then the unit; coefficients come in that order.
        rows = [(name, name) for name, _ in components.factors] + [("unit", None)]
        for (name, factor), coefficients in zip(
            rows, _coefficients(available, members, missing), strict=True
        ):
            combined, n_min = _combine(parts, coefficients, context)
            table = summarise(combined, context, confidence=confidence, interval=interval)
            level = "factor" if factor is not None else "unit"
            tables.append(_flagged(table, n_min, min_n, level=level, name=name, factor=factor))
    return pd.concat([label_domains(context.domains, table) for table in tables], ignore_index=True)


def satisfaction_index(
    responses: pd.DataFrame,
    factors: Mapping[str, str | None],
    design: AnyDesign,
    *,
    by: str | Sequence[str] = (),
    threshold: float = SATISFIED_THRESHOLD,
    confidence: float = 0.95,
    interval: Interval = "logit",
    min_n: int = MIN_N,
    missing: MissingComponents = "propagate",
    scale: Sequence[float] = SCALE,
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    """Share satisfied per item, factor and unit, overall or by domain, with linearised SEs.

    ``responses`` holds the recoded scores (float, NaN = no answer; see
    :func:`analysis.recode.recode_scores`) and the design columns; ``factors`` maps each item
    to its SIPAS factor (None: reported as an item only, e.g. the overall question). Formulas:
    module docstring. ``missing="propagate"`` leaves a factor (and the unit) index empty in a
    domain where one of its items has no valid answer; ``"skip"`` averages the items (factors)
    that have answers. The default CI is the logit interval with the design's degrees of
    freedom.
    """
    check_interval(interval)
    if missing not in ("propagate", "skip"):
        raise AnalysisError(f"missing={missing!r}: use 'propagate' or 'skip'")
    return _component_table(
        responses,
        _components(factors),
        resolve_context(responses, design, by, calibration),
        lambda scores: satisfied(scores, threshold).to_numpy(dtype=np.float64),
        confidence=confidence,
        interval=interval,
        min_n=min_n,
        missing=missing,
        scale=scale,
    )


def mean_scores(
    responses: pd.DataFrame,
    factors: Mapping[str, str | None],
    design: AnyDesign,
    *,
    by: str | Sequence[str] = (),
    confidence: float = 0.95,
    interval: Interval = "t",
    min_n: int = MIN_N,
    missing: MissingComponents = "propagate",
    scale: Sequence[float] = SCALE,
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    """Weighted mean score per item, and its factor and unit means, as :func:`satisfaction_index`.

    Item: sum w y / sum w over valid answers (R's ``svymean(~y, na.rm = TRUE)``); factor and
    unit: the same combination of item means as the index (linearised jointly).
    """
    check_interval(interval)
    if interval == "logit":
        raise AnalysisError("mean scores are not proportions: use interval 't' or 'normal'")
    return _component_table(
        responses,
        _components(factors),
        resolve_context(responses, design, by, calibration),
        lambda scores: scores.to_numpy(dtype=np.float64),
        confidence=confidence,
        interval=interval,
        min_n=min_n,
        missing=missing,
        scale=scale,
    )


def score_distribution(
    responses: pd.DataFrame,
    items: Sequence[str],
    design: AnyDesign,
    *,
    by: str | Sequence[str] = (),
    confidence: float = 0.95,
    interval: Interval = "logit",
    min_n: int = MIN_N,
    scale: Sequence[float] = SCALE,
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    """Weighted share of each scale point per item among valid answers (every point listed).

    R's ``svymean(~factor(y), na.rm = TRUE)``; CI logit by default (``svyciprop``).
    """
    check_interval(interval)
    context = resolve_context(responses, design, by, calibration)
    tables = []
    for item in items:
        scores = _scores(responses, item, scale)
        for point in scale:
            indicator = np.where(np.isnan(scores), np.nan, (scores == point).astype(np.float64))
            part = linearise(indicator, context, total=False)
            table = summarise(part, context, confidence=confidence, interval=interval)
            table = _flagged(table, part.n, min_n, item=item, score=point)
            tables.append(label_domains(context.domains, table))
    if not tables:
        raise AnalysisError("no items given for the score distribution")
    return pd.concat(tables, ignore_index=True)


def summarise_satisfaction(
    responses: pd.DataFrame,
    factors: Mapping[str, str | None],
    design: Design | CalibratedDesign,
    *,
    by: str | Sequence[str] = (),
    threshold: float = SATISFIED_THRESHOLD,
    confidence: float = 0.95,
    min_n: int = MIN_N,
    missing: MissingComponents = "propagate",
    scale: Sequence[float] = SCALE,
    calibration: Calibration | None = None,
) -> SatisfactionResults:
    """All three SIPAS tables on one prepared design: index, mean scores and distribution."""
    context = prepare_estimation(responses, design, by, calibration)
    return SatisfactionResults(
        index=satisfaction_index(
            responses,
            factors,
            context,
            threshold=threshold,
            confidence=confidence,
            min_n=min_n,
            missing=missing,
            scale=scale,
        ),
        mean_scores=mean_scores(
            responses,
            factors,
            context,
            confidence=confidence,
            min_n=min_n,
            missing=missing,
            scale=scale,
        ),
        distribution=score_distribution(
            responses, list(factors), context, confidence=confidence, min_n=min_n, scale=scale
        ),
    )
