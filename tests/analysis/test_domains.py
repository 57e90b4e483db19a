"""Domain (svyby) estimation against R, and how domains are formed."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.design import Design
from analysis.domains import define_domains
from analysis.errors import AnalysisError
from analysis.estimation import estimate_means, estimate_totals

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


def assert_by_matches(
    result: pd.DataFrame, by: str, reference: dict[str, list[object]], *, deff: bool
) -> None:
    assert result[by].astype(str).tolist() == reference["domain"]
    np.testing.assert_allclose(result["estimate"], reference["estimate"], rtol=ESTIMATE_RTOL)
    # One-school domains have SE 0 in R (u = w (y - ybar) = 0); rounding leaves ~1e-13 here.
    np.testing.assert_allclose(result["se"], reference["se"], rtol=SE_RTOL, atol=1e-9)
    if deff:
        np.testing.assert_allclose(result["deff"], reference["deff"], rtol=SE_RTOL)


def test_domains_crossing_strata_match_svyby(apistrat: pd.DataFrame) -> None:
    reference = R["apistrat"]
    assert_by_matches(
        estimate_means(apistrat, "api00", STRAT, by="awards"),
        "awards",
        reference["by_awards_mean_api00"],
        deff=True,
    )
    assert_by_matches(
        estimate_totals(apistrat, "enroll", STRAT, by="awards"),
        "awards",
        reference["by_awards_total_enroll"],
        deff=True,
    )


def test_item_nonresponse_within_domains_matches_svyby_na_rm(apistrat: pd.DataFrame) -> None:
    means = estimate_means(apistrat, "acs.k3", STRAT, by="awards")
    assert_by_matches(means, "awards", R["apistrat"]["by_awards_mean_acs_k3"], deff=True)
    valid = apistrat.dropna(subset=["acs.k3"]).groupby("awards").size()
    assert means["n"].tolist() == valid.tolist()


def test_many_small_domains_match_svyby(apistrat: pd.DataFrame) -> None:
    # 40 counties, several with one school: the stratum's n_h still counts every school.
    means = estimate_means(apistrat, "api00", STRAT, by="cname")
    assert_by_matches(means, "cname", R["apistrat"]["by_cname_mean_api00"], deff=False)
    assert (means["n"] == 1).any()


def test_cluster_domains_match_svyby(apiclus1: pd.DataFrame) -> None:
    reference = R["apiclus1"]
    assert_by_matches(
        estimate_means(apiclus1, "api00", CLUS, by="stype"),
        "stype",
        reference["by_stype_mean_api00"],
        deff=True,
    )
    assert_by_matches(
        estimate_means(apiclus1, "avg.ed", CLUS, by="stype"),
        "stype",
        reference["by_stype_mean_avg_ed"],
        deff=True,
    )
    assert_by_matches(
        estimate_totals(apiclus1, "enroll", CLUS, by="stype"),
        "stype",
        reference["by_stype_total_enroll"],
        deff=False,
    )


def test_stratified_cluster_domains_match_svyby(apiclus1: pd.DataFrame) -> None:
    halves = apiclus1.assign(half=np.where(apiclus1["dnum"] < 400, "low", "high"))
    design = Design(weights="pw", strata="half", psu="dnum")
    assert_by_matches(
        estimate_means(halves, "api00", design, by="stype"),
        "stype",
        R["apiclus1_stratified"]["by_stype_mean_api00"],
        deff=False,
    )


def test_crossed_by_columns_equal_one_combined_column(apistrat: pd.DataFrame) -> None:
    crossed = estimate_means(apistrat, "api00", STRAT, by=["awards", "yr.rnd"])
    combined = apistrat.assign(cell=apistrat["awards"] + "/" + apistrat["yr.rnd"])
    single = estimate_means(combined, "api00", STRAT, by="cell")
    assert (crossed["awards"] + "/" + crossed["yr.rnd"]).tolist() == single["cell"].tolist()
    columns = ["estimate", "se", "deff", "n", "sum_weights"]
    pd.testing.assert_frame_equal(crossed[columns], single[columns], rtol=1e-12)


def test_domain_without_valid_answers_has_no_estimate(apistrat: pd.DataFrame) -> None:
    # High schools have no K-3 classes: acs.k3 is missing for every one of them.
    means = estimate_means(apistrat, "acs.k3", STRAT, by="stype").set_index("stype")
    assert means.loc["H", "n"] == 0
    assert np.isnan(means.loc["H", ["estimate", "se", "ci_low", "ci_high"]].astype(float)).all()
    assert means.loc["E", "se"] > 0


def test_define_domains_sorts_levels_and_drops_empty_by_values() -> None:
    responses = pd.DataFrame({"commune": ["b", "a", None, "b"], "sex": ["1", "2", "1", "1"]})
    domains = define_domains(responses, ["commune"])
    assert domains.labels["commune"].tolist() == ["a", "b"]
    assert domains.codes.tolist() == [1, 0, -1, 1]
    crossed = define_domains(responses, ["commune", "sex"])
    assert crossed.labels.to_dict("list") == {"commune": ["a", "b"], "sex": ["2", "1"]}
    overall = define_domains(responses)
    assert overall.count == 1
    assert overall.codes.tolist() == [0, 0, 0, 0]


def test_rows_without_a_domain_still_count_in_their_stratum() -> None:
    responses = pd.DataFrame(
        {
            "commune": ["a"] * 4 + ["b"] * 4,
            "group": ["x", "x", None, "y", "x", "y", "y", None],
            "weight": 1.0,
            "score": [1.0, 2.0, 3.0, 4.0, 5.0, 4.0, 3.0, 2.0],
        }
    )
    design = Design(strata="commune")
    by_group = estimate_means(responses, "score", design, by="group")
    labelled = responses.assign(group=responses["group"].fillna("z"))
    with_z = estimate_means(labelled, "score", design, by="group")
    pd.testing.assert_frame_equal(by_group, with_z[with_z["group"] != "z"], rtol=1e-12)


def test_domain_errors(apistrat: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match="'county'"):
        estimate_means(apistrat, "api00", STRAT, by="county")
    with pytest.raises(AnalysisError, match="name a column twice"):
        estimate_means(apistrat, "api00", STRAT, by=["awards", "awards"])
