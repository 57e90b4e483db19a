"""SIPAS index, mean scores and distribution against R (svyratio + svycontrast, svymean)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.sipas import (
    mean_scores,
    satisfaction_index,
    score_distribution,
    summarise_satisfaction,
)

DATA = Path(__file__).parents[1] / "data"
R = json.loads((DATA / "r_estimation.json").read_text())["sipas"]
ESTIMATE_RTOL = 1e-6
SE_RTOL = 1e-4
ITEMS: dict[str, str | None] = dict(R["items"])
DESIGN = Design(weights="weight", strata="commune", fpc="transactions")


@pytest.fixture(scope="module")
def answers() -> pd.DataFrame:
    return pd.read_csv(DATA / "sipas_synthetic.csv", dtype={"sex": str})


def assert_index_matches(index: pd.DataFrame, reference: dict[str, dict[str, object]]) -> None:
    """Compare item, factor and unit rows with R's svyratio/svycontrast results."""
    rows = index.set_index(["level", "name"])
    expected = [
        *((("item", name), value) for name, value in reference["items"].items()),
        *((("factor", name), value) for name, value in reference["factors"].items()),
        (("unit", "unit"), reference["unit"]),
    ]
    for key, value in expected:
        assert rows.loc[key, "estimate"] == pytest.approx(value["estimate"], rel=ESTIMATE_RTOL)
        assert rows.loc[key, "se"] == pytest.approx(value["se"], rel=SE_RTOL)


def test_r_reference_routes_agree() -> None:
    # The fixture's contrast of svyratio estimates and its hand-built linearised variable
    # (svytotal) are two independent R routes to the same factor and unit SEs.
    for factor, value in R["overall"]["factors"].items():
        manual = R["overall"]["factors_manual"][factor]
        assert manual["se"] == pytest.approx(value["se"], rel=1e-10)
    assert R["overall"]["unit_manual"]["se"] == pytest.approx(R["overall"]["unit"]["se"])


def test_index_matches_r_overall(answers: pd.DataFrame) -> None:
    index = satisfaction_index(answers, ITEMS, DESIGN)
    assert_index_matches(index, R["overall"])
    assert index["level"].tolist() == ["item"] * 7 + ["factor"] * 3 + ["unit"]


@pytest.mark.parametrize(
    ("by", "domain", "case"), [("commune", "c03", "commune_c03"), ("sex", "2", "sex_2")]
)
def test_index_matches_r_by_domain(answers: pd.DataFrame, by: str, domain: str, case: str) -> None:
    index = satisfaction_index(answers, ITEMS, DESIGN, by=by)
    assert_index_matches(index[index[by] == domain], R[case])


def test_factor_se_is_not_the_average_of_item_ses(answers: pd.DataFrame) -> None:
    rows = satisfaction_index(answers, ITEMS, DESIGN).set_index("name")
    averaged = rows.loc[["access_1", "access_2"], "se"].mean()
    assert rows.loc["access", "se"] < 0.8 * averaged
    assert rows.loc["access", "se"] == pytest.approx(
        R["overall"]["factors"]["access"]["se"], rel=SE_RTOL
    )


def test_item_logit_interval_matches_svyciprop(answers: pd.DataFrame) -> None:
    reference = R["item_ciprop_access_2"]
    row = satisfaction_index(answers, ITEMS, DESIGN).set_index("name").loc["access_2"]
    assert row["estimate"] == pytest.approx(reference["estimate"], rel=ESTIMATE_RTOL)
    assert row["ci_low"] == pytest.approx(reference["ci_low"], rel=SE_RTOL)
    assert row["ci_high"] == pytest.approx(reference["ci_high"], rel=SE_RTOL)
    assert row["df"] == R["degf"]


