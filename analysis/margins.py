"""Known population counts for weighting cells, and their matching to the responses.

A :class:`Margin` holds the population count of every level of one column, or of every cell of
several crossed columns (what post-stratification calls the post-strata). Levels are matched as
text codes, so a count keyed ``1`` matches the answer code ``"1"``. ``collapse`` merges sparse
levels before matching: ``{"age_group": {"5": "4"}}`` counts age group 5 as 4, in the responses
and in the targets alike.

Matching is vectorised: each column is factorised once and only its distinct values are turned
into text, so a million rows cost a few hash passes.
"""

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from analysis.columns import TARGET, as_codes, code_text, numeric_column
from analysis.errors import AnalysisError

Collapse = Mapping[str, Mapping[str, str]]
# Crossing columns with this many level combinations means an id-like column was crossed.
MAX_SAMPLE_CELLS = 10_000_000


@dataclass(frozen=True, init=False)
class Margin:
    """Population counts of the levels of ``columns`` (one column, or crossed columns).

    ``Margin("sex", {"1": 6800, "2": 7300})``; crossed:
    ``Margin(("sex", "age_group"), {("1", "1"): 900, ...})``.
    """

    columns: tuple[str, ...]
    targets: Mapping[tuple[str, ...], float]

    def __init__(
        self, columns: str | Sequence[str], targets: Mapping[Any, float] | pd.Series
    ) -> None:
        names = (columns,) if isinstance(columns, str) else tuple(columns)
        if not names:
            raise AnalysisError("a margin needs at least one column")
        label = "×".join(names)
        cells: dict[tuple[str, ...], float] = {}
        for key, count in dict(targets).items():
            parts = key if isinstance(key, tuple) else (key,)
            if len(parts) != len(names):
                raise AnalysisError(
                    f"margin {label!r}: target key {key!r} needs {len(names)} level(s)"
                )
            cell = tuple(code_text(part) for part in parts)
            value = float(count)
            if not (np.isfinite(value) and value >= 0):
                raise AnalysisError(
                    f"margin {label!r}: target of level {'/'.join(cell)!r} must be a number "
                    f">= 0, got {count!r}"
                )
            if cell in cells:
                raise AnalysisError(f"margin {label!r}: level {'/'.join(cell)!r} listed twice")
            cells[cell] = value
        if not cells:
            raise AnalysisError(f"margin {label!r} has no targets")
        object.__setattr__(self, "columns", names)
        object.__setattr__(self, "targets", MappingProxyType(cells))

    @property
    def label(self) -> str:
        """The margin's name in messages and reports, e.g. ``sex×age_group``."""
        return "×".join(self.columns)

    @property
    def total(self) -> float:
        return float(sum(self.targets.values()))


def margin_from_table(
    columns: str | Sequence[str], table: pd.DataFrame, count: str = TARGET
) -> Margin:
    """Build a margin from a table with the margin's column(s) and a ``count`` column."""
    names = (columns,) if isinstance(columns, str) else tuple(columns)
    missing = [name for name in (*names, count) if name not in table.columns]
    if missing:
        raise AnalysisError(f"margin table lacks column(s) {missing}")
    counts = numeric_column(table, count, what=f"margin {'×'.join(names)!r} table")
    levels = [as_codes(table[name], name) for name in names]
    for name, codes in zip(names, levels, strict=True):
        if bool(codes.isna().any()):
            raise AnalysisError(f"margin table has empty {name!r} value(s); fill or drop them")
    keys = list(zip(*(codes.tolist() for codes in levels), strict=True))
    return Margin(names, dict(zip(keys, counts.tolist(), strict=True)))


@dataclass(frozen=True)
class EncodedMargin:
    """A margin matched to the responses: per-row level index and the active levels' targets.

    Active levels are those with respondents; levels without respondents and a zero target are
    dropped, and (only with ``partial=True``) those with a positive target, listed in
    ``dropped``. Rows outside every active level (a skipped empty value, a dropped level) have
    code -1.
    """

    margin: Margin
    codes: np.ndarray
    targets: np.ndarray
    levels: tuple[tuple[str, ...], ...]
    dropped: tuple[tuple[str, ...], ...]


def collapse_margin(margin: Margin, collapse: Collapse | None) -> Margin:
    """Return ``margin`` with the levels merged by ``collapse`` (their targets summed)."""
    if not collapse or not any(name in collapse for name in margin.columns):
        return margin
    merged: dict[tuple[str, ...], float] = {}
    for cell, count in margin.targets.items():
        key = tuple(
            str(collapse.get(name, {}).get(level, level))
            for name, level in zip(margin.columns, cell, strict=True)
        )
        merged[key] = merged.get(key, 0.0) + count
    return Margin(margin.columns, merged)


