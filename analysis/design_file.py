"""The weighting design file (TOML): strata and their counts, margins, trimming.

Format and a full example: ``analysis/README.md`` ("Design file"). Paths inside the file are
relative to the file. Every problem raises :class:`AnalysisError` naming the file and key.
"""

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import pandas as pd

from analysis.columns import FIELD, TARGET, TRANSACTIONS, UNIT, as_codes, numeric_column
from analysis.errors import AnalysisError
from analysis.margins import Collapse, Margin, margin_from_table
from analysis.raking import RAKE_MAX_ITERATIONS, RAKE_TOLERANCE
from analysis.units import unit_totals

Method = Literal["rake", "poststratify", "linear", "none"]
METHODS: tuple[Method, ...] = ("rake", "poststratify", "linear", "none")


@dataclass(frozen=True)
class Trimming:
    """Bounds for :func:`analysis.trimming.trim_weights`; with ``relative_to_mean`` they are
    multiples of the mean weight before trimming."""

    lower: float = -math.inf
    upper: float = math.inf
    strict: bool = False
    relative_to_mean: bool = False


@dataclass(frozen=True)
class WeightingDesign:
    """A parsed design file: what the ``weights`` command does, step by step."""

    source: str
    stratum: str
    population: Mapping[str, float]
    method: Method = "rake"
    margins: tuple[Margin, ...] = ()
    numeric_totals: Mapping[str, float] = field(default_factory=dict)
    population_size: float | None = None
    collapse: Collapse = field(default_factory=dict)
    skip_missing: tuple[str, ...] = ()
    tolerance: float = RAKE_TOLERANCE
    max_iterations: int = RAKE_MAX_ITERATIONS
    trimming: Trimming | None = None
    skipped_target_rows: Mapping[str, int] = field(default_factory=dict)


