"""Quota cells: largest-remainder allocation by field and by sex × age group."""

import numpy as np
import pandas as pd
import pytest

from analysis.columns import AGE_GROUP, FIELD, SEX, SHARE, TARGET, TRANSACTIONS, UNIT
from analysis.errors import AnalysisError
from analysis.quotas import field_targets, largest_remainder, sex_age_targets


def test_largest_remainder_sums_exactly_and_follows_hamilton() -> None:
    # Quotas 4.29, 2.86, 2.86 (total 10 of weights 3, 2, 2): floors 4, 2, 2; the two
    # largest remainders (0.857 each) get the extra units.
    counts = largest_remainder(10, {"a": 3, "b": 2, "c": 2})
    assert counts.to_dict() == {"a": 4, "b": 3, "c": 3}
    assert counts.dtype == np.int64


def test_ties_are_broken_by_weight_then_label_whatever_the_order() -> None:
    assert largest_remainder(1, {"b": 1, "a": 1, "c": 1}).to_dict() == {"b": 0, "a": 1, "c": 0}
    assert largest_remainder(2, {"c": 1, "b": 1, "a": 1}).to_dict() == {"c": 0, "b": 1, "a": 1}
    # Exact fractions: 1/3 of 10 three times has equal remainders, not float noise.
    assert largest_remainder(10, {"x": 0.1, "y": 0.1, "z": 0.1}).to_dict() == {
        "x": 4,
        "y": 3,
        "z": 3,
    }


@pytest.mark.parametrize("seed", range(20))
def test_random_allocations_sum_to_the_total_and_stay_within_one_of_the_quota(seed: int) -> None:
    rng = np.random.default_rng(seed)
    weights = pd.Series(rng.integers(0, 1000, size=10), index=[f"f{i}" for i in range(10)])
    total = int(rng.integers(1, 500))
    counts = largest_remainder(total, weights)
    quota = total * weights / weights.sum()
    assert counts.sum() == total
    assert bool(((counts - quota).abs() < 1).all())
    assert bool((counts[weights == 0] == 0).all())


def test_allocation_errors() -> None:
    with pytest.raises(AnalysisError, match="all zero"):
        largest_remainder(5, {"a": 0, "b": 0})
    with pytest.raises(AnalysisError, match="finite and >= 0"):
        largest_remainder(5, {"a": -1, "b": 2})
    with pytest.raises(AnalysisError, match="whole number"):
        largest_remainder(-1, {"a": 1})
    assert largest_remainder(0, {"a": 0}).tolist() == [0]


TARGETS = pd.DataFrame({UNIT: ["pho_chau", "son_kim_1"], TARGET: [286, 150]})
FIELDS = pd.DataFrame(
    {
        UNIT: ["pho_chau"] * 3 + ["son_kim_1"] * 2 + ["not_sampled"],
        FIELD: ["ho_tich", "chung_thuc", "dat_dai", "ho_tich", "dat_dai", "ho_tich"],
        TRANSACTIONS: [500, 300, 200, 90, 30, 10],
    }
)


def test_field_targets_split_each_unit_in_proportion_to_transactions() -> None:
    cells = field_targets(TARGETS, FIELDS)
    assert list(cells.columns) == [UNIT, FIELD, TRANSACTIONS, TARGET]
    assert cells.groupby(UNIT)[TARGET].sum().to_dict() == {"pho_chau": 286, "son_kim_1": 150}
    assert cells[TARGET].tolist() == [143, 86, 57, 113, 37]


def test_field_targets_do_not_depend_on_row_order() -> None:
    shuffled = FIELDS.sample(frac=1, random_state=3)
    cells = field_targets(TARGETS, shuffled).set_index([UNIT, FIELD])[TARGET]
    expected = field_targets(TARGETS, FIELDS).set_index([UNIT, FIELD])[TARGET]
    pd.testing.assert_series_equal(cells.sort_index(), expected.sort_index())


def test_sex_age_targets_with_shared_or_per_unit_shares() -> None:
    shares = pd.DataFrame(
        {SEX: ["1", "1", "2", "2"], AGE_GROUP: ["1", "2", "1", "2"], SHARE: [0.2, 0.3, 0.2, 0.3]}
    )
    cells = sex_age_targets(TARGETS, shares)
    assert cells.groupby(UNIT)[TARGET].sum().to_dict() == {"pho_chau": 286, "son_kim_1": 150}
    assert cells[cells[UNIT] == "son_kim_1"][TARGET].tolist() == [30, 45, 30, 45]
    per_unit = shares.assign(**{UNIT: "son_kim_1"})
    only = sex_age_targets(TARGETS, per_unit)
    assert only[UNIT].unique().tolist() == ["son_kim_1"]


def test_quota_inputs_are_checked() -> None:
    with pytest.raises(AnalysisError, match="lack column"):
        sex_age_targets(TARGETS, pd.DataFrame({SEX: ["1"], SHARE: [1.0]}))
    twice = pd.concat([FIELDS, FIELDS.iloc[:1]])
    with pytest.raises(AnalysisError, match="twice"):
        field_targets(TARGETS, twice)
