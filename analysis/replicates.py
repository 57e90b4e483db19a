"""Replicate-weight variance: jackknife (JK1, JKn) and the Rao–Wu rescaling bootstrap.

R's ``as.svrepdesign`` / ``svrepdesign`` (Lumley 2010, §2.6; Wolter 2007, ch. 4–5). Each
replicate r re-weights the PSUs; an estimator computed with every replicate's weights gives
theta_r, and

    v = scale · sum_r rscale_r (theta_r − c)²,

c = the mean of the replicate estimates (R's default, ``mse = FALSE``) or the full-sample
estimate (``mse = True``).

- **JK1** (one stratum, n PSUs; Wolter 2007, §4.2): replicate r drops PSU r and multiplies the
  others by n/(n − 1); scale = (1 − f)(n − 1)/n, rscale = 1.
- **JKn** (strata; Wolter 2007, §4.5): one replicate per PSU, dropping it and multiplying the
  rest of its stratum by n_h/(n_h − 1), other strata unchanged; scale = 1,
  rscale = (1 − f_h)(n_h − 1)/n_h. f = n/N is the sampling fraction (0 without FPC), as R's
  ``jknweights``.
- **Rao–Wu rescaling bootstrap** (Rao & Wu 1988; Rao, Wu & Yue 1992): in each stratum draw
  n_h − 1 PSUs with replacement; a PSU drawn m times gets weight w · m · n_h/(n_h − 1);
  scale = 1/(R − 1), rscale = 1 (R's ``type = "subbootstrap"``, which ignores the FPC).

Replicate weights are a matrix rows × R, exportable beside the weight column
(:meth:`ReplicateWeights.columns`), so other software can reproduce every SE.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse

from analysis.columns import WEIGHT
from analysis.design import Design, DesignArrays, FloatArray, IntArray, prepare_design
from analysis.domains import define_domains
from analysis.errors import AnalysisError
from analysis.influence import divide
from analysis.intervals import Interval, check_interval, confidence_interval
from analysis.linearization import sums_by

ReplicateMethod = Literal["JK1", "JKn", "bootstrap"]
REPLICATE_PREFIX = "repweight_"
# rows × replicates above this (1.6 GB of float64) is no longer a sensible jackknife.
MAX_JACKKNIFE_CELLS = 200_000_000


@dataclass(frozen=True)
class ReplicateWeights:
    """Full-sample weights, replicate weights (rows × R) and the variance constants."""

    weights: FloatArray
    replicates: FloatArray
    scale: float
    rscales: FloatArray
    method: str
    mse: bool = False

    def __post_init__(self) -> None:
        rows = self.weights.shape[0]
        if self.replicates.ndim != 2 or self.replicates.shape[0] != rows:
            raise AnalysisError(
                f"replicate weights must be a matrix with one row per response ({rows}), got "
                f"shape {self.replicates.shape}"
            )
        if self.rscales.shape != (self.replicates.shape[1],):
            raise AnalysisError("give one rscale per replicate")

    @property
    def count(self) -> int:
        return int(self.replicates.shape[1])

    def columns(self, index: pd.Index, prefix: str = REPLICATE_PREFIX) -> pd.DataFrame:
        """The weight column and ``repweight_1`` … ``repweight_R`` to write beside it."""
        width = len(str(self.count))
        names = [f"{prefix}{r + 1:0{width}d}" for r in range(self.count)]
        frame = pd.DataFrame(self.replicates, index=index, columns=names)
        frame.insert(0, WEIGHT, self.weights)
        return frame


def replicate_weights_from(
    weights: FloatArray | pd.Series,
    replicates: FloatArray | pd.DataFrame,
    *,
    scale: float,
    rscales: Sequence[float] | FloatArray | None = None,
    mse: bool = False,
    method: str = "supplied",
) -> ReplicateWeights:
    """Wrap replicate weights made elsewhere (R's ``svrepdesign(repweights =, scale =)``)."""
    matrix = np.asarray(replicates, dtype=np.float64)
    scales = np.ones(matrix.shape[1]) if rscales is None else np.asarray(rscales, np.float64)
    return ReplicateWeights(
        weights=np.asarray(weights, dtype=np.float64),
        replicates=matrix,
        scale=float(scale),
        rscales=scales,
        method=method,
        mse=mse,
    )


def _psus(arrays: DesignArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PSU code per row, stratum per PSU and the sampling fraction f_h per stratum."""
    if arrays.psu is None or arrays.psu_stratum is None:
        row_psu = np.arange(arrays.rows)
        psu_stratum = arrays.stratum
    else:
        row_psu, psu_stratum = arrays.psu, arrays.psu_stratum
    return row_psu, psu_stratum, 1.0 - arrays.fpc_factor


def jackknife_weights(
    responses: pd.DataFrame, design: Design, *, mse: bool = False
) -> ReplicateWeights:
    """Delete-one-PSU jackknife weights: JK1 without strata, JKn with (module docstring).

    A stratum with one PSU cannot be jackknifed: an error names it (merge it with another).
    There is one replicate per PSU, so the matrix is rows × PSUs: for large element samples
    use :func:`bootstrap_weights` (an error says so beyond ``MAX_JACKKNIFE_CELLS``).
    """
    arrays = prepare_design(responses, design)
    row_psu, psu_stratum, fraction = _psus(arrays)
    if arrays.rows * psu_stratum.shape[0] > MAX_JACKKNIFE_CELLS:
        raise AnalysisError(
            f"the jackknife needs one replicate per PSU: {arrays.rows} rows × "
            f"{psu_stratum.shape[0]} PSUs is too large; use bootstrap_weights (50+ replicates)"
        )
    n_h = arrays.n_psu.astype(np.float64)
    lonely = np.flatnonzero(n_h == 1)
    if lonely.size:
        raise AnalysisError(
            f"stratum {arrays.stratum_labels[int(lonely[0])]!r} holds a single PSU: the "
            "jackknife cannot drop it; merge it with a similar stratum"
        )
    psu_count = psu_stratum.shape[0]
    row_stratum = psu_stratum[row_psu]
    factor = n_h / (n_h - 1.0)
    replicates = np.repeat(arrays.weights[:, None], psu_count, axis=1)
    in_stratum = row_stratum[:, None] == psu_stratum[None, :]
    replicates = np.where(in_stratum, replicates * factor[row_stratum][:, None], replicates)
    replicates[np.arange(arrays.rows), row_psu] = 0.0
    if design.strata is None:
        method = "JK1"
        scale = float((1.0 - fraction[0]) * (n_h[0] - 1.0) / n_h[0])
        rscales = np.ones(psu_count)
    else:
        method = "JKn"
        scale = 1.0
        rscales = ((1.0 - fraction) * (n_h - 1.0) / n_h)[psu_stratum]
    return ReplicateWeights(arrays.weights, replicates, scale, rscales, method, mse)


def bootstrap_weights(
    responses: pd.DataFrame,
    design: Design,
    replicates: int = 50,
    *,
    rng: np.random.Generator,
    mse: bool = False,
) -> ReplicateWeights:
    """Rao–Wu rescaling bootstrap weights, n_h − 1 PSUs drawn per stratum (module docstring).

    ``rng`` makes the draw reproducible (``np.random.default_rng(seed)``); the FPC is
    ignored, as in R's ``subbootstrap``.
    """
    if replicates < 2:
        raise AnalysisError(f"replicates={replicates} is too few; use 50 or more")
    arrays = prepare_design(responses, design)
    row_psu, psu_stratum, _ = _psus(arrays)
    n_h = arrays.n_psu
    if bool((n_h < 2).any()):
        label = arrays.stratum_labels[int(np.flatnonzero(n_h < 2)[0])]
        raise AnalysisError(f"stratum {label!r} holds a single PSU: merge it before the bootstrap")
    counts = np.zeros((psu_stratum.shape[0], replicates))
    columns = np.arange(replicates)
    order = np.argsort(psu_stratum, kind="stable")
    bounds = np.searchsorted(psu_stratum[order], np.arange(arrays.strata_count + 1))
    for h in range(arrays.strata_count):
        members = order[bounds[h] : bounds[h + 1]]
        size = members.size
        draws = rng.integers(0, size, size=(size - 1, replicates))
        # Count every replicate's draws in one bincount: replicate r owns bins r*size...
        tally = np.bincount((draws + columns * size).ravel(), minlength=size * replicates)
        counts[members] = tally.reshape(replicates, size).T
    counts *= (n_h / (n_h - 1.0))[psu_stratum][:, None]
    # Element designs: PSU codes are the rows, so the PSU matrix is already the row matrix.
    matrix = counts if arrays.psu is None else counts[row_psu]
    matrix *= arrays.weights[:, None]
    return ReplicateWeights(
        arrays.weights, matrix, 1.0 / (replicates - 1), np.ones(replicates), "bootstrap", mse
    )


def replicate_variance(
    estimate: FloatArray, replicate_estimates: FloatArray, replicate: ReplicateWeights
) -> FloatArray:
    """v = scale · sum_r rscale_r (theta_r − c)² per column (R's ``svrVar``; module docstring).

    ``replicate_estimates`` is R × k (one row per replicate), ``estimate`` has k values.
    """
    thetas = np.asarray(replicate_estimates, dtype=np.float64)
    if replicate.mse:
        centre = np.asarray(estimate, dtype=np.float64)
    else:
        centre = thetas[replicate.rscales > 0].mean(axis=0)
    deviations = thetas - centre
    variance: FloatArray = replicate.scale * np.einsum(
        "r,rk->k", replicate.rscales, deviations * deviations
    )
    return variance


def _domain_sums(
    values: FloatArray, index: IntArray, count: int, weights: FloatArray
) -> FloatArray:
    """sum_{i in d} values_i weights_ir for every domain d and every column r (count × R).

    One sparse product (domains × rows, one entry per row in a domain) with the weight matrix:
    each row of the weights is read once, whatever the number of replicates.
    """
    inside = index < count
    rows = np.flatnonzero(inside)
    selector = sparse.csr_matrix(
        (values[inside], (index[inside], rows)), shape=(count, values.shape[0])
    )
    sums: FloatArray = np.asarray(selector @ weights, dtype=np.float64)
    return sums


def estimate_replicated(
    responses: pd.DataFrame,
    variables: str | Sequence[str],
    replicate: ReplicateWeights,
    *,
    statistic: Literal["mean", "total", "ratio"] = "mean",
    denominator: str | None = None,
    by: str | Sequence[str] = (),
    confidence: float = 0.95,
    interval: Interval = "normal",
) -> pd.DataFrame:
    """Means, totals or ratios (to ``denominator``) with replicate-weight SEs, by domain.

    R's ``svymean``/``svytotal``/``svyratio`` (and ``svyby``) on a replicate design: every
    replicate's weights give theta_r, the variance is :func:`replicate_variance`. Missing
    values leave the estimate (``na.rm = TRUE``). Columns: by-columns, ``variable``,
    ``estimate``, ``se``, ``ci_low``, ``ci_high`` (normal by default, as R's ``confint`` on a
    replicate design), ``n``.
    """
    check_interval(interval)
    if (statistic == "ratio") != (denominator is not None):
        raise AnalysisError("give a denominator column exactly when statistic='ratio'")
    domains = define_domains(responses, [by] if isinstance(by, str) else by)
    count = domains.count
    names = [variables] if isinstance(variables, str) else list(variables)
    bottom = (
        np.ones(len(responses))
        if denominator is None
        else responses[denominator].to_numpy(dtype=np.float64, na_value=np.nan)
    )
    matrix = replicate.replicates
    tables = []
    for name in names:
        if name not in responses.columns:
            raise AnalysisError(f"responses have no column {name!r} to estimate")
        top = responses[name].to_numpy(dtype=np.float64, na_value=np.nan)
        present = ~np.isnan(top) & ~np.isnan(bottom) & (domains.codes >= 0)
        index = np.where(present, domains.codes, count)
        y, x = np.where(present, top, 0.0), np.where(present, bottom, 0.0)
        # Column 0: the full-sample weights; then the replicates.
        numerator = np.column_stack(
            [sums_by(index, replicate.weights * y, count), _domain_sums(y, index, count, matrix)]
        )
        if statistic == "total":
            thetas_all = numerator
        else:
            denominators = np.column_stack(
                [
                    sums_by(index, replicate.weights * x, count),
                    _domain_sums(x, index, count, matrix),
                ]
            )
            thetas_all = divide(numerator, denominators)
        estimate, thetas = thetas_all[:, 0], thetas_all[:, 1:].T
        se = np.sqrt(replicate_variance(estimate, thetas, replicate))
        df = np.inf if interval == "normal" else float(replicate.count - 1)
        low, high = confidence_interval(estimate, se, confidence, df, interval)
        table = domains.labels.reset_index(drop=True).assign(
            variable=name,
            estimate=estimate,
            se=se,
            ci_low=low,
            ci_high=high,
            n=sums_by(index, present, count).astype(np.int64),
        )
        tables.append(table)
    if not tables:
        raise AnalysisError("nothing to estimate: give at least one variable")
    return pd.concat(tables, ignore_index=True)
