"""Rank intervals (Klein, Wright & Wieczorek 2020): a worked example and simulated coverage."""

import numpy as np
import pandas as pd
import pytest

from analysis.errors import AnalysisError
from analysis.ranking import rank_intervals, rank_intervals_from_bounds

COMMUNES = 25
TRIALS = 600


def test_worked_example_counts_units_certainly_above_and_below() -> None:
    # a's interval lies above every other: rank 1 for sure; b and c overlap each other
    # (ranks 2-3); d overlaps c only (ranks 3-4).
    estimates = pd.Series({"a": 0.95, "b": 0.80, "c": 0.76, "d": 0.70})
    lower = pd.Series({"a": 0.90, "b": 0.75, "c": 0.71, "d": 0.62})
    upper = pd.Series({"a": 0.99, "b": 0.85, "c": 0.81, "d": 0.73})
    result = rank_intervals_from_bounds(estimates, lower, upper)
    assert result["rank"].tolist() == [1, 2, 3, 4]
    assert result["rank_low"].tolist() == [1, 2, 2, 3]
    assert result["rank_high"].tolist() == [1, 3, 4, 4]
    ascending = rank_intervals_from_bounds(estimates, lower, upper, descending=False)
    assert ascending["rank"].tolist() == [4, 3, 2, 1]
    assert ascending["rank_low"].tolist() == [4, 2, 1, 1]
    assert ascending["rank_high"].tolist() == [4, 3, 3, 2]


def test_units_without_an_estimate_are_not_ranked() -> None:
    result = rank_intervals(pd.Series({"a": 0.9, "b": np.nan, "c": 0.5}), [0.001, 0.01, 0.001])
    assert result["rank"].tolist() == [1, pd.NA, 2]
    assert result.loc["c", "rank_high"] == 2


def _true_ranks(theta: np.ndarray) -> np.ndarray:
    return (theta[None, :] > theta[:, None]).sum(axis=1) + 1


def _simulate(method: str, seed: int) -> tuple[float, float, float]:
    """Joint coverage of the rank intervals, of the point ranks, and the mean interval width.

    Coverage = the share of simulated surveys in which every commune's interval holds its
    true rank (Klein, Wright & Wieczorek 2020, §4 measure it the same way).
    """
    rng = np.random.default_rng(seed)
    # 25 communes, satisfaction 55-97 %, SEs of 1-2 points (a few hundred respondents each).
    theta = np.sort(rng.uniform(0.55, 0.97, COMMUNES))[::-1]
    se = rng.uniform(0.01, 0.02, COMMUNES)
    truth = _true_ranks(theta)
    covered = points = 0
    width = 0.0
    for _ in range(TRIALS):
        estimates = theta + rng.normal(0.0, se)
        result = rank_intervals(estimates, se, confidence=0.90, method=method)  # type: ignore[arg-type]
        low = result["rank_low"].to_numpy(dtype=float)
        high = result["rank_high"].to_numpy(dtype=float)
        covered += bool(((low <= truth) & (truth <= high)).all())
        points += bool((result["rank"].to_numpy(dtype=float) == truth).all())
        width += float((high - low).mean())
    return covered / TRIALS, points / TRIALS, width / TRIALS


@pytest.mark.parametrize("method", ["bonferroni", "sidak"])
def test_joint_coverage_reaches_the_nominal_level(method: str) -> None:
    coverage, point_coverage, width = _simulate(method, seed=20)
    # Monte Carlo SE of a 90 % coverage over 600 trials is 1.2 points: allow 3 points below
    # (the region is conservative, as the paper notes: measured coverage is near 1).
    assert coverage >= 0.90 - 0.03
    # The measure can fail: the point ranks alone get every commune right far less often.
    assert point_coverage < 0.5
    # Informative, not trivial: on average a commune's interval spans far fewer than 25 ranks.
    assert width < 12


def test_t_quantile_with_few_degrees_of_freedom_widens_the_intervals() -> None:
    estimates = np.linspace(0.95, 0.70, COMMUNES)
    se = np.full(COMMUNES, 0.02)
    normal = rank_intervals(estimates, se)
    student = rank_intervals(estimates, se, df=10)
    assert (student["ci_high"] - student["ci_low"] > normal["ci_high"] - normal["ci_low"]).all()
    assert (
        student["rank_high"] - student["rank_low"] >= normal["rank_high"] - normal["rank_low"]
    ).all()


def test_rank_interval_errors() -> None:
    with pytest.raises(AnalysisError, match="contain its estimate"):
        rank_intervals_from_bounds([0.5], [0.6], [0.7])
    with pytest.raises(AnalysisError, match="adjustment"):
        rank_intervals([0.5, 0.6], [0.1, 0.1], method="holm")  # type: ignore[arg-type]
    with pytest.raises(AnalysisError, match=">= 0"):
        rank_intervals([0.5, 0.6], [0.1, -0.1])
    with pytest.raises(AnalysisError, match="indexed like"):
        rank_intervals(pd.Series([0.5], index=["a"]), pd.Series([0.1], index=["b"]))
