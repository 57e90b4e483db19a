"""Trimming with R trimWeights semantics: one pass, or strict until within bounds."""

import numpy as np
import pandas as pd
import pytest

from analysis.errors import AnalysisError
from analysis.trimming import trim_weights
from tests.analysis.r_weighting import RELATIVE, fixture, r_weights, read_api


def test_one_pass_matches_r_and_may_leave_weights_outside() -> None:
    apiclus1 = read_api("apiclus1")
    bounds = fixture()["parameters"]["trim"]
    calibrated = r_weights("apiclus1_calibrate_linear_stype_api99")
    result = trim_weights(apiclus1, calibrated, bounds["lower"], bounds["upper"])
    np.testing.assert_allclose(result.weights, r_weights("apiclus1_trim_30_40"), rtol=RELATIVE)
    assert result.passes == 1
    assert result.weights.min() < bounds["lower"]  # redistribution pushed some below again


def test_strict_matches_r_and_ends_within_bounds() -> None:
    apiclus1 = read_api("apiclus1")
    calibrated = r_weights("apiclus1_calibrate_linear_stype_api99")
    result = trim_weights(apiclus1, calibrated, 30, 40, strict=True)
    np.testing.assert_allclose(
        result.weights, r_weights("apiclus1_trim_30_40_strict"), rtol=RELATIVE
    )
    assert result.passes > 1
    assert result.weights.between(30, 40).all()


@pytest.mark.parametrize("strict", [False, True])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_trimming_preserves_the_total(strict: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(3, 0.8, size=500)
    rows = pd.DataFrame(index=range(500))
    result = trim_weights(rows, weights, 0.5 * weights.mean(), 2.5 * weights.mean(), strict=strict)
    assert result.weights.sum() == pytest.approx(weights.sum(), rel=1e-12)


def test_one_pass_redistributes_equal_additive_shares() -> None:
    rows = pd.DataFrame(index=range(4))
    result = trim_weights(rows, [1.0, 2.0, 3.0, 10.0], upper=6)
    # 4 trimmed off the last unit, shared equally by the three inside: +4/3 each.
    np.testing.assert_allclose(result.weights, [1 + 4 / 3, 2 + 4 / 3, 3 + 4 / 3, 6.0])
    assert result.outside_per_pass == (1,)


def test_weights_inside_the_bounds_are_returned_unchanged() -> None:
    rows = pd.DataFrame(index=range(3))
    result = trim_weights(rows, [1.0, 2.0, 3.0], lower=1, upper=3, strict=True)
    np.testing.assert_array_equal(result.weights, [1.0, 2.0, 3.0])
    assert result.passes == 0


def test_negative_weights_can_be_trimmed_to_zero() -> None:
    rows = pd.DataFrame(index=range(3))
    result = trim_weights(rows, [-1.0, 4.0, 5.0], lower=0, strict=True)
    assert result.weights.min() >= 0
    assert result.weights.sum() == pytest.approx(8.0)


def test_impossible_bounds_are_errors() -> None:
    rows = pd.DataFrame(index=range(3))
    with pytest.raises(AnalysisError, match="reversed"):
        trim_weights(rows, [1.0, 2.0, 3.0], lower=3, upper=2)
    with pytest.raises(AnalysisError, match="widen the trimming bounds"):
        trim_weights(rows, [1.0, 2.0, 30.0], upper=5, strict=True)
    with pytest.raises(AnalysisError, match="every weight is outside"):
        trim_weights(rows, [10.0, 20.0, 30.0], upper=5)


def test_units_trimmed_at_each_bound_are_counted_apart() -> None:
    weights = np.array([1.0, 2.0, 3.0, 10.0, 10.0, 10.0, 40.0, 50.0, 60.0, 14.0])
    rows = pd.DataFrame(index=range(weights.size))
    result = trim_weights(rows, weights, 5.0, 30.0)
    assert result.below_per_pass == (3,)  # 1, 2 and 3 raised to 5
    assert result.above_per_pass == (3,)  # 40, 50 and 60 cut to 30
    assert result.outside_per_pass == (6,)


@pytest.mark.parametrize("seed", [4, 5])
def test_strict_counts_per_bound_add_up_per_pass(seed: int) -> None:
    weights = np.random.default_rng(seed).lognormal(3, 1.0, size=400)
    rows = pd.DataFrame(index=range(400))
    lower, upper = 0.4 * weights.mean(), 2.0 * weights.mean()
    result = trim_weights(rows, weights, lower, upper, strict=True)
    assert result.below_per_pass[0] == int((weights < lower).sum())
    assert result.above_per_pass[0] == int((weights > upper).sum())
    assert len(result.below_per_pass) == len(result.above_per_pass) == result.passes
