"""The units/transactions table: per-unit totals and per-field splits.

The table (see ``analysis/README.md``) has one row per unit with an empty ``field`` (the unit
total) and/or one row per unit and procedure field (the split). These functions check it and
return the two tidy views the sampling, quota and weighting steps need.
"""

import numpy as np
import pandas as pd

from analysis.columns import FIELD, KIND, TRANSACTIONS, UNIT, UNIT_KINDS, as_codes, numeric_column
from analysis.errors import AnalysisError


def _checked_units(units: pd.DataFrame) -> pd.DataFrame:
    """Return unit_code, kind, field (text codes) and transactions (float counts)."""
    missing = [name for name in (UNIT, TRANSACTIONS) if name not in units.columns]
    if missing:
        raise AnalysisError(
            "units table is missing column(s) " + ", ".join(repr(name) for name in missing)
        )
    counts = numeric_column(units, TRANSACTIONS, what="units table")
    if bool(np.any(counts < 0)) or bool(np.any(np.mod(counts, 1.0) != 0.0)):
        raise AnalysisError(
            f"column {TRANSACTIONS!r} of the units table must hold whole numbers >= 0"
        )
    codes = as_codes(units[UNIT], UNIT)
    if bool(codes.isna().any()):
        raise AnalysisError(f"{int(codes.isna().sum())} row(s) of the units table lack {UNIT!r}")
    empty = pd.Series(pd.NA, index=units.index, dtype="string")
    kinds = as_codes(units[KIND], KIND) if KIND in units.columns else empty
    unknown_kinds = sorted(set(kinds.dropna()) - set(UNIT_KINDS))
    if unknown_kinds:
        raise AnalysisError(
            f"unknown unit {KIND!r} value(s) {unknown_kinds}; use one of {list(UNIT_KINDS)}"
        )
    fields = as_codes(units[FIELD], FIELD) if FIELD in units.columns else empty
    checked = pd.DataFrame(
        {UNIT: codes.to_numpy(), KIND: kinds.to_numpy(), FIELD: fields.to_numpy()}
    )
    checked[TRANSACTIONS] = counts
    per_unit_kinds = checked.dropna(subset=[KIND]).groupby(UNIT)[KIND].nunique()
    conflicting = per_unit_kinds.index[per_unit_kinds > 1].tolist()
    if conflicting:
        raise AnalysisError(f"unit(s) {conflicting} have rows with different {KIND!r} values")
    return checked


def unit_totals(units: pd.DataFrame) -> pd.DataFrame:
    """Return one row per unit: ``unit_code``, ``kind`` (``<NA>`` if absent), ``transactions``
    (int64).

    A unit's total is its row with an empty field, else the sum of its field rows; when both
    exist they must agree.
    """
    checked = _checked_units(units)
    kinds = checked.dropna(subset=[KIND]).groupby(UNIT, sort=False)[KIND].first()
    total_rows = checked[checked[FIELD].isna()]
    duplicated = total_rows[UNIT][total_rows[UNIT].duplicated()].unique().tolist()
    if duplicated:
        raise AnalysisError(
            f"unit(s) {duplicated} have more than one total row (empty {FIELD!r}); keep one"
        )
    stated = total_rows.set_index(UNIT)[TRANSACTIONS]
    split = checked.dropna(subset=[FIELD]).groupby(UNIT, sort=False)[TRANSACTIONS].sum()
    both = stated.index.intersection(split.index)
    disagree = [unit for unit in both if stated[unit] != split[unit]]
    if disagree:
        unit = disagree[0]
        raise AnalysisError(
            f"unit {unit!r}: total row says {stated[unit]:g} transactions but its field rows "
            f"sum to {split[unit]:g}; fix one of them or drop the total row"
        )
    order = pd.unique(checked[UNIT])
    totals = pd.concat([stated, split[~split.index.isin(stated.index)]]).reindex(order)
    result = pd.DataFrame({UNIT: order})
    result[KIND] = kinds.reindex(order).astype("string").to_numpy()
    result[TRANSACTIONS] = totals.to_numpy().astype("int64")
    return result


def field_counts(units: pd.DataFrame) -> pd.DataFrame:
    """Return the per-field split: ``unit_code``, ``field``, ``transactions`` (may be empty)."""
    checked = _checked_units(units)
    split = checked.dropna(subset=[FIELD])
    duplicated = split[split.duplicated(subset=[UNIT, FIELD])]
    if len(duplicated):
        first = duplicated.iloc[0]
        raise AnalysisError(
            f"unit {first[UNIT]!r} has more than one row for field {first[FIELD]!r}; keep one"
        )
    counts = split[[UNIT, FIELD, TRANSACTIONS]].reset_index(drop=True)
    return counts.astype({TRANSACTIONS: "int64"})
