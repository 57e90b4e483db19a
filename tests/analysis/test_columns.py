"""The data contract: column names, answer codes as text, response and units table checks."""

import numpy as np
import pandas as pd
import pytest

from analysis.columns import (
    AGE_GROUP,
    FIELD,
    KIND,
    RESPONSE_ID,
    SEX,
    TRANSACTIONS,
    UNIT,
    WEIGHT,
    as_codes,
    numeric_column,
    validate_responses,
)
from analysis.errors import AnalysisError
from analysis.units import field_counts, unit_totals


def make_responses(**columns: list[object]) -> pd.DataFrame:
    base: dict[str, list[object]] = {
        RESPONSE_ID: ["r1", "r2", "r3"],
        UNIT: ["pho_chau", "pho_chau", "son_kim_1"],
        SEX: ["1", "2", ""],
    }
    return pd.DataFrame(base | columns)


def test_contract_names_match_the_raw_export() -> None:
    assert (RESPONSE_ID, UNIT, SEX, AGE_GROUP, FIELD, WEIGHT) == (
        "response_id",
        "unit_code",
        "sex",
        "age_group",
        "field",
        "weight",
    )


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (pd.Series(["1", " 2 ", "", None]), ["1", "2", None, None]),
        (pd.Series([1, 2, 3]), ["1", "2", "3"]),
        (pd.Series([1.0, np.nan, 5.0]), ["1", None, "5"]),
        (pd.Series(["a", "b", "a"], dtype="category"), ["a", "b", "a"]),
        (pd.Series([1, None], dtype="Int64"), ["1", None]),
    ],
)
def test_as_codes_turns_any_reasonable_reading_into_text(
    values: pd.Series, expected: list[str | None]
) -> None:
    codes = as_codes(values, "q")
    assert [None if pd.isna(code) else code for code in codes] == expected


@pytest.mark.parametrize(
    "values",
    [pd.Series([1.5, 2.0]), pd.Series([True, False]), pd.Series(["1", 2], dtype=object)],
)
def test_as_codes_rejects_values_that_are_not_codes(values: pd.Series) -> None:
    with pytest.raises(AnalysisError, match="'q'"):
        as_codes(values, "q")


def test_valid_responses_pass() -> None:
    validate_responses(make_responses(), {SEX: {"1", "2"}})


def test_validation_reports_every_problem_at_once() -> None:
    responses = make_responses(**{RESPONSE_ID: ["r1", "r1", "r3"], SEX: ["1", "3", "x"]})
    with pytest.raises(AnalysisError) as caught:
        validate_responses(responses, {SEX: {"1", "2"}, AGE_GROUP: {"1"}})
    message = str(caught.value)
    assert "missing column(s) 'age_group'" in message
    assert "duplicate 'response_id' value(s) 'r1'" in message
    assert "column 'sex' has 2 unknown code(s) '3', 'x'" in message


def test_validation_names_bad_types_and_blank_units() -> None:
    responses = make_responses(**{SEX: [1.5, 2.0, 1.0], UNIT: ["a", "", "b"]})
    with pytest.raises(AnalysisError) as caught:
        validate_responses(responses, {SEX: {"1", "2"}})
    assert "1 row(s) without a 'unit_code'" in str(caught.value)
    assert "column 'sex' holds fractional numbers" in str(caught.value)


def test_validation_with_a_list_only_requires_the_columns() -> None:
    validate_responses(make_responses(), [SEX])
    with pytest.raises(AnalysisError, match="'field'"):
        validate_responses(make_responses(), [SEX, FIELD])


def test_numeric_column_names_the_first_bad_row() -> None:
    table = pd.DataFrame({"n": ["3", "", "x"]})
    with pytest.raises(AnalysisError, match=r"2 row\(s\).*row 2"):
        numeric_column(table, "n")
    np.testing.assert_array_equal(numeric_column(pd.DataFrame({"n": ["3", "4.5"]}), "n"), [3, 4.5])


UNITS = pd.DataFrame(
    {
        UNIT: ["pho_chau", "pho_chau", "pho_chau", "son_kim_1", "son_kim_1", "tay_son"],
        KIND: ["thi_tran", "thi_tran", "thi_tran", "xa", "xa", "thi_tran"],
        FIELD: [None, "ho_tich", "dat_dai", "ho_tich", "chung_thuc", None],
        TRANSACTIONS: ["1000", "600", "400", "120", "80", "500"],
    }
)


def test_unit_totals_take_the_total_row_or_sum_the_fields() -> None:
    totals = unit_totals(UNITS)
    assert totals[UNIT].tolist() == ["pho_chau", "son_kim_1", "tay_son"]
    assert totals[KIND].tolist() == ["thi_tran", "xa", "thi_tran"]
    assert totals[TRANSACTIONS].tolist() == [1000, 200, 500]


def test_field_counts_list_the_split() -> None:
    fields = field_counts(UNITS)
    assert fields[FIELD].tolist() == ["ho_tich", "dat_dai", "ho_tich", "chung_thuc"]
    assert fields[TRANSACTIONS].sum() == 1200


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({UNIT: "pho_chau", KIND: "thi_tran", FIELD: "khac", TRANSACTIONS: "1"}, "sum to 1001"),
        ({UNIT: "tay_son", KIND: "thi_tran", FIELD: None, TRANSACTIONS: "1"}, "more than one"),
        ({UNIT: "tay_son", KIND: "xa", FIELD: "khac", TRANSACTIONS: "1"}, "different 'kind'"),
        ({UNIT: "x", KIND: "huyen", FIELD: None, TRANSACTIONS: "1"}, "unknown unit 'kind'"),
        ({UNIT: "x", KIND: "xa", FIELD: None, TRANSACTIONS: "2.5"}, "whole numbers"),
    ],
)
def test_inconsistent_units_tables_are_rejected(row: dict[str, object], message: str) -> None:
    units = pd.concat([UNITS, pd.DataFrame([row])], ignore_index=True)
    with pytest.raises(AnalysisError, match=message):
        unit_totals(units)