def read_table(path: Path, what: str) -> pd.DataFrame:
    """Read a CSV of codes and counts as text (codes keep leading zeros; empty cells are NA)."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except FileNotFoundError as error:
        raise AnalysisError(f"{what}: file {str(path)!r} not found") from error
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise AnalysisError(f"{what}: cannot read {str(path)!r} as CSV ({error})") from error


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise AnalysisError(f"{where} must be a number, got {value!r}")
    return float(value)


SECTION_KEYS = {
    "design": {"stratum", "population", "count"},
    "adjustment": {
        "method",
        "margins",
        "collapse",
        "numeric_totals",
        "population_size",
        "tolerance",
        "max_iterations",
        "skip_missing",
    },
    "trimming": {"lower", "upper", "strict", "relative_to_mean"},
}
MARGIN_KEYS = {"columns", "column", "targets", "count"}


def _table(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise AnalysisError(f"{where}: [{key}] must be a table")
    unknown = set(value) - SECTION_KEYS[key]
    if unknown:
        raise AnalysisError(
            f"{where}: unknown [{key}] key(s) {sorted(unknown)}; known: {sorted(SECTION_KEYS[key])}"
        )
    return value


def _population(section: dict[str, Any], stratum: str, base: Path, where: str) -> dict[str, float]:
    source = section.get("population")
    if isinstance(source, dict):
        return {
            str(code): _number(count, f"{where} population.{code}")
            for code, count in source.items()
        }
    if not isinstance(source, str):
        raise AnalysisError(f"{where}: [design] population must be a CSV path or an inline table")
    table = read_table(base / source, f"{where} population")
    if FIELD in table.columns:
        if stratum != UNIT:
            raise AnalysisError(
                f"{where}: a units table ({FIELD!r} column) gives counts per {UNIT!r}, "
                f"but the stratum is {stratum!r}"
            )
        totals = unit_totals(table)
        return dict(zip(totals[UNIT], totals[TRANSACTIONS].astype(float), strict=True))
    count = str(section.get("count", TRANSACTIONS))
    if stratum not in table.columns:
        raise AnalysisError(f"{where}: population CSV {source!r} has no column {stratum!r}")
    codes = as_codes(table[stratum], stratum)
    if bool(codes.isna().any()) or bool(codes.duplicated().any()):
        raise AnalysisError(
            f"{where}: population CSV {source!r} needs one row per {stratum!r}, none empty"
        )
    counts = numeric_column(table, count, what=f"population CSV {source!r}")
    return dict(zip(codes.tolist(), counts.tolist(), strict=True))


def _flatten(targets: dict[str, Any], depth: int, where: str) -> dict[tuple[str, ...], float]:
    """Flatten nested inline targets {a: {b: n}} of a crossed margin to {(a, b): n}."""
    cells: dict[tuple[str, ...], float] = {}
    for level, value in targets.items():
        if depth == 1:
            cells[(level,)] = _number(value, f"{where}.{level}")
        elif isinstance(value, dict):
            for rest, count in _flatten(value, depth - 1, f"{where}.{level}").items():
                cells[(level, *rest)] = count
        else:
            raise AnalysisError(f"{where}.{level} must be a table (one level per crossed column)")
    return cells


def _margin(entry: Any, base: Path, where: str) -> tuple[Margin, int]:
    """Return a margin and how many target-CSV rows were skipped for an empty level."""
    if not isinstance(entry, dict):
        raise AnalysisError(f"{where} must be a table with `columns` and `targets`")
    unknown = set(entry) - MARGIN_KEYS
    if unknown:
        raise AnalysisError(
            f"{where}: unknown key(s) {sorted(unknown)}; known: {sorted(MARGIN_KEYS)}"
        )
    columns = entry.get("columns", entry.get("column"))
    names = [columns] if isinstance(columns, str) else columns
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise AnalysisError(f"{where}: `columns` must be a column name or a list of them")
    targets = entry.get("targets")
    if isinstance(targets, dict):
        return Margin(names, _flatten(targets, len(names), f"{where}.targets")), 0
    if not isinstance(targets, str):
        raise AnalysisError(f"{where}: `targets` must be a CSV path or an inline table")
    table = read_table(base / targets, f"{where} targets")
    missing = [name for name in names if name not in table.columns]
    if missing:
        raise AnalysisError(f"{where}: targets CSV {targets!r} lacks column(s) {missing}")
    # Rows with an empty level are totals (e.g. the unit rows of the units table): skip them.
    empty = table[names].isna().any(axis=1)
    count = str(entry.get("count", TARGET))
    return margin_from_table(names, table[~empty], count), int(empty.sum())


def _trimming(section: dict[str, Any], where: str) -> Trimming | None:
    if not section:
        return None
    strict = section.get("strict", False)
    relative = section.get("relative_to_mean", False)
    if not isinstance(strict, bool) or not isinstance(relative, bool):
        raise AnalysisError(f"{where}: [trimming] strict and relative_to_mean are true/false")
    return Trimming(
        lower=_number(section.get("lower", -math.inf), f"{where} trimming.lower"),
        upper=_number(section.get("upper", math.inf), f"{where} trimming.upper"),
        strict=strict,
        relative_to_mean=relative,
    )


def parse_design(
    data: Mapping[str, Any], base: Path, source: str = "design file"
) -> WeightingDesign:
    """Build a :class:`WeightingDesign` from the parsed TOML; CSV paths are relative to ``base``."""
    unknown = set(data) - {"design", "adjustment", "trimming"}
    if unknown:
        raise AnalysisError(f"{source}: unknown section(s) {sorted(unknown)}")
    design = _table(data, "design", source)
    stratum = str(design.get("stratum", UNIT))
    adjustment = _table(data, "adjustment", source)
    method = adjustment.get("method", "rake")
    if method not in METHODS:
        raise AnalysisError(f"{source}: adjustment.method must be one of {list(METHODS)}")
    entries = adjustment.get("margins", [])
    if not isinstance(entries, list):
        raise AnalysisError(f"{source}: margins must be written [[adjustment.margins]]")
    parsed = [
        _margin(entry, base, f"{source} adjustment.margins[{position}]")
        for position, entry in enumerate(entries)
    ]
    if method in ("rake", "poststratify") and not parsed:
        raise AnalysisError(f"{source}: method {method!r} needs [[adjustment.margins]]")
    if method == "poststratify" and len(parsed) != 1:
        raise AnalysisError(
            f"{source}: poststratify takes one margin (list crossed columns in it); "
            "use method = 'rake' for several margins"
        )
    collapse = adjustment.get("collapse", {})
    if not isinstance(collapse, dict) or not all(isinstance(v, dict) for v in collapse.values()):
        raise AnalysisError(f"{source}: adjustment.collapse maps a column to {{level = merged}}")
    numeric = adjustment.get("numeric_totals", {})
    if not isinstance(numeric, dict):
        raise AnalysisError(f"{source}: adjustment.numeric_totals must be an inline table")
    skip_missing = adjustment.get("skip_missing", [])
    if not isinstance(skip_missing, list) or not all(isinstance(c, str) for c in skip_missing):
        raise AnalysisError(f"{source}: adjustment.skip_missing must be a list of column names")
    if skip_missing and method != "rake":
        raise AnalysisError(f"{source}: adjustment.skip_missing works with method = 'rake' only")
    size = adjustment.get("population_size")
    iterations = adjustment.get("max_iterations", RAKE_MAX_ITERATIONS)
    if not isinstance(iterations, int) or isinstance(iterations, bool) or iterations < 1:
        raise AnalysisError(f"{source}: adjustment.max_iterations must be a whole number >= 1")
    return WeightingDesign(
        source=source,
        stratum=stratum,
        population=_population(design, stratum, base, source),
        method=cast(Method, method),
        margins=tuple(margin for margin, _ in parsed),
        numeric_totals={
            str(name): _number(total, f"{source} numeric_totals.{name}")
            for name, total in numeric.items()
        },
        population_size=None if size is None else _number(size, f"{source} population_size"),
        collapse={
            str(column): {str(level): str(merged) for level, merged in levels.items()}
            for column, levels in collapse.items()
        },
        skip_missing=tuple(skip_missing),
        tolerance=_number(adjustment.get("tolerance", RAKE_TOLERANCE), f"{source} tolerance"),
        max_iterations=iterations,
        trimming=_trimming(_table(data, "trimming", source), source),
        skipped_target_rows={margin.label: skipped for margin, skipped in parsed if skipped},
    )


def read_design(path: str | Path) -> WeightingDesign:
    """Read and check the design file at ``path``."""
    design_path = Path(path)
    try:
        with open(design_path, "rb") as design_file:
            data = tomllib.load(design_file)
    except FileNotFoundError as error:
        raise AnalysisError(f"design file {str(path)!r} not found") from error
    except tomllib.TOMLDecodeError as error:
        raise AnalysisError(f"design file {str(path)!r} is not valid TOML: {error}") from error
    return parse_design(data, design_path.parent, str(path))
