"""Linearised (influence) values of ratios, means and totals in every domain at once.

Every estimator here is a ratio R_d = sum w y / sum w x over the rows of domain d where both
y and x are present (R's ``svyratio(na.rm = TRUE)``); a mean is the ratio with x = 1, a total
the numerator alone. Taylor linearisation gives the influence value (Särndal, Swensson &
Wretman 1992, result 5.6.1 and §5.6; Lumley 2010, §2.2 and §2.5)

    u_i = w_i (y_i - R_d x_i) / X_d,   X_d = sum w x,

zero outside the domain and where y or x is missing, so the domain keeps every PSU of its
strata (``svyby``). The design variance of sum u is :mod:`analysis.linearization` (weights held
fixed) or :mod:`analysis.greg` (calibration-aware).

Both design effects of R (Kish 1965, §8.2; Lumley 2010, §2.4; ``svymean``, ``svytotal`` and
``svyratio`` with ``deff``): V / V_srs, V_srs the variance of the same estimator under simple
random sampling of n rows from N = sum w:

    deff = TRUE (without replacement):  V_srs = (N / X)^2 s_e^2 / n (1 - n/N)
    deff = "replace":                   V_srs = (N / X)^2 s_e^2 / n

with e_i = y_i - R x_i, s_e^2 = n/(n - 1) sum w e^2 / sum w and n the rows with a non-zero
weight. For a mean X = N, giving R's s^2 (N - n)/(N n); for a total (N / X)^2 is N^2 and e is
y minus its mean. R's ``svyratio`` takes its deff from ``svytotal`` of e, which is this.
"""

from dataclasses import dataclass

import numpy as np

from analysis.design import BoolArray, FloatArray
from analysis.domains import Domains
from analysis.linearization import sums_by


@dataclass(frozen=True)
class Linearised:
    """One variable's estimate per domain, its influence values and its SRS comparisons.

    ``influence`` is u_i (zero outside the row's domain and for missing answers);
    ``srs_variance`` is the variance under simple random sampling without replacement that
    R's ``deff = TRUE`` divides by, ``srs_replace_variance`` the one with replacement
    (``deff = "replace"``); ``present`` marks rows in a domain with a valid answer.
    """

    estimate: FloatArray
    influence: FloatArray
    n: FloatArray
    sum_weights: FloatArray
    sum_squared_weights: FloatArray
    srs_variance: FloatArray
    srs_replace_variance: FloatArray
    present: BoolArray


def divide(numerator: FloatArray, denominator: FloatArray) -> FloatArray:
    """numerator / denominator, NaN where the denominator is 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient: FloatArray = np.where(denominator != 0, numerator / denominator, np.nan)
    return quotient


def linearise_ratio(
    numerator: FloatArray,
    denominator: FloatArray,
    weights: FloatArray,
    domains: Domains,
    *,
    total: bool = False,
) -> Linearised:
    """Linearise R_d = sum w y / sum w x (``total``: Y_d = sum w y) in every domain d.

    ``numerator`` y and ``denominator`` x hold one value per row, NaN where missing (the row
    then leaves that estimate, as ``na.rm = TRUE``). Formulas: module docstring. With
    ``total`` the influence is w y (Särndal et al. 1992, result 2.8.1) and the SRS variances
    are those of R's ``svytotal``: N^2 s_y^2 / n (1 - n/N).
    """
    count, domain_codes = domains.count, domains.codes
    present = ~np.isnan(numerator) & ~np.isnan(denominator) & (domain_codes >= 0)
    index = np.where(present, domain_codes, count)
    used_weights = np.where(present, weights, 0.0)
    y = np.where(present, numerator, 0.0)
    x = np.where(present, denominator, 0.0)
    sum_weights = sums_by(index, used_weights, count)
    numerator_total = sums_by(index, used_weights * y, count)
    denominator_total = sums_by(index, used_weights * x, count)
    ratio = divide(numerator_total, denominator_total)
    if total:
        # s_y^2 of svytotal's deff centres y at its weighted mean.
        residual = np.where(
            present, y - np.append(divide(numerator_total, sum_weights), 0.0)[index], 0.0
        )
    else:
        residual = np.where(present, y - np.append(ratio, 0.0)[index] * x, 0.0)
    if total:
        influence = used_weights * y
        scale = sum_weights**2
    else:
        influence = used_weights * residual / np.append(denominator_total, 1.0)[index]
        scale = divide(sum_weights**2, denominator_total**2)
    n = sums_by(index, present, count)
    nonzero = sums_by(index, used_weights != 0, count)
    squares = sums_by(index, used_weights * residual * residual, count)
    with np.errstate(divide="ignore", invalid="ignore"):
        element_variance = nonzero / (nonzero - 1) * squares / sum_weights
        replace = element_variance / nonzero * scale
        without = replace * (sum_weights - nonzero) / sum_weights
    usable = nonzero > 1
    return Linearised(
        estimate=numerator_total if total else ratio,
        influence=influence,
        n=n,
        sum_weights=sum_weights,
        sum_squared_weights=sums_by(index, used_weights * used_weights, count),
        # R returns NA (with a warning) when sum w < n: weights not scaled to the population.
        srs_variance=np.where(usable & (sum_weights >= nonzero), without, np.nan),
        srs_replace_variance=np.where(usable, replace, np.nan),
        present=present,
    )
