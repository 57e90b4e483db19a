"""Quota cells: split each unit's sample target across procedure fields or sex × age groups.

Allocation is proportional (to transactions by field, or to known population shares) and
rounded with the largest-remainder (Hamilton) method, so each unit's cells sum exactly to its
target. Remainders are compared as exact fractions; ties go to the larger weight, then to the
smaller cell label, so the result does not depend on the row order of the input.
"""

from collections.abc import Hashable, Mapping, Sequence
from fractions import Fraction

import numpy as np
import pandas as pd

from analysis.columns import (
    AGE_GROUP,
    FIELD,
    SEX,
    SHARE,
    TARGET,
    TRANSACTIONS,
    UNIT,
    as_codes,
    numeric_column,
)
from analysis.errors import AnalysisError


def largest_remainder(total: int, weights: Mapping[Hashable, float] | pd.Series) -> pd.Series:
    """Split the integer ``total`` proportionally to ``weights``; the parts sum to ``total``.

    Hamilton's method: each cell gets floor(total · w / Σw), then the cells with the largest
    remainders get one more until the total is reached (Balinski & Young 1982, "Fair
    Representation", ch. 2). Returns int64 counts indexed by the weights' labels.
    """
    series = pd.Series(weights, dtype="float64")
    if total < 0 or int(total) != total:
        raise AnalysisError(f"the total to allocate must be a whole number >= 0, got {total!r}")
    values = series.to_numpy()
    if not bool(np.all(np.isfinite(values))) or bool(np.any(values < 0)):
        raise AnalysisError("allocation weights must be finite and >= 0")
    exact = [Fraction(float(value)) for value in values]
    weight_sum = sum(exact, Fraction(0))
    if weight_sum == 0:
        if total == 0:
            return pd.Series(np.zeros(len(values), dtype="int64"), index=series.index)
        raise AnalysisError(f"cannot allocate {total} across cells whose weights are all zero")
    quotas = [Fraction(int(total)) * value / weight_sum for value in exact]
    counts = [int(quota) for quota in quotas]
    shortfall = int(total) - sum(counts)
    order = sorted(
        range(len(quotas)),
        key=lambda i: (-(quotas[i] - counts[i]), -exact[i], str(series.index[i])),
    )
    for i in order[:shortfall]:
        counts[i] += 1
    return pd.Series(np.asarray(counts, dtype="int64"), index=series.index)


def _unit_targets_by_code(targets: pd.DataFrame) -> pd.Series:
    if UNIT not in targets.columns or TARGET not in targets.columns:
        raise AnalysisError(f"unit targets need columns {UNIT!r} and {TARGET!r}")
    units = as_codes(targets[UNIT], UNIT)
    counts = numeric_column(targets, TARGET, what="unit targets")
    if bool(units.duplicated().any()):
        raise AnalysisError(f"unit targets list unit {units[units.duplicated()].iloc[0]!r} twice")
    return pd.Series(counts, index=units.to_numpy())


def _allocate(
    targets: pd.DataFrame, cells: pd.DataFrame, cell_columns: Sequence[str], weight: str
) -> pd.DataFrame:
    """Allocate every unit's target across its rows of ``cells`` in proportion to ``weight``."""
    by_unit = _unit_targets_by_code(targets)
    pieces: list[pd.DataFrame] = []
    for unit, unit_cells in cells.groupby(UNIT, sort=False):
        if unit not in by_unit.index:
            continue
        labels = pd.MultiIndex.from_frame(unit_cells[list(cell_columns)])
        if labels.has_duplicates:
            raise AnalysisError(f"unit {unit!r} lists a {'/'.join(cell_columns)} cell twice")
        weights = pd.Series(unit_cells[weight].to_numpy(), index=labels)
        allocation = largest_remainder(int(by_unit[unit]), weights)
        piece = unit_cells.reset_index(drop=True)
        piece[TARGET] = allocation.to_numpy()
        pieces.append(piece)
    columns = [UNIT, *cell_columns, weight, TARGET]
    if not pieces:
        return pd.DataFrame({name: [] for name in columns})
    return pd.concat(pieces, ignore_index=True)[columns]


def field_targets(targets: pd.DataFrame, fields: pd.DataFrame) -> pd.DataFrame:
    """Split unit targets across procedure fields in proportion to transactions.

    ``targets``: unit_code, target (e.g. from :func:`analysis.sampling.unit_targets`);
    ``fields``: unit_code, field, transactions (:func:`analysis.units.field_counts`). Returns
    unit_code, field, transactions, target; units without a field split are left out.
    """
    cells = pd.DataFrame(
        {
            UNIT: as_codes(fields[UNIT], UNIT).to_numpy(),
            FIELD: as_codes(fields[FIELD], FIELD).to_numpy(),
            TRANSACTIONS: numeric_column(fields, TRANSACTIONS, what="field split"),
        }
    )
    if bool((cells[TRANSACTIONS] % 1 == 0).all()):
        cells[TRANSACTIONS] = cells[TRANSACTIONS].astype("int64")
    return _allocate(targets, cells, [FIELD], TRANSACTIONS)


def sex_age_targets(targets: pd.DataFrame, shares: pd.DataFrame) -> pd.DataFrame:
    """Split unit targets across sex × age-group cells in proportion to known ``shares``.

    ``shares``: sex, age_group, share, and optionally unit_code (per-unit shares; units not
    listed are left out); without unit_code the same shares apply to every unit. Shares need
    not sum to 1 (they are normalised per unit). Returns unit_code, sex, age_group, share,
    target.
    """
    missing = [name for name in (SEX, AGE_GROUP, SHARE) if name not in shares.columns]
    if missing:
        raise AnalysisError(f"sex × age shares lack column(s) {missing}")
    cells = pd.DataFrame(
        {
            SEX: as_codes(shares[SEX], SEX).to_numpy(),
            AGE_GROUP: as_codes(shares[AGE_GROUP], AGE_GROUP).to_numpy(),
            SHARE: numeric_column(shares, SHARE, what="sex × age shares"),
        }
    )
    if UNIT in shares.columns:
        cells.insert(0, UNIT, as_codes(shares[UNIT], UNIT).to_numpy())
    else:
        units = _unit_targets_by_code(targets).index
        cells = pd.concat([cells.assign(**{UNIT: unit}) for unit in units], ignore_index=True)
    return _allocate(targets, cells, [SEX, AGE_GROUP], SHARE)
