"""Replicate-weight variance (JK1, JKn, Rao-Wu bootstrap) against R's as.svrepdesign
(tests/data/r_extensions.R), and the bootstrap's own properties."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.estimation import estimate_means
from analysis.replicates import (
    bootstrap_weights,
    estimate_replicated,
    jackknife_weights,
    replicate_weights_from,
)

DATA = Path(__file__).parents[1] / "data"
R = json.loads((DATA / "r_extensions.json").read_text())["replicates"]
RTOL = 1e-9
STRAT = Design(weights="pw", strata="stype", fpc="fpc")
CLUS = Design(weights="pw", psu="dnum", fpc="fpc")


@pytest.fixture(scope="module")
def apistrat() -> pd.DataFrame:
    return pd.read_csv(DATA / "apistrat.csv")


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(DATA / "apiclus1.csv")


def close(actual: object, expected: object, rtol: float = RTOL) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=float), expected, rtol=rtol, atol=0)


def test_jkn_with_fpc_matches_r(apistrat: pd.DataFrame) -> None:
    jkn = jackknife_weights(apistrat, STRAT)
    assert jkn.method == "JKn"
    assert jkn.count == len(apistrat)
    # R groups the replicates by stratum; ours follow the rows: compare the sorted constants.
    close(np.sort(jkn.rscales), np.sort(R["jkn_rscales"]))
    assert jkn.scale == R["jkn_scale"]
    for variable, statistic, key in (
        ("api00", "mean", "jkn_mean_api00"),
        ("enroll", "total", "jkn_total_enroll"),
        ("acs.k3", "mean", "jkn_mean_acs_k3"),
    ):
        result = estimate_replicated(apistrat, variable, jkn, statistic=statistic)  # type: ignore[arg-type]
        close(result["estimate"], R[key]["estimate"])
        close(result["se"], R[key]["se"])
    ratio = estimate_replicated(apistrat, "api00", jkn, statistic="ratio", denominator="api99")
    close(ratio["se"], R["jkn_ratio_api00_api99"]["se"])
    by = estimate_replicated(apistrat, "api00", jkn, by="awards")
    assert by["awards"].tolist() == R["jkn_by_awards_mean_api00"]["domain"]
    close(by["se"], R["jkn_by_awards_mean_api00"]["se"])


def test_jk1_cluster_weights_and_se_match_r(apiclus1: pd.DataFrame) -> None:
    jk1 = jackknife_weights(apiclus1, CLUS)
    assert jk1.method == "JK1"
    assert jk1.count == apiclus1["dnum"].nunique()
    close(jk1.scale, R["jk1_scale"])
    # R orders the replicates by first appearance of the PSU; compare as sets of columns.
    ours = {tuple(np.round(column, 9)) for column in jk1.replicates.T}
    theirs = {tuple(np.round(column, 9)) for column in np.asarray(R["jk1_weights"]).T}
    assert ours == theirs
    close(estimate_replicated(apiclus1, "api00", jk1)["se"], R["jk1_mean_api00"]["se"])
    total = estimate_replicated(apiclus1, "enroll", jk1, statistic="total")
    close(total["se"], R["jk1_total_enroll"]["se"])


def test_r_bootstrap_replicates_give_r_se(apistrat: pd.DataFrame) -> None:
    weights = np.asarray(R["boot_weights"])
    assert weights.shape == (len(apistrat), 50)
    boot = replicate_weights_from(apistrat["pw"], weights, scale=R["boot_scale"])
    close(estimate_replicated(apistrat, "api00", boot)["se"], R["boot_mean_api00"]["se"])
    total = estimate_replicated(apistrat, "enroll", boot, statistic="total")
    close(total["se"], R["boot_total_enroll"]["se"])
    by = estimate_replicated(apistrat, "api00", boot, by="awards")
    close(by["se"], R["boot_by_awards_mean_api00"]["se"])
    mse = replicate_weights_from(apistrat["pw"], weights, scale=R["boot_scale"], mse=True)
    close(estimate_replicated(apistrat, "api00", mse)["se"], R["boot_mse_mean_api00"]["se"])


def test_rao_wu_weights_draw_n_minus_one_psus_per_stratum(apistrat: pd.DataFrame) -> None:
    boot = bootstrap_weights(apistrat, STRAT, 60, rng=np.random.default_rng(7))
    assert boot.count == 60
    assert boot.scale == pytest.approx(1 / 59)
    multiplicity = boot.replicates / apistrat["pw"].to_numpy()[:, None]
    for _, rows in apistrat.groupby("stype").groups.items():
        n_h = len(rows)
        draws = multiplicity[apistrat.index.get_indexer(rows)] * (n_h - 1) / n_h
        np.testing.assert_allclose(draws, np.round(draws), atol=1e-9)
        np.testing.assert_allclose(draws.sum(axis=0), n_h - 1, atol=1e-9)
    # Each replicate reproduces the stratum totals of the weights in expectation; the same
    # seed gives the same replicates.
    again = bootstrap_weights(apistrat, STRAT, 60, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(boot.replicates, again.replicates)


def test_rao_wu_variance_agrees_with_linearisation_without_fpc(apistrat: pd.DataFrame) -> None:
    design = Design(weights="pw", strata="stype")
    boot = bootstrap_weights(apistrat, design, 4000, rng=np.random.default_rng(11))
    replicated = estimate_replicated(apistrat, ["api00", "enroll"], boot)
    linearised = estimate_means(apistrat, ["api00", "enroll"], design)
    # SE of a bootstrap SE with B replicates is about SE / sqrt(2 B): 1.1 % at B = 4000.
    close(replicated["se"], linearised["se"], rtol=0.05)
    close(replicated["estimate"], linearised["estimate"], rtol=1e-12)


def test_replicate_columns_sit_beside_the_weight(apistrat: pd.DataFrame) -> None:
    boot = bootstrap_weights(apistrat, STRAT, 50, rng=np.random.default_rng(3))
    columns = boot.columns(apistrat.index)
    assert list(columns.columns[:3]) == ["weight", "repweight_01", "repweight_02"]
    assert columns.shape == (len(apistrat), 51)
    again = replicate_weights_from(
        columns["weight"], columns.iloc[:, 1:], scale=boot.scale, rscales=boot.rscales
    )
    close(estimate_replicated(apistrat, "api00", again)["se"],
          estimate_replicated(apistrat, "api00", boot)["se"], rtol=1e-15)  # fmt: skip


def test_replicate_errors(apistrat: pd.DataFrame) -> None:
    first_middle = apistrat.index[apistrat["stype"] == "M"][0]
    lonely = apistrat[(apistrat["stype"] != "M") | (apistrat.index == first_middle)]
    with pytest.raises(AnalysisError, match="single PSU"):
        jackknife_weights(lonely, Design(weights="pw", strata="stype"))
    with pytest.raises(AnalysisError, match="too few"):
        bootstrap_weights(apistrat, STRAT, 1, rng=np.random.default_rng(1))
    boot = bootstrap_weights(apistrat, STRAT, 5, rng=np.random.default_rng(1))
    with pytest.raises(AnalysisError, match="denominator"):
        estimate_replicated(apistrat, "api00", boot, statistic="ratio")
    with pytest.raises(AnalysisError, match="one row per response"):
        replicate_weights_from(apistrat["pw"], np.ones((3, 5)), scale=1.0)
