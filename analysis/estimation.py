"""Weighted means, proportions and totals with linearised SEs, overall and by domain.

Each estimator returns a tidy DataFrame, one row per (domain, variable[, level]): the by-columns,
``variable`` (``level`` for proportions), ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``df``,
``deff`` (R's ``deff = TRUE``), ``deff_replace`` (R's ``deff = "replace"``), ``deff_kish``
(Kish's 1 + CV^2 of the weights), ``n`` (unweighted respondents with a valid answer) and
``sum_weights``. Missing answers (NaN) are item non-response, treated as a domain exactly as
R's ``svymean(..., na.rm = TRUE)`` and ``svyby`` do: the row stays in the design with a zero
linearised value (Lumley 2010, §2.2.2).

SEs hold the weights fixed (R on a ``svydesign`` built from the final weights); pass a
:class:`analysis.greg.Calibration` to get the calibration-aware SE R reports after
``calibrate``/``postStratify``/``rake``. Every domain and variable is computed in one pass of
:func:`numpy.bincount` per variable (:mod:`analysis.linearization`).
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analysis.calibrated import CalibratedDesign
from analysis.design import BoolArray, Design, DesignArrays, FloatArray, prepare_design
from analysis.domains import Domains, define_domains
from analysis.errors import AnalysisError
from analysis.greg import Calibration, calibrated_variance, layout_calibration
from analysis.influence import Linearised, divide, linearise_ratio
from analysis.intervals import Interval, check_interval, confidence_interval, interval_df
from analysis.linearization import layout_variance, stratified_variance

VarianceFunction = Callable[[FloatArray, BoolArray], FloatArray]


@dataclass(frozen=True)
class EstimationContext:
    """A design resolved against the responses, with its domains and variance function."""

    design: DesignArrays
    domains: Domains
    variance: VarianceFunction


#: What every estimator accepts as its design: columns, a calibrated design, or a prepared one.
AnyDesign = Design | CalibratedDesign | EstimationContext


def prepare_estimation(
    responses: pd.DataFrame,
    design: Design | CalibratedDesign,
    by: str | Sequence[str] = (),
    calibration: Calibration | None = None,
) -> EstimationContext:
    """Resolve ``design`` and the ``by`` domains once, for several estimators to share.

    A :class:`~analysis.calibrated.CalibratedDesign` brings its calibrated weights and its
    calibration model (so ``calibration`` must be None): the SEs are calibration-aware.
    """
    by_columns = [by] if isinstance(by, str) else list(by)
    if isinstance(design, CalibratedDesign):
        if calibration is not None:
            raise AnalysisError(
                "a calibrated design carries its own calibration model; do not pass "
                "calibration= as well"
            )
        responses, calibration = design.frame(responses, by_columns), design.calibration
        design = design.design
    arrays = prepare_design(responses, design)
    domains = define_domains(responses, by_columns)
    layout = layout_variance(arrays, domains)
    if calibration is None:

        def variance(influence: FloatArray, present: BoolArray) -> FloatArray:
            return stratified_variance(influence, layout, present)

    else:
        calibrated = layout_calibration(calibration, layout)

        def variance(influence: FloatArray, present: BoolArray) -> FloatArray:
            return calibrated_variance(influence, calibrated, present)

    return EstimationContext(design=arrays, domains=domains, variance=variance)


def linearise(values: FloatArray, context: EstimationContext, *, total: bool) -> Linearised:
    """Linearise the domain mean (or total) of ``values`` (NaN = missing) in every domain.

    Mean: ybar_d = sum w y / sum w over valid rows of d, the ratio with x = 1 (Lumley 2010,
    §2.2; Särndal et al. 1992, result 5.6.1); total: Y_d = sum w y (R's svytotal). Influence
    values and both SRS variances: :func:`analysis.influence.linearise_ratio`.
    """
    return linearise_ratio(
        values, np.ones_like(values), context.design.weights, context.domains, total=total
    )


def summarise(
    linearised: Linearised, context: EstimationContext, *, confidence: float, interval: Interval
) -> pd.DataFrame:
    """Return the result columns (module docstring) for one linearised variable.

    V = the design variance of its influence values; ``deff`` = V / V_srs (R's deff = TRUE,
    SRS without replacement), ``deff_replace`` = V / V_srswr (R's deff = "replace");
    ``deff_kish`` = n sum w^2 / (sum w)^2 (Kish 1965, §11.7).
    """
    variance = context.variance(linearised.influence, linearised.present)
    df = interval_df(interval, context.design.degf)
    # A domain without valid answers has no estimate, so no SE either (not a zero SE).
    se = np.where(np.isnan(linearised.estimate), np.nan, np.sqrt(np.maximum(variance, 0.0)))
    low, high = confidence_interval(linearised.estimate, se, confidence, df, interval)
    return pd.DataFrame(
        {
            "estimate": linearised.estimate,
            "se": se,
            "ci_low": low,
            "ci_high": high,
            "df": np.full(se.shape, df),
            "deff": divide(variance, linearised.srs_variance),
            "deff_replace": divide(variance, linearised.srs_replace_variance),
            "deff_kish": divide(
                linearised.n * linearised.sum_squared_weights, linearised.sum_weights**2
            ),
            "n": linearised.n.astype(np.int64),
            "sum_weights": linearised.sum_weights,
        }
    )


def _numeric_values(responses: pd.DataFrame, variable: str) -> FloatArray:
    if variable not in responses.columns:
        raise AnalysisError(f"responses have no column {variable!r} to estimate")
    column = responses[variable]
    if not (pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)):
        raise AnalysisError(
            f"column {variable!r} holds {column.dtype} values; means and totals need numbers "
            "(recode answer codes to scores first, or use estimate_proportions)"
        )
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    if bool(np.isinf(values).any()):
        raise AnalysisError(f"column {variable!r} holds infinite values; fix or blank them")
    return values


def label_domains(domains: Domains, results: pd.DataFrame, **keys: str) -> pd.DataFrame:
    """Prefix ``results`` (one row per domain) with the domain labels and constant ``keys``."""
    labels = domains.labels.reset_index(drop=True)
    for name, value in keys.items():
        labels[name] = value
    return pd.concat([labels, results], axis=1)


def resolve_context(
    responses: pd.DataFrame,
    design: AnyDesign,
    by: str | Sequence[str],
    calibration: Calibration | None,
) -> EstimationContext:
    """Return ``design`` if already prepared, else :func:`prepare_estimation` of it."""
    if isinstance(design, EstimationContext):
        return design
    return prepare_estimation(responses, design, by, calibration)


def _tabulate(
    columns: Iterable[tuple[dict[str, str], FloatArray]],
    context: EstimationContext,
    *,
    total: bool,
    confidence: float,
    interval: Interval,
) -> pd.DataFrame:
    """One table of every (labels, values) column: linearise, summarise, label its domains."""
    tables = [
        label_domains(
            context.domains,
            summarise(
                linearise(values, context, total=total),
                context,
                confidence=confidence,
                interval=interval,
            ),
            **labels,
        )
        for labels, values in columns
    ]
    if not tables:
        raise AnalysisError("nothing to estimate: no variable, or no answer to tabulate")
    return pd.concat(tables, ignore_index=True)


def _numeric_columns(
    responses: pd.DataFrame, variables: str | Sequence[str]
) -> Iterator[tuple[dict[str, str], FloatArray]]:
    for variable in [variables] if isinstance(variables, str) else variables:
        yield {"variable": variable}, _numeric_values(responses, variable)


def _level_columns(
    responses: pd.DataFrame, variables: str | Sequence[str]
) -> Iterator[tuple[dict[str, str], FloatArray]]:
    """The 0/1 indicator of each level of each categorical variable (NaN where unanswered)."""
    for variable in [variables] if isinstance(variables, str) else variables:
        if variable not in responses.columns:
            raise AnalysisError(f"responses have no column {variable!r} to estimate")
        codes, levels = pd.factorize(responses[variable], sort=True)
        missing = codes < 0
        for position, level in enumerate(levels):
            indicator = np.where(missing, np.nan, (codes == position).astype(np.float64))
            yield {"variable": variable, "level": str(level)}, indicator


def _check_not_logit(interval: Interval) -> Interval:
    check_interval(interval)
    if interval == "logit":
        raise AnalysisError("interval='logit' is for proportions; use 't' or 'normal'")
    return interval


def _binary_columns(
    responses: pd.DataFrame, variables: str | Sequence[str]
) -> Iterator[tuple[dict[str, str], FloatArray]]:
    """Numeric columns checked to hold only 0, 1 or NaN (a logit interval needs a share)."""
    for labels, values in _numeric_columns(responses, variables):
        if not bool(np.isin(values[~np.isnan(values)], (0.0, 1.0)).all()):
            raise AnalysisError(
                f"interval='logit' needs a 0/1 variable, but {labels['variable']!r} holds other "
                "values; use 't' or 'normal'"
            )
        yield labels, values


def estimate_means(
    responses: pd.DataFrame,
    variables: str | Sequence[str],
    design: AnyDesign,
    *,
    by: str | Sequence[str] = (),
    confidence: float = 0.95,
    interval: Interval = "t",
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    """Weighted means of numeric ``variables`` (NaN = missing), overall or by domain.

    ybar = sum w y / sum w over valid answers, SE by Taylor linearisation
    (:func:`linearise`, :mod:`analysis.linearization`), CI Wald with t(degf) or normal:
    R's ``svyby(~y, ~by, design, svymean, na.rm = TRUE, deff = TRUE)`` and
    ``confint(..., df = degf(design))``. ``design`` may be a
    :class:`~analysis.calibrated.CalibratedDesign` (calibration-aware SEs in one call) or a
    prepared :class:`EstimationContext` (then ``by`` and ``calibration`` are taken from it).
    ``interval="logit"`` is allowed for a 0/1 variable (its mean is a share): R's
    ``svyciprop(~I(y == 1), method = "logit")``.
    """
    check_interval(interval)
    columns = (
        _binary_columns(responses, variables)
        if interval == "logit"
        else _numeric_columns(responses, variables)
    )
    return _tabulate(
        columns,
        resolve_context(responses, design, by, calibration),
        total=False,
        confidence=confidence,
        interval=interval,
    )


def estimate_totals(
    responses: pd.DataFrame,
    variables: str | Sequence[str],
    design: AnyDesign,
    *,
    by: str | Sequence[str] = (),
    confidence: float = 0.95,
    interval: Interval = "t",
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    """Weighted totals sum w y of numeric ``variables`` over valid answers, overall or by domain.

    SE by Taylor linearisation of u_i = w_i y_i (Särndal et al. 1992, result 2.8.1 with the
    stratified form of §3.7; R's ``svytotal(na.rm = TRUE, deff = TRUE)``).
    """
    return _tabulate(
        _numeric_columns(responses, variables),
        resolve_context(responses, design, by, calibration),
        total=True,
        confidence=confidence,
        interval=_check_not_logit(interval),
    )


def estimate_level_totals(
    responses: pd.DataFrame,
    variables: str | Sequence[str],
    design: AnyDesign,
    *,
    by: str | Sequence[str] = (),
    confidence: float = 0.95,
    interval: Interval = "t",
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    """Estimated population count of each level of categorical ``variables``, with SEs.

    The total of the level's indicator, one row per level with a ``level`` column: R's
    ``svytotal(~factor, na.rm = TRUE, deff = TRUE)`` (Särndal et al. 1992, result 2.8.1), with
    no 0/1 columns to build by hand.
    """
    return _tabulate(
        _level_columns(responses, variables),
        resolve_context(responses, design, by, calibration),
        total=True,
        confidence=confidence,
        interval=_check_not_logit(interval),
    )


def estimate_proportions(
    responses: pd.DataFrame,
    variables: str | Sequence[str],
    design: AnyDesign,
    *,
    by: str | Sequence[str] = (),
    confidence: float = 0.95,
    interval: Interval = "logit",
    calibration: Calibration | None = None,
) -> pd.DataFrame:
    """Weighted share of each level of categorical ``variables`` among valid answers.

    The mean of the level's indicator (R's ``svymean(~factor, na.rm = TRUE)``), one row per
    level (sorted, as R's factor levels) with a ``level`` column; the default CI is the logit
    interval of R's ``svyciprop(method = "logit")`` with df = degf(design).
    """
    check_interval(interval)
    return _tabulate(
        _level_columns(responses, variables),
        resolve_context(responses, design, by, calibration),
        total=False,
        confidence=confidence,
        interval=interval,
    )
