"""Means, totals and proportions against R's survey package (tests/data/r_estimation.R).

Also: calibration-aware SEs (post-stratify, rake, linear calibration), lonely PSUs, design
checks and the invariances every weighted estimator must have.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.calibration import calibration_matrix
from analysis.design import Design, LonelyPsu, prepare_design
from analysis.errors import AnalysisError
from analysis.estimation import (
    estimate_means,
    estimate_proportions,
    estimate_totals,
    prepare_estimation,
)
from analysis.greg import calibration_model
from analysis.margins import Margin
from analysis.weighting import kish_deff

DATA = Path(__file__).parents[1] / "data"
R = json.loads((DATA / "r_estimation.json").read_text())
ESTIMATE_RTOL = 1e-6
SE_RTOL = 1e-4

STRAT = Design(weights="pw", strata="stype", fpc="fpc")
CLUS = Design(weights="pw", psu="dnum", fpc="fpc")


@pytest.fixture(scope="module")
def apistrat() -> pd.DataFrame:
    return pd.read_csv(DATA / "apistrat.csv")


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(DATA / "apiclus1.csv")


def assert_matches(result: pd.DataFrame, reference: dict[str, object], *, deff: bool) -> None:
    np.testing.assert_allclose(result["estimate"], reference["estimate"], rtol=ESTIMATE_RTOL)
    np.testing.assert_allclose(result["se"], reference["se"], rtol=SE_RTOL)
    if deff:
        np.testing.assert_allclose(result["deff"], reference["deff"], rtol=SE_RTOL)


# --- R reference: stratified element sample with FPC ---------------------------------------


def test_stratified_mean_total_and_deff_match_r(apistrat: pd.DataFrame) -> None:
    reference = R["apistrat"]
    assert_matches(estimate_means(apistrat, "api00", STRAT), reference["mean_api00"], deff=True)
    assert_matches(estimate_totals(apistrat, "enroll", STRAT), reference["total_enroll"], deff=True)


def test_item_nonresponse_is_a_domain_as_r_na_rm(apistrat: pd.DataFrame) -> None:
    reference = R["apistrat"]
    means = estimate_means(apistrat, "acs.k3", STRAT)
    assert_matches(means, reference["mean_acs_k3"], deff=True)
    assert means["n"].item() == apistrat["acs.k3"].notna().sum()
    totals = estimate_totals(apistrat, "acs.46", STRAT)
    assert_matches(totals, reference["total_acs_46"], deff=True)


def test_proportions_of_a_factor_match_r(apistrat: pd.DataFrame) -> None:
    reference = R["apistrat"]["prop_sch_wide"]
    shares = estimate_proportions(apistrat, "sch.wide", STRAT)
    assert shares["level"].tolist() == reference["level"]
    assert_matches(shares, reference, deff=True)


def test_count_and_weight_columns(apistrat: pd.DataFrame) -> None:
    means = estimate_means(apistrat, ["api00", "acs.k3"], STRAT)
    valid = apistrat["acs.k3"].notna()
    assert means["n"].tolist() == [len(apistrat), int(valid.sum())]
    np.testing.assert_allclose(
        means["sum_weights"], [apistrat["pw"].sum(), apistrat.loc[valid, "pw"].sum()]
    )
    np.testing.assert_allclose(
        means["deff_kish"],
        [kish_deff(apistrat["pw"]), kish_deff(apistrat.loc[valid, "pw"])],
        rtol=1e-12,
    )


# --- R reference: one-stage cluster samples -------------------------------------------------


def test_cluster_sample_matches_r(apiclus1: pd.DataFrame) -> None:
    reference = R["apiclus1"]
    assert_matches(estimate_means(apiclus1, "api00", CLUS), reference["mean_api00"], deff=True)
    assert_matches(estimate_means(apiclus1, "avg.ed", CLUS), reference["mean_avg_ed"], deff=True)
    assert_matches(estimate_totals(apiclus1, "enroll", CLUS), reference["total_enroll"], deff=True)
    shares = estimate_proportions(apiclus1, "stype", CLUS)
    assert shares["level"].tolist() == reference["prop_stype"]["level"]
    assert_matches(shares, reference["prop_stype"], deff=True)


def test_stratified_cluster_sample_without_fpc_matches_r(apiclus1: pd.DataFrame) -> None:
    reference = R["apiclus1_stratified"]
    halves = apiclus1.assign(half=np.where(apiclus1["dnum"] < 400, "low", "high"))
    design = Design(weights="pw", strata="half", psu="dnum")
    assert prepare_design(halves, design).degf == reference["degf"]
    assert_matches(estimate_means(halves, "api00", design), reference["mean_api00"], deff=True)
    assert_matches(estimate_totals(halves, "enroll", design), reference["total_enroll"], deff=False)


def test_design_degrees_of_freedom_match_r(apistrat: pd.DataFrame, apiclus1: pd.DataFrame) -> None:
    assert prepare_design(apistrat, STRAT).degf == R["apistrat"]["degf"]
    assert prepare_design(apiclus1, CLUS).degf == R["apiclus1"]["degf"]


# --- R reference: calibration-aware SEs -----------------------------------------------------

POPULATION = R["calibrated"]["population"]
STYPE = Margin("stype", POPULATION["stype"])
SCH_WIDE = Margin("sch.wide", POPULATION["sch_wide"])


@pytest.mark.parametrize(
    ("case", "margins", "numeric"),
    [
        ("poststratify_stype", [STYPE], {}),
        ("rake_stype_sch_wide", [STYPE, SCH_WIDE], {}),
        ("calibrate_stype_api99", [STYPE], {"api99": POPULATION["api99_total"]}),
    ],
)
def test_calibrated_se_matches_r(
    apiclus1: pd.DataFrame,
    case: str,
    margins: list[Margin],
    numeric: dict[str, float],
) -> None:
    reference = R["calibrated"][case]
    responses = apiclus1.assign(weight=reference["weights"])
    calibration = calibration_model(
        calibration_matrix(responses, margins, numeric), responses["pw"]
    )
    design = Design(psu="dnum", fpc="fpc")
    context = prepare_estimation(responses, design, calibration=calibration)
    assert_matches(estimate_means(responses, "api00", context), reference["mean_api00"], deff=False)
    assert_matches(
        estimate_means(responses, "acs.k3", context), reference["mean_acs_k3"], deff=False
    )
    assert_matches(
        estimate_totals(responses, "enroll", context), reference["total_enroll"], deff=False
    )
    by_awards = estimate_means(responses, "api00", design, by="awards", calibration=calibration)
    assert by_awards["awards"].tolist() == reference["by_awards_mean_api00"]["domain"]
    assert_matches(by_awards, reference["by_awards_mean_api00"], deff=False)


def test_calibrated_se_of_element_sample_matches_r(apistrat: pd.DataFrame) -> None:
    reference = R["calibrated"]["apistrat_poststratify_sch_wide"]
    responses = apistrat.assign(weight=reference["weights"])
    calibration = calibration_model(calibration_matrix(responses, [SCH_WIDE]), responses["pw"])
    design = Design(strata="stype", fpc="fpc")
    means = estimate_means(responses, ["api00", "acs.k3"], design, calibration=calibration)
    np.testing.assert_allclose(
        means["se"], [reference["mean_api00"]["se"], reference["mean_acs_k3"]["se"]], rtol=SE_RTOL
    )
    by_awards = estimate_means(responses, "api00", design, by="awards", calibration=calibration)
    assert_matches(by_awards, reference["by_awards_mean_api00"], deff=False)


def test_calibration_model_accepts_a_table_of_auxiliaries(apiclus1: pd.DataFrame) -> None:
    # Any matrix spanning the post-strata works: here plain indicator columns, one per type.
    reference = R["calibrated"]["poststratify_stype"]
    responses = apiclus1.assign(weight=reference["weights"])
    indicators = pd.get_dummies(responses["stype"], dtype=float)
    calibration = calibration_model(indicators, responses["pw"].to_numpy())
    means = estimate_means(
        responses, "api00", Design(psu="dnum", fpc="fpc"), calibration=calibration
    )
    assert_matches(means, reference["mean_api00"], deff=False)


def test_calibration_model_must_fit_the_responses(apiclus1: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="one row per response"):
        calibration_model(np.ones((3, 2)), apiclus1["pw"])


# --- lonely PSUs ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lonely_rows(apistrat: pd.DataFrame) -> pd.DataFrame:
    kept = R["lonely"]["kept_middle_school_snum"]
    rows = apistrat[(apistrat["stype"] != "M") | (apistrat["snum"] == kept)]
    assert len(rows) == R["lonely"]["rows"]
    return rows


def test_lonely_psu_fails_by_default_naming_the_stratum(lonely_rows: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match=r"stratum\(s\) 'M' hold a single PSU"):
        estimate_means(lonely_rows, "api00", STRAT)


@pytest.mark.parametrize("policy", ["adjust", "remove", "certainty", "average"])
def test_lonely_psu_policies_match_r(lonely_rows: pd.DataFrame, policy: LonelyPsu) -> None:
    reference = R["lonely"][policy]
    design = Design(weights="pw", strata="stype", fpc="fpc", lonely_psu=policy)
    assert_matches(
        estimate_means(lonely_rows, "api00", design), reference["mean_api00"], deff=False
    )
    assert_matches(
        estimate_means(lonely_rows, "acs.k3", design), reference["mean_acs_k3"], deff=False
    )
    assert_matches(
        estimate_totals(lonely_rows, "enroll", design), reference["total_enroll"], deff=False
    )
    by_awards = estimate_means(lonely_rows, "api00", design, by="awards")
    assert_matches(by_awards, reference["by_awards_mean_api00"], deff=False)


def test_certainty_stratum_by_fpc_is_not_lonely(lonely_rows: pd.DataFrame) -> None:
    # N_h = n_h = 1: the stratum is fully observed, so it adds no variance and raises nothing.
    census = lonely_rows.assign(fpc=np.where(lonely_rows["stype"] == "M", 1, lonely_rows["fpc"]))
    certain = estimate_means(census, "api00", STRAT)
    removed = estimate_means(
        lonely_rows, "api00", Design(weights="pw", strata="stype", fpc="fpc", lonely_psu="remove")
    )
    np.testing.assert_allclose(certain["se"], removed["se"], rtol=1e-12)


# --- design checks ---------------------------------------------------------------------------


def test_design_errors_name_the_problem(apistrat: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="'nope'"):
        estimate_means(apistrat, "api00", Design(weights="nope"))
    with pytest.raises(AnalysisError, match="lonely_psu='sometimes'"):
        Design(lonely_psu="sometimes")  # type: ignore[arg-type]
    varying = apistrat.assign(fpc=apistrat["fpc"] + np.arange(len(apistrat)) % 2)
    with pytest.raises(AnalysisError, match="varies within stratum 'E'"):
        estimate_means(varying, "api00", STRAT)
    too_small = apistrat.assign(fpc=np.where(apistrat["stype"] == "H", 10, apistrat["fpc"]))
    with pytest.raises(AnalysisError, match="stratum 'H' has N_h = 10"):
        estimate_means(too_small, "api00", STRAT)
    no_stratum = apistrat.assign(stype=apistrat["stype"].where(apistrat.index != 3))
    with pytest.raises(AnalysisError, match="empty in 1 row"):
        estimate_means(no_stratum, "api00", STRAT)
    with pytest.raises(AnalysisError, match=r"'sch\.wide' holds"):
        estimate_means(apistrat, "sch.wide", STRAT)
    with pytest.raises(AnalysisError, match="no population size for stratum"):
        estimate_means(apistrat, "api00", Design(weights="pw", strata="stype", fpc={"E": 4421}))


def test_fpc_mapping_equals_fpc_column(apistrat: pd.DataFrame) -> None:
    sizes = apistrat.groupby("stype")["fpc"].first().to_dict()
    mapped = estimate_means(apistrat, "api00", Design(weights="pw", strata="stype", fpc=sizes))
    assert_matches(mapped, R["apistrat"]["mean_api00"], deff=True)


# --- invariances -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def survey() -> pd.DataFrame:
    rng = np.random.default_rng(20211025)
    rows = 400
    score = rng.integers(1, 6, rows).astype(np.float64)
    score[rng.random(rows) < 0.1] = np.nan
    return pd.DataFrame(
        {
            "commune": rng.choice(["a", "b", "c", "d"], rows),
            "field": rng.choice(["ho_tich", "dat_dai", "khac"], rows),
            "weight": rng.integers(1, 5, rows).astype(np.float64),
            "score": score,
            "amount": rng.gamma(2.0, 50.0, rows),
        }
    )


def test_integer_weights_equal_replicated_rows(survey: pd.DataFrame) -> None:
    replicated = survey.loc[survey.index.repeat(survey["weight"].astype(int))].assign(weight=1.0)
    design = Design(strata="commune")
    for estimator in (estimate_means, estimate_totals):
        weighted = estimator(survey, ["score", "amount"], design, by="field")
        copies = estimator(replicated, ["score", "amount"], design, by="field")
        np.testing.assert_allclose(weighted["estimate"], copies["estimate"], rtol=1e-12)
        np.testing.assert_allclose(weighted["sum_weights"], copies["sum_weights"], rtol=1e-12)
    weighted_shares = estimate_proportions(survey, "field", design, by="commune")
    copied_shares = estimate_proportions(replicated, "field", design, by="commune")
    np.testing.assert_allclose(weighted_shares["estimate"], copied_shares["estimate"], rtol=1e-12)


def test_scaling_weights_leaves_means_proportions_and_ses_unchanged(
    survey: pd.DataFrame,
) -> None:
    design = Design(strata="commune")
    scaled = survey.assign(weight=survey["weight"] * 37.5)
    for estimator in (estimate_means, estimate_proportions):
        variable = "score" if estimator is estimate_means else "field"
        base = estimator(survey, variable, design, by="field")
        rescaled = estimator(scaled, variable, design, by="field")
        for column in ("estimate", "se", "ci_low", "ci_high", "deff_kish"):
            np.testing.assert_allclose(base[column], rescaled[column], rtol=1e-10)
    totals = estimate_totals(survey, "amount", design)
    scaled_totals = estimate_totals(scaled, "amount", design)
    np.testing.assert_allclose(scaled_totals["estimate"], totals["estimate"] * 37.5, rtol=1e-12)
    np.testing.assert_allclose(scaled_totals["se"], totals["se"] * 37.5, rtol=1e-10)


def test_row_order_is_irrelevant(survey: pd.DataFrame) -> None:
    design = Design(strata="commune", psu="field")
    shuffled = survey.sample(frac=1.0, random_state=np.random.default_rng(7))
    for by in ((), ("field",), ("commune", "field")):
        ordered = estimate_means(survey, ["score", "amount"], design, by=by)
        reordered = estimate_means(shuffled, ["score", "amount"], design, by=by)
        pd.testing.assert_frame_equal(ordered, reordered, rtol=1e-10)


def test_whole_population_domain_equals_overall(survey: pd.DataFrame) -> None:
    design = Design(strata="commune")
    overall = estimate_means(survey, "score", design)
    domain = estimate_means(survey.assign(everyone="all"), "score", design, by="everyone")
    pd.testing.assert_frame_equal(overall, domain.drop(columns="everyone"), rtol=1e-12)
