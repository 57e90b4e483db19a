"""Confidence intervals against R: confint (normal, df = degf) and svyciprop(method = "logit")."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.estimation import estimate_means, estimate_proportions
from analysis.intervals import critical_value, logit_interval, wald_interval

DATA = Path(__file__).parents[1] / "data"
R = json.loads((DATA / "r_estimation.json").read_text())
SE_RTOL = 1e-4

STRAT = Design(weights="pw", strata="stype", fpc="fpc")
CLUS = Design(weights="pw", psu="dnum", fpc="fpc")


@pytest.fixture(scope="module")
def apistrat() -> pd.DataFrame:
    return pd.read_csv(DATA / "apistrat.csv")


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(DATA / "apiclus1.csv")


@pytest.mark.parametrize(("sample", "design"), [("apistrat", STRAT), ("apiclus1", CLUS)])
def test_normal_and_t_intervals_match_r_confint(
    sample: str, design: Design, request: pytest.FixtureRequest
) -> None:
    responses = request.getfixturevalue(sample)
    reference = R[sample]["mean_api00"]
    normal = estimate_means(responses, "api00", design, interval="normal")
    np.testing.assert_allclose(normal["ci_low"], reference["normal_low"], rtol=SE_RTOL)
    np.testing.assert_allclose(normal["ci_high"], reference["normal_high"], rtol=SE_RTOL)
    assert np.isinf(normal["df"].item())
    student = estimate_means(responses, "api00", design)
    np.testing.assert_allclose(student["ci_low"], reference["t_low"], rtol=SE_RTOL)
    np.testing.assert_allclose(student["ci_high"], reference["t_high"], rtol=SE_RTOL)
    assert student["df"].item() == R[sample]["degf"]


def test_domain_intervals_match_r_confint(apiclus1: pd.DataFrame) -> None:
    reference = R["apiclus1"]["by_stype_mean_api00"]
    for interval, prefix in (("normal", "normal"), ("t", "t")):
        by_stype = estimate_means(apiclus1, "api00", CLUS, by="stype", interval=interval)
        np.testing.assert_allclose(by_stype["ci_low"], reference[f"{prefix}_low"], rtol=SE_RTOL)
        np.testing.assert_allclose(by_stype["ci_high"], reference[f"{prefix}_high"], rtol=SE_RTOL)


@pytest.mark.parametrize(("sample", "design"), [("apistrat", STRAT), ("apiclus1", CLUS)])
def test_logit_interval_matches_svyciprop(
    sample: str, design: Design, request: pytest.FixtureRequest
) -> None:
    responses = request.getfixturevalue(sample)
    reference = R[sample]["ciprop_sch_wide"]
    shares = estimate_proportions(responses, "sch.wide", design)
    yes = shares[shares["level"] == "Yes"]
    np.testing.assert_allclose(yes["estimate"], reference["estimate"], rtol=1e-6)
    np.testing.assert_allclose(yes["ci_low"], reference["ci_low"], rtol=SE_RTOL)
    np.testing.assert_allclose(yes["ci_high"], reference["ci_high"], rtol=SE_RTOL)


def test_logit_interval_with_item_nonresponse_matches_svyciprop(apistrat: pd.DataFrame) -> None:
    reference = R["apistrat"]["ciprop_acs_k3_20"]
    indicator = apistrat.assign(
        large=np.where(apistrat["acs.k3"].isna(), None, apistrat["acs.k3"] >= 20)
    )
    shares = estimate_proportions(indicator, "large", STRAT)
    share = shares[shares["level"] == "True"]
    np.testing.assert_allclose(share["estimate"], reference["estimate"], rtol=1e-6)
    np.testing.assert_allclose(share["ci_low"], reference["ci_low"], rtol=SE_RTOL)
    np.testing.assert_allclose(share["ci_high"], reference["ci_high"], rtol=SE_RTOL)


def test_logit_interval_by_domain_matches_svyby_svyciprop(apistrat: pd.DataFrame) -> None:
    reference = R["apistrat"]["by_awards_ciprop_api00_700"]
    high = apistrat.assign(high=np.where(apistrat["api00"] >= 700, "yes", "no"))
    shares = estimate_proportions(high, "high", STRAT, by="awards")
    share = shares[shares["level"] == "yes"]
    assert share["awards"].tolist() == reference["domain"]
    np.testing.assert_allclose(share["estimate"], reference["estimate"], rtol=1e-6)
    np.testing.assert_allclose(share["ci_low"], reference["ci_low"], rtol=SE_RTOL)
    np.testing.assert_allclose(share["ci_high"], reference["ci_high"], rtol=SE_RTOL)


def test_logit_interval_stays_inside_zero_one_and_collapses_at_the_bounds() -> None:
    proportions = np.array([0.0, 0.02, 0.5, 0.98, 1.0])
    se = np.array([0.0, 0.05, 0.05, 0.05, 0.0])
    low, high = logit_interval(proportions, se, 0.95, 30.0)
    assert np.all((low >= 0) & (high <= 1) & (low <= proportions) & (proportions <= high))
    assert (low[0], high[0], low[-1], high[-1]) == (0.0, 0.0, 1.0, 1.0)
    wald_low, _ = wald_interval(proportions, se, 0.95, 30.0)
    assert wald_low[1] < 0 < low[1]


def test_critical_values_match_r_qnorm_qt() -> None:
    assert critical_value(0.95, float("inf")) == pytest.approx(1.9599639845400536, rel=1e-12)
    assert critical_value(0.95, 14.0) == pytest.approx(2.1447866879178039, rel=1e-12)
    assert critical_value(0.90, 197.0) == pytest.approx(1.6526252192655044, rel=1e-12)


def test_interval_errors(apistrat: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match=r"confidence=1\.5"):
        estimate_means(apistrat, "api00", STRAT, confidence=1.5)
    with pytest.raises(AnalysisError, match="interval='wide'"):
        estimate_means(apistrat, "api00", STRAT, interval="wide")  # type: ignore[arg-type]
    with pytest.raises(AnalysisError, match="'logit' needs a 0/1 variable"):
        estimate_means(apistrat, "api00", STRAT, interval="logit")
    one_psu = apistrat.assign(cluster=1)
    design = Design(weights="pw", psu="cluster", lonely_psu="certainty")
    with pytest.raises(AnalysisError, match="0 degrees of freedom"):
        estimate_means(one_psu, "api00", design)
    assert estimate_means(one_psu, "api00", design, interval="normal")["se"].item() == 0.0
