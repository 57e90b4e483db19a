"""The data contract between the collection service and the analysis library.

Column names of the raw responses export and of the units/transactions table, and the checks
that a table honours them. The web app builds its DataFrames with these names; nothing else in
``analysis`` spells a column name literally.

Answer codes are text (the raw export writes the choice ``name``); :func:`as_codes` turns a
column read any reasonable way (strings, integers, integral floats) into text codes with
missing values as ``<NA>``, so callers need not care how the CSV was read.
"""

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import pandas as pd

from analysis.errors import AnalysisError

# Raw responses export (one row per response).
RESPONSE_ID = "response_id"
SUBMISSION_ID = "submission_id"
ROUND = "round_code"
UNIT = "unit_code"
FORM_ID = "form_id"
FORM_VERSION = "form_version"
SUBMITTED_AT = "submitted_at"
CHANNEL = "channel"
DURATION = "duration_seconds"
METADATA_COLUMNS = (
    RESPONSE_ID,
    SUBMISSION_ID,
    ROUND,
    UNIT,
    FORM_ID,
    FORM_VERSION,
    SUBMITTED_AT,
    CHANNEL,
    DURATION,
)

# Grouping questions of the default form (question names, so also column names).
SEX = "sex"
AGE_GROUP = "age_group"
FIELD = "field"

# Written by the weighting step.
WEIGHT = "weight"

# Units/transactions table (sample sizes, quotas, population counts).
KIND = "kind"
TRANSACTIONS = "transactions"
NAME = "name"
UNIT_KINDS = ("xa", "phuong", "thi_tran")

# Cell tables written by quotas and read by weighting.
TARGET = "target"
SHARE = "share"


def code_text(value: object) -> str:
    """Spell one code as text the way :func:`as_codes` does (``1`` and ``1.0`` give ``"1"``)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def as_codes(values: pd.Series, column: str | None = None) -> pd.Series:
    """Return ``values`` as text answer codes, stripped, with empty text and NaN as ``<NA>``.

    Integers and integral floats (a CSV read without ``dtype=str``) become ``"1"``, not
    ``"1.0"``. Anything else that is not text (booleans, dates, fractional numbers) is an
    :class:`AnalysisError` naming the column.
    """
    name = column if column is not None else str(values.name)
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = as_codes(pd.Series(values.cat.categories), name).to_numpy()
        positions = values.cat.codes.to_numpy()
        text = pd.Series(categories[np.maximum(positions, 0)], index=values.index, dtype="string")
        return text.mask(positions < 0, pd.NA)
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
        raise AnalysisError(
            f"column {name!r} holds {values.dtype} values, not answer codes; "
            "export the answer codes as text"
        )
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype("float64")
        present = numbers.notna().to_numpy()
        if not np.all(np.mod(numbers.to_numpy()[present], 1.0) == 0.0):
            raise AnalysisError(
                f"column {name!r} holds fractional numbers, not answer codes; "
                "export the answer codes as text"
            )
        text = numbers.astype("Int64").astype("string")
    else:
        # infer_dtype runs in C: a per-value isinstance check would dominate on 1e6 rows.
        inferred = pd.api.types.infer_dtype(values, skipna=True)
        if inferred not in ("string", "empty"):
            raise AnalysisError(
                f"column {name!r} holds {inferred} values, not text answer codes; "
                "export the answer codes as text"
            )
        text = values.astype("string").str.strip()
    return text.mask(text == "", pd.NA)


def validate_responses(
    responses: pd.DataFrame,
    items: Mapping[str, Collection[str]] | Sequence[str] = (),
    *,
    required: Sequence[str] = (RESPONSE_ID, UNIT),
) -> None:
    """Check ``responses`` against the data contract; raise one error listing every problem.

    ``items`` maps each question column the analysis will use to its allowed answer codes (an
    empty collection allows any code; a plain sequence of names only requires the columns).
    Checks: the ``required`` and item columns exist; response ids are present and unique;
    columns with allowed codes hold text codes (see :func:`as_codes`), all of them allowed.
    """
    allowed = dict(items) if isinstance(items, Mapping) else dict.fromkeys(items, ())
    problems: list[str] = []
    missing = [name for name in (*required, *allowed) if name not in responses.columns]
    if missing:
        problems.append(
            "missing column(s) " + ", ".join(repr(name) for name in dict.fromkeys(missing))
        )
    if RESPONSE_ID in responses.columns:
        ids = responses[RESPONSE_ID]
        if bool(ids.isna().any()):
            problems.append(f"{int(ids.isna().sum())} row(s) without a {RESPONSE_ID!r}")
        duplicated = ids[ids.duplicated(keep=False) & ids.notna()]
        if len(duplicated):
            examples = ", ".join(repr(str(value)) for value in duplicated.unique()[:5])
            problems.append(
                f"duplicate {RESPONSE_ID!r} value(s) {examples}: keep one row per response"
            )
    if UNIT in required and UNIT in responses.columns:
        blank_units = int(as_codes(responses[UNIT]).isna().sum())
        if blank_units:
            problems.append(f"{blank_units} row(s) without a {UNIT!r}")
    for name, codes in allowed.items():
        if name not in responses.columns or not codes:
            continue
        try:
            answers = as_codes(responses[name], name)
        except AnalysisError as error:
            problems.append(str(error))
            continue
        if codes:
            unknown = answers[answers.notna() & ~answers.isin(list(codes))]
            if len(unknown):
                found = ", ".join(repr(str(code)) for code in unknown.unique()[:5])
                known = ", ".join(repr(code) for code in codes)
                problems.append(
                    f"column {name!r} has {len(unknown)} unknown code(s) {found}; allowed: {known}"
                )
    if problems:
        raise AnalysisError("responses do not match the data contract: " + "; ".join(problems))


def numeric_column(table: pd.DataFrame, column: str, *, what: str = "table") -> np.ndarray:
    """Return ``table[column]`` as finite float64 values, or raise naming the bad rows.

    Accepts numbers and numeric text (CSV read with ``dtype=str``).
    """
    if column not in table.columns:
        raise AnalysisError(f"{what} has no column {column!r}")
    values = pd.to_numeric(table[column], errors="coerce").astype("float64").to_numpy()
    bad = ~np.isfinite(values)
    if bool(bad.any()):
        first = int(np.flatnonzero(bad)[0])
        raise AnalysisError(
            f"column {column!r} of the {what} needs a number in every row; "
            f"{int(bad.sum())} row(s) are empty or not numbers "
            f"(first: row {first + 1}, value {table[column].iloc[first]!r})"
        )
    return values