def test_mean_scores_match_svymean(answers: pd.DataFrame) -> None:
    reference = R["mean_score_access_2"]
    row = mean_scores(answers, ITEMS, DESIGN).set_index("name").loc["access_2"]
    assert row["estimate"] == pytest.approx(reference["estimate"], rel=ESTIMATE_RTOL)
    assert row["se"] == pytest.approx(reference["se"], rel=SE_RTOL)
    by_commune = mean_scores(answers, ITEMS, DESIGN, by="commune")
    item = by_commune[by_commune["name"] == "procedures_2"]
    expected = R["by_commune_mean_score_procedures_2"]
    assert item["commune"].tolist() == expected["domain"]
    np.testing.assert_allclose(item["estimate"], expected["estimate"], rtol=ESTIMATE_RTOL)
    np.testing.assert_allclose(item["se"], expected["se"], rtol=SE_RTOL)


def test_factor_mean_score_is_the_mean_of_item_means(answers: pd.DataFrame) -> None:
    rows = mean_scores(answers, ITEMS, DESIGN).set_index("name")
    members = [item for item, factor in ITEMS.items() if factor == "procedures"]
    assert rows.loc["procedures", "estimate"] == pytest.approx(
        rows.loc[members, "estimate"].mean(), rel=1e-12
    )


def test_distribution_matches_svymean_of_factor(answers: pd.DataFrame) -> None:
    reference = R["distribution_access_2"]
    shares = score_distribution(answers, ["access_2"], DESIGN)
    assert shares["score"].tolist() == [float(level) for level in reference["level"]]
    np.testing.assert_allclose(shares["estimate"], reference["estimate"], rtol=ESTIMATE_RTOL)
    np.testing.assert_allclose(shares["se"], reference["se"], rtol=SE_RTOL)
    assert shares["estimate"].sum() == pytest.approx(1.0)


def test_distribution_lists_scale_points_nobody_chose() -> None:
    answers = pd.DataFrame({"weight": 1.0, "q": [4.0, 5.0, 5.0, np.nan]})
    shares = score_distribution(answers, ["q"], Design())
    assert shares["score"].tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    np.testing.assert_allclose(shares["estimate"], [0, 0, 0, 1 / 3, 2 / 3])
    assert shares["n"].tolist() == [3] * 5


def test_small_sample_flag_uses_the_smallest_item_n(answers: pd.DataFrame) -> None:
    index = satisfaction_index(answers, ITEMS, DESIGN, min_n=180).set_index("name")
    items = index[index["level"] == "item"]
    assert (items["small_sample"] == (items["n"] < 180)).all()
    assert index.loc["access", "n_min"] == items.loc[["access_1", "access_2"], "n"].min()
    assert index.loc["access", "n"] == answers[["access_1", "access_2"]].notna().any(axis=1).sum()
    assert bool(index.loc["unit", "small_sample"])
    assert not satisfaction_index(answers, ITEMS, DESIGN)["small_sample"].any()


@pytest.fixture(scope="module")
def gap() -> pd.DataFrame:
    """Commune b never answers item a2 (e.g. feedback questions nobody there reached)."""
    return pd.DataFrame(
        {
            "commune": ["a"] * 4 + ["b"] * 4,
            "weight": [1.0, 2.0, 1.0, 2.0, 1.0, 1.0, 3.0, 1.0],
            "a1": [5.0, 4.0, 2.0, 1.0, 4.0, 4.0, 3.0, 5.0],
            "a2": [4.0, 2.0, 5.0, 5.0, np.nan, np.nan, np.nan, np.nan],
            "p1": [3.0, 4.0, 5.0, 1.0, 2.0, 4.0, 5.0, 5.0],
        }
    )


GAP_ITEMS: dict[str, str | None] = {"a1": "access", "a2": "access", "p1": "procedures"}


def test_missing_item_propagates_to_factor_and_unit_by_default(gap: pd.DataFrame) -> None:
    index = satisfaction_index(gap, GAP_ITEMS, Design(strata="commune"), by="commune")
    b = index[index["commune"] == "b"].set_index("name")
    assert b.loc["a2", "n"] == 0
    assert np.isnan(b.loc[["a2", "access", "unit"], ["estimate", "se"]].to_numpy(float)).all()
    assert not np.isnan(b.loc["procedures", "estimate"])