def _column_codes(
    responses: pd.DataFrame, name: str, collapse: Collapse | None, allow_blank: bool
) -> tuple[np.ndarray, list[str]]:
    """Return per-row integer codes of a column (-1 for a blank, if allowed) and the
    (collapsed) text level of each code."""
    if name not in responses.columns:
        raise AnalysisError(f"responses have no column {name!r} to weight on")
    raw_codes, raw_levels = pd.factorize(responses[name], use_na_sentinel=True)
    texts = as_codes(pd.Series(raw_levels), name)
    mapping = (collapse or {}).get(name, {})
    texts = texts.map(lambda level: mapping.get(level, level) if isinstance(level, str) else level)
    blank = (raw_codes < 0) | texts.isna().to_numpy()[np.maximum(raw_codes, 0)]
    if bool(blank.any()) and not allow_blank:
        raise AnalysisError(
            f"column {name!r} is empty in {int(blank.sum())} row(s); weighting needs a level "
            "in every row: fill them, drop them, or (raking) let margins on this column skip "
            "them (skip_missing)"
        )
    level_codes, levels = pd.factorize(texts)
    codes = level_codes[np.maximum(raw_codes, 0)].astype("int64")
    codes[blank] = -1
    return codes, [str(level) for level in levels]


def encode_margin(
    responses: pd.DataFrame,
    weights: np.ndarray,
    margin: Margin,
    *,
    collapse: Collapse | None = None,
    partial: bool = False,
    skip_missing: Collection[str] = (),
) -> EncodedMargin:
    """Match ``margin`` to ``responses``; raise naming the margin and level on any mismatch.

    Errors (as R's postStratify): a level in the responses without a target; a level with a
    positive target but no respondent weight (unless ``partial``); respondents in a level whose
    target is 0; an empty value, unless its column is in ``skip_missing`` (code -1 then).
    """
    if len(responses) == 0:
        raise AnalysisError("there are no responses to weight")
    margin = collapse_margin(margin, collapse)
    columns = [
        _column_codes(responses, name, collapse, name in skip_missing) for name in margin.columns
    ]
    complete = all(bool(codes.min() >= 0) for codes, _ in columns)
    # Boolean masks cost a pass over every row; most margins have no empty values at all.
    mask = None if complete else np.all([codes >= 0 for codes, _ in columns], axis=0)
    known = slice(None) if mask is None else mask
    if mask is not None and not bool(mask.any()):
        raise AnalysisError(f"margin {margin.label!r}: every response lacks its column(s)")
    sizes = [len(levels) for _, levels in columns]
    cell_count = math.prod(sizes)
    if cell_count > MAX_SAMPLE_CELLS:
        raise AnalysisError(
            f"margin {margin.label!r} crosses {cell_count} combinations of levels; "
            "cross fewer or coarser columns"
        )
    # Sample cells are few (product of distinct levels), so matching them to targets by
    # dictionary is cheap; only the per-row passes touch every row.
    cell = np.ravel_multi_index([codes[known] for codes, _ in columns], sizes)
    cell_weight = np.bincount(cell, weights=weights[known], minlength=cell_count)
    cell_rows = np.bincount(cell, minlength=cell_count)
    present = np.flatnonzero(cell_rows)
    index = {level: position for position, level in enumerate(margin.targets)}
    lookup = np.full(cell_weight.size, -1, dtype="int64")
    for flat in present:
        parts = np.unravel_index(int(flat), sizes)
        key = tuple(columns[j][1][int(part)] for j, part in enumerate(parts))
        if key not in index:
            raise AnalysisError(
                f"margin {margin.label!r}: level {'/'.join(key)!r} has {int(cell_rows[flat])} "
                "respondent(s) but no target; add its population count or collapse it into "
                "another level"
            )
        lookup[flat] = index[key]
    level_weight = np.bincount(lookup[present], weights=cell_weight[present], minlength=len(index))
    level_rows = np.bincount(lookup[present], weights=cell_rows[present], minlength=len(index))
    targets = np.fromiter(margin.targets.values(), dtype="float64", count=len(index))
    labels = list(margin.targets)
    for position, level in enumerate(labels):
        if level_rows[position] > 0 and targets[position] == 0:
            raise AnalysisError(
                f"margin {margin.label!r}: level {'/'.join(level)!r} has "
                f"{int(level_rows[position])} respondent(s) but a target of 0; drop them or "
                "collapse the level"
            )
    unmatched = (level_weight <= 0) & (targets > 0)
    if bool(unmatched.any()) and not partial:
        level = labels[int(np.flatnonzero(unmatched)[0])]
        raise AnalysisError(
            f"margin {margin.label!r}: level {'/'.join(level)!r} has a target of "
            f"{targets[labels.index(level)]:g} but no respondents (with positive weight); "
            "collapse it into a neighbouring level"
        )
    active = np.flatnonzero(level_weight > 0)
    renumber = np.full(len(index), -1, dtype="int64")
    renumber[active] = np.arange(active.size)
    if complete:
        codes = renumber[lookup[cell]]
    else:
        codes = np.full(len(responses), -1, dtype="int64")
        codes[known] = renumber[lookup[cell]]
    return EncodedMargin(
        margin=margin,
        codes=codes,
        targets=targets[active],
        levels=tuple(labels[i] for i in active),
        dropped=tuple(labels[i] for i in np.flatnonzero(unmatched)),
    )
