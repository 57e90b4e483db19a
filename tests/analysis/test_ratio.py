"""Ratios, both design effects, totals of a factor, weighted tables and the pooled SIPAS ratio,
against R's survey package (tests/data/r_extensions.R, fixture r_extensions.json)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.design import Design, prepare_design
from analysis.errors import AnalysisError
from analysis.estimation import estimate_level_totals, estimate_means, estimate_totals
from analysis.intervals import add_intervals
from analysis.ratio import estimate_ratios, pooled_satisfaction
from analysis.sipas import satisfaction_index
from analysis.tables import weighted_table

DATA = Path(__file__).parents[1] / "data"
R = json.loads((DATA / "r_extensions.json").read_text())
R_ESTIMATION = json.loads((DATA / "r_estimation.json").read_text())
RTOL = 1e-9
STRAT = Design(weights="pw", strata="stype", fpc="fpc")
CLUS = Design(weights="pw", psu="dnum", fpc="fpc")
SIPAS = Design(weights="weight", strata="commune", fpc="transactions")
ITEMS = ["access_1", "access_2", "procedures_1", "procedures_2", "procedures_3",
         "civil_servants_1", "civil_servants_2"]  # fmt: skip


@pytest.fixture(scope="module")
def apistrat() -> pd.DataFrame:
    return pd.read_csv(DATA / "apistrat.csv")


@pytest.fixture(scope="module")
def apiclus1() -> pd.DataFrame:
    return pd.read_csv(DATA / "apiclus1.csv")


@pytest.fixture(scope="module")
def sipas() -> pd.DataFrame:
    return pd.read_csv(DATA / "sipas_synthetic.csv", dtype={"sex": str})


def close(actual: object, expected: object, rtol: float = RTOL) -> None:
    np.testing.assert_allclose(np.asarray(actual, dtype=float), expected, rtol=rtol, atol=0)


def test_ratio_estimate_se_and_both_deffs_match_svyratio(apistrat: pd.DataFrame) -> None:
    result = estimate_ratios(apistrat, "api00", "api99", STRAT)
    reference = R["ratios"]["strat_api00_api99"]
    close(result["estimate"], reference["estimate"])
    close(result["se"], reference["se"])
    close(result["deff"], reference["deff"])
    close(result["deff_replace"], R["ratios"]["strat_api00_api99_replace"]["deff"])
    assert result[["numerator", "denominator"]].iloc[0].tolist() == ["api00", "api99"]


def test_ratio_with_missing_values_drops_the_rows_as_na_rm(apistrat: pd.DataFrame) -> None:
    result = estimate_ratios(apistrat, "acs.k3", "acs.46", STRAT)
    reference = R["ratios"]["strat_acs_k3_acs_46"]
    close(result["estimate"], reference["estimate"])
    close(result["se"], reference["se"])
    close(result["deff"], reference["deff"])
    assert result["n"].item() == int(
        (apistrat["acs.k3"].notna() & apistrat["acs.46"].notna()).sum()
    )


def test_ratio_in_a_cluster_sample_and_by_domain(
    apistrat: pd.DataFrame, apiclus1: pd.DataFrame
) -> None:
    clus = estimate_ratios(apiclus1, "enroll", "api.stu", CLUS)
    close(clus["se"], R["ratios"]["clus_enroll_api_stu"]["se"])
    close(clus["deff"], R["ratios"]["clus_enroll_api_stu"]["deff"])
    for data, design, by, key in (
        (apistrat, STRAT, "awards", "strat_by_awards"),
        (apiclus1, CLUS, "stype", "clus_by_stype"),
    ):
        numerator, denominator = ("api00", "api99") if by == "awards" else ("enroll", "api.stu")
        table = estimate_ratios(data, numerator, denominator, design, by=by)
        reference = R["ratios"][key]
        assert table[by].tolist() == reference["domain"]
        close(table["estimate"], reference["estimate"])
        close(table["se"], reference["se"])


def test_ratio_of_a_column_to_ones_is_the_mean(apistrat: pd.DataFrame) -> None:
    rows = apistrat.assign(one=1.0)
    ratio = estimate_ratios(rows, "api00", "one", STRAT, by="awards")
    mean = estimate_means(rows, "api00", STRAT, by="awards")
    for column in ("estimate", "se", "ci_low", "ci_high", "deff", "deff_replace"):
        close(ratio[column], mean[column], rtol=1e-12)


def test_deff_replace_of_means_and_totals_matches_r(
    apistrat: pd.DataFrame, apiclus1: pd.DataFrame
) -> None:
    cases = (
        (estimate_means(apistrat, "api00", STRAT), "strat_mean_api00"),
        (estimate_means(apistrat, "acs.k3", STRAT), "strat_mean_acs_k3"),
        (estimate_totals(apistrat, "enroll", STRAT), "strat_total_enroll"),
        (estimate_means(apiclus1, "api00", CLUS), "clus_mean_api00"),
    )
    for result, key in cases:
        close(result["deff_replace"], R["deffs"][key]["deff"])
        close(result["se"], R["deffs"][key]["se"])
    # Without replacement the SRS variance is smaller by (1 - n/N), so deff is larger.
    assert (cases[0][0]["deff"] > cases[0][0]["deff_replace"]).all()


def test_totals_of_a_factor_match_svytotal(apistrat: pd.DataFrame, apiclus1: pd.DataFrame) -> None:
    strat = estimate_level_totals(apistrat, "stype", STRAT)
    reference = R["totals"]["strat_stype"]
    assert strat["level"].tolist() == reference["level"]
    close(strat["estimate"], reference["estimate"])
    # Stratum counts are known exactly in a stratified design: R prints SE 0.
    np.testing.assert_allclose(strat["se"], 0.0, atol=1e-6)
    clus = estimate_level_totals(apiclus1, "sch.wide", CLUS)
    close(clus["estimate"], R["totals"]["clus_sch_wide"]["estimate"])
    close(clus["se"], R["totals"]["clus_sch_wide"]["se"])
    by = estimate_level_totals(apistrat, "sch.wide", STRAT, by="awards")
    yes = by[by["level"] == "Yes"]
    close(yes["estimate"], R["totals"]["strat_by_awards_sch_wide"]["yes"])
    close(yes["se"], R["totals"]["strat_by_awards_sch_wide"]["se_yes"])


def test_weighted_tables_match_svytable(apistrat: pd.DataFrame, apiclus1: pd.DataFrame) -> None:
    table = weighted_table(apistrat, ["stype", "sch.wide"], "pw")
    reference = pd.DataFrame(R["tables"]["strat_stype_sch_wide"]).sort_values(["stype", "sch_wide"])
    assert list(zip(table["stype"], table["sch.wide"], strict=True)) == list(
        zip(reference["stype"], reference["sch_wide"], strict=True)
    )
    close(table["count"], reference["count"])
    scaled = weighted_table(apiclus1, "stype", "pw", total=1000)
    close(scaled["count"], R["tables"]["clus_stype_ntotal_1000"]["count"])
    with pytest.raises(AnalysisError, match="no column"):
        weighted_table(apistrat, "nope", "pw")


def test_logit_interval_of_a_zero_one_mean_is_svyciprop(apistrat: pd.DataFrame) -> None:
    rows = apistrat.assign(yes=(apistrat["sch.wide"] == "Yes").astype(float))
    result = estimate_means(rows, "yes", STRAT, interval="logit")
    reference = R_ESTIMATION["apistrat"]["ciprop_sch_wide"]
    close(result["estimate"], reference["estimate"], rtol=1e-6)
    close(result[["ci_low", "ci_high"]].to_numpy().ravel(), [reference["ci_low"],
          reference["ci_high"]], rtol=1e-6)  # fmt: skip


def test_add_intervals_gives_r_normal_and_t_in_one_call(apistrat: pd.DataFrame) -> None:
    degf = prepare_design(apistrat, STRAT).degf
    table = add_intervals(estimate_means(apistrat, "api00", STRAT), degf)
    reference = R_ESTIMATION["apistrat"]["mean_api00"]
    close(table["ci_low_normal"], reference["normal_low"])
    close(table["ci_high_normal"], reference["normal_high"])
    close(table["ci_low_t"], reference["t_low"])
    close(table["ci_high_t"], reference["t_high"])
    # The estimator's own interval (t by default) is the t column.
    close(table["ci_low"], table["ci_low_t"], rtol=1e-15)


def test_pooled_satisfaction_matches_svyratio_of_counts(sipas: pd.DataFrame) -> None:
    overall = pooled_satisfaction(sipas, ITEMS, SIPAS)
    reference = R["pooled"]["overall"]
    close(overall["estimate"], reference["estimate"])
    close(overall["se"], reference["se"])
    close(overall["deff"], reference["deff"])
    by = pooled_satisfaction(sipas, ITEMS, SIPAS, by="commune")
    assert by["commune"].tolist() == R["pooled"]["by_commune"]["domain"]
    close(by["estimate"], R["pooled"]["by_commune"]["estimate"])
    close(by["se"], R["pooled"]["by_commune"]["se"])
    assert ((by["ci_low"] < by["estimate"]) & (by["estimate"] < by["ci_high"])).all()


def test_item_index_is_the_public_ratio_of_satisfied_to_valid(sipas: pd.DataFrame) -> None:
    index = satisfaction_index(sipas, dict.fromkeys(ITEMS), SIPAS, by="commune")
    rows = sipas.assign(
        satisfied=np.where(sipas["access_2"].isna(), np.nan, (sipas["access_2"] >= 4) * 1.0),
        valid=np.where(sipas["access_2"].isna(), np.nan, 1.0),
    )
    ratio = estimate_ratios(rows, "satisfied", "valid", SIPAS, by="commune", interval="logit")
    item = index[index["name"] == "access_2"].reset_index(drop=True)
    for column in ("estimate", "se", "ci_low", "ci_high", "deff", "n"):
        close(item[column], ratio[column], rtol=1e-12)


def test_ratio_errors(apistrat: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="no column 'nope'"):
        estimate_ratios(apistrat, "nope", "api99", STRAT)
    with pytest.raises(AnalysisError, match="not numbers"):
        estimate_ratios(apistrat, "stype", "api99", STRAT)
    with pytest.raises(AnalysisError, match=r"in \[0, 1\]"):
        estimate_ratios(apistrat, "api00", "api99", STRAT, interval="logit")
    with pytest.raises(AnalysisError, match="no items"):
        pooled_satisfaction(apistrat, [], STRAT)