def test_missing_item_skipped_on_request(gap: pd.DataFrame) -> None:
    index = satisfaction_index(
        gap, GAP_ITEMS, Design(strata="commune"), by="commune", missing="skip"
    )
    b = index[index["commune"] == "b"].set_index("name")
    assert b.loc["access", "estimate"] == pytest.approx(b.loc["a1", "estimate"])
    assert b.loc["access", "se"] == pytest.approx(b.loc["a1", "se"])
    expected_unit = (b.loc["a1", "estimate"] + b.loc["procedures", "estimate"]) / 2
    assert b.loc["unit", "estimate"] == pytest.approx(expected_unit)
    a = index[index["commune"] == "a"].set_index("name")
    assert a.loc["access", "estimate"] == pytest.approx(a.loc[["a1", "a2"], "estimate"].mean())


def test_item_without_factor_is_reported_but_not_in_the_unit_index(gap: pd.DataFrame) -> None:
    with_overall = satisfaction_index(
        gap.assign(overall=[5.0, 4.0, 4.0, 1.0, 2.0, 5.0, 5.0, 3.0]),
        {**GAP_ITEMS, "overall": None},
        Design(),
    ).set_index("name")
    without = satisfaction_index(gap, GAP_ITEMS, Design()).set_index("name")
    assert with_overall.loc["overall", "level"] == "item"
    assert with_overall.loc["unit", "estimate"] == pytest.approx(without.loc["unit", "estimate"])
    assert with_overall.loc["unit", "se"] == pytest.approx(without.loc["unit", "se"])


def test_threshold_is_a_parameter(gap: pd.DataFrame) -> None:
    index = satisfaction_index(gap, {"a1": "access"}, Design(), threshold=5.0).set_index("name")
    assert index.loc["a1", "estimate"] == pytest.approx(2.0 / 12.0)


def test_scaling_weights_and_row_order_leave_the_index_unchanged(answers: pd.DataFrame) -> None:
    base = satisfaction_index(answers, ITEMS, DESIGN, by="sex")
    scaled = answers.assign(weight=answers["weight"] * 0.01)
    shuffled = answers.sample(frac=1.0, random_state=np.random.default_rng(3))
    for variant in (scaled, shuffled):
        other = satisfaction_index(variant, ITEMS, DESIGN, by="sex")
        for column in ("estimate", "se", "ci_low", "ci_high", "n", "n_min"):
            np.testing.assert_allclose(other[column], base[column], rtol=1e-10)


def test_integer_weights_equal_replicated_rows(gap: pd.DataFrame) -> None:
    replicated = gap.loc[gap.index.repeat(gap["weight"].astype(int))].assign(weight=1.0)
    weighted = satisfaction_index(gap, GAP_ITEMS, Design(), missing="skip")
    copies = satisfaction_index(replicated, GAP_ITEMS, Design(), missing="skip")
    np.testing.assert_allclose(weighted["estimate"], copies["estimate"], rtol=1e-12)


def test_summary_holds_the_three_tables(answers: pd.DataFrame) -> None:
    results = summarise_satisfaction(answers, ITEMS, DESIGN, by="commune")
    pd.testing.assert_frame_equal(
        results.index, satisfaction_index(answers, ITEMS, DESIGN, by="commune")
    )
    pd.testing.assert_frame_equal(
        results.mean_scores, mean_scores(answers, ITEMS, DESIGN, by="commune")
    )
    assert len(results.distribution) == 6 * len(ITEMS) * 5


def test_scores_must_be_recoded(answers: pd.DataFrame) -> None:
    with pytest.raises(AnalysisError, match=r"item 'access_1' holds score\(s\) 9"):
        satisfaction_index(answers.assign(access_1=9.0), ITEMS, DESIGN)
    with pytest.raises(AnalysisError, match="item 'access_1' holds str values"):
        satisfaction_index(answers.assign(access_1="4"), ITEMS, DESIGN)
    with pytest.raises(AnalysisError, match="no scored item column 'feedback_1'"):
        satisfaction_index(answers, {"feedback_1": "feedback"}, DESIGN)
    with pytest.raises(AnalysisError, match="missing='ignore'"):
        satisfaction_index(answers, ITEMS, DESIGN, missing="ignore")  # type: ignore[arg-type]
    with pytest.raises(AnalysisError, match="not proportions"):
        mean_scores(answers, ITEMS, DESIGN, interval="logit")
