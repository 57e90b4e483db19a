"""Design variance of linearised (influence) variables, for every domain in one pass.

An estimator linearised as theta_hat - theta ~ sum_i u_i has the Taylor-linearisation variance
(Lumley 2010, §2.2 and Appendix C; Särndal, Swensson & Wretman 1992, result 5.5.1 and §10.3)

    V = sum_h (1 - f_h) n_h / (n_h - 1) sum_{i=1}^{n_h} (z_hi - zbar_h)^2,

z_hi = the PSU totals of u in stratum h, zbar_h their mean over all n_h PSUs, f_h = n_h/N_h:
exactly R's ``survey:::onestrat``/``svyrecvar`` for ``svydesign(ids = ~1 | ~psu, strata,
fpc)``. For a domain, u is zero outside the domain but the stratum keeps its n_h PSUs (the
zeros count), which is what ``svyby`` and ``svymean(na.rm = TRUE)`` do. The sums run over the
(PSU, domain) pairs with :func:`numpy.bincount`, so every domain's variance costs O(rows).

Strata with one PSU follow R's ``survey.lonely.psu``: ``remove`` and ``certainty`` add
nothing (for one-stage designs R treats them alike), ``adjust`` centres the PSU total at zero
(the domain's estimate, since u is centred) instead of the stratum mean, and ``average``
replaces the missing strata by the average of the others (V x strata/(strata - lonely), counting
the strata with rows in the domain, as R does after ``na.rm`` drops rows).
"""

from dataclasses import dataclass

import numpy as np

from analysis.design import BoolArray, DesignArrays, FloatArray, IntArray
from analysis.domains import Domains


@dataclass(frozen=True)
class VarianceLayout:
    """Where each row's influence value goes: its (PSU, domain) unit and (stratum, domain) cell.

    Cells are numbered h * D + d; the cell numbered H * D collects rows outside every domain.
    ``row_unit`` is None when each row is its own PSU (then units are rows); ``unit_psu`` is
    the PSU code of each unit (None likewise).
    """

    strata: int
    domains: int
    row_cell: IntArray
    row_unit: IntArray | None
    unit_psu: IntArray | None
    unit_cell: IntArray
    units_per_cell: FloatArray
    design: DesignArrays

    @property
    def cells(self) -> int:
        return self.strata * self.domains


def layout_variance(design: DesignArrays, domains: Domains) -> VarianceLayout:
    """Index rows by (stratum, domain) cell and, for cluster designs, by (PSU, domain) unit."""
    strata, count = design.strata_count, domains.count
    outside = strata * count
    in_domain = domains.codes >= 0
    row_cell = np.where(in_domain, design.stratum * count + domains.codes, outside).astype(np.intp)
    if design.psu is None:
        row_unit = unit_psu = None
        unit_cell = row_cell
    else:
        pair = np.where(in_domain, design.psu.astype(np.int64) * count + domains.codes, -1)
        pairs, inverse = np.unique(pair, return_inverse=True)
        # np.unique sorts, so the -1 of rows outside every domain (if any) is pair 0.
        shift = 1 if pairs.size and pairs[0] < 0 else 0
        units = pairs.size - shift
        row_unit = np.where(in_domain, inverse - shift, units).astype(np.intp)
        unit_psu = (pairs[shift:] // count).astype(np.intp)
        unit_cell = np.full(units, outside, dtype=np.intp)
        unit_cell[row_unit[in_domain]] = row_cell[in_domain]
    units_per_cell = np.bincount(unit_cell, minlength=outside + 1)[:outside].astype(np.float64)
    return VarianceLayout(
        strata=strata,
        domains=count,
        row_cell=row_cell,
        row_unit=row_unit,
        unit_psu=unit_psu,
        unit_cell=unit_cell,
        units_per_cell=units_per_cell,
        design=design,
    )


def sums_by(index: IntArray, values: FloatArray | BoolArray, size: int) -> FloatArray:
    """Sum ``values`` by ``index`` into ``size`` bins (index ``size`` is a discarded overflow)."""
    return np.asarray(np.bincount(index, values, minlength=size + 1)[:size], dtype=np.float64)


def psu_totals(influence: FloatArray, layout: VarianceLayout) -> FloatArray:
    """Return z: the influence summed within each (PSU, domain) unit (rows outside are dropped)."""
    if layout.row_unit is None:
        return influence
    return sums_by(layout.row_unit, influence, layout.unit_cell.shape[0])


def combine_strata(
    centred_squares: FloatArray, totals: FloatArray, layout: VarianceLayout, present: BoolArray
) -> FloatArray:
    """Sum the per-cell squares over strata into one variance per domain, with the lonely policy.

    ``centred_squares`` is sum_i (z_hi - zbar_h)^2 per cell over all n_h PSUs, ``totals`` is
    sum_i z_hi per cell (the lonely PSU's total, for ``adjust``), ``present`` marks the rows
    that are in their domain with a valid answer (for ``average``). Formula: module docstring.
    """
    design = layout.design
    n_h = design.n_psu.astype(np.float64)
    regular = n_h > 1
    scale = np.where(regular, design.fpc_factor * n_h / np.where(regular, n_h - 1, 1), 0.0)
    by_cell = centred_squares.reshape(layout.strata, layout.domains) * scale[:, None]
    lonely = design.lonely
    if design.lonely_psu == "adjust" and bool(lonely.any()):
        lonely_totals = totals.reshape(layout.strata, layout.domains)[lonely]
        by_cell[lonely] = design.fpc_factor[lonely, None] * lonely_totals**2
    variance: FloatArray = by_cell.sum(axis=0)
    if design.lonely_psu == "average" and bool(lonely.any()):
        cells = layout.cells
        has_rows = sums_by(layout.row_cell, present, cells) > 0
        has_rows = has_rows.reshape(layout.strata, layout.domains)
        strata_in = has_rows.sum(axis=0).astype(np.float64)
        measured = strata_in - has_rows[lonely].sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            variance = np.where(measured > 0, variance * strata_in / measured, np.nan)
    return variance


def stratified_variance(
    influence: FloatArray, layout: VarianceLayout, present: BoolArray
) -> FloatArray:
    """Return the design variance of sum_i u_i for every domain (weights held fixed).

    ``influence`` is u per row, zero outside the row's domain and for invalid answers.
    Two passes (cell means, then squared deviations) keep the sums free of cancellation.
    """
    cells = layout.cells
    z = psu_totals(influence, layout)
    totals = sums_by(layout.unit_cell, z, cells)
    n_h = np.repeat(layout.design.n_psu.astype(np.float64), layout.domains)
    means = totals / n_h
    deviations = z - np.append(means, 0.0)[layout.unit_cell]
    squares = sums_by(layout.unit_cell, deviations * deviations, cells)
    # PSUs of the stratum outside the domain have z = 0: each adds mean^2.
    centred = squares + (n_h - layout.units_per_cell) * means * means
    return combine_strata(centred, totals, layout, present)
