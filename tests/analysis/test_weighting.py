"""Design weights, post-stratification and raking: against R's survey package and invariances."""

import numpy as np
import pandas as pd
import pytest

from analysis.columns import RESPONSE_ID, UNIT
from analysis.errors import AnalysisError
from analysis.margins import Margin, margin_from_table
from analysis.raking import rake
from analysis.weighting import design_weights, effective_sample_size, kish_deff, post_stratify
from tests.analysis.r_weighting import (
    RELATIVE,
    r_weights,
    read_api,
    sch_wide_margin,
    stype_margin,
    stype_sch_wide_margin,
)

TIGHT = 1e-8


def test_design_weights_match_r_stratified_design() -> None:
    apistrat = read_api("apistrat")
    population = apistrat.groupby("stype")["fpc"].first()
    weights = design_weights(apistrat, population, stratum="stype")
    np.testing.assert_allclose(weights, r_weights("apistrat_design"), rtol=RELATIVE)
    assert weights.index.equals(apistrat.index)
    assert weights.name == "weight"


def test_post_stratify_matches_r_on_one_column() -> None:
    apiclus1 = read_api("apiclus1")
    weights = post_stratify(apiclus1, apiclus1["pw"], stype_margin())
    np.testing.assert_allclose(weights, r_weights("apiclus1_poststratify_stype"), rtol=RELATIVE)


def test_post_stratify_matches_r_on_crossed_columns() -> None:
    apiclus1 = read_api("apiclus1")
    weights = post_stratify(apiclus1, apiclus1["pw"], stype_sch_wide_margin())
    np.testing.assert_allclose(
        weights, r_weights("apiclus1_poststratify_stype_sch_wide"), rtol=RELATIVE
    )


def test_rake_matches_r_converged() -> None:
    apiclus1 = read_api("apiclus1")
    result = rake(apiclus1, apiclus1["pw"], [stype_margin(), sch_wide_margin()])
    np.testing.assert_allclose(
        result.weights, r_weights("apiclus1_rake_stype_sch_wide"), rtol=RELATIVE
    )
    report = result.report
    assert report.converged
    assert report.max_weight_change < 1e-10
    assert report.max_margin_deviation < TIGHT
    assert report.margins == ("stype", "sch.wide")


def hit_rates(weights: pd.Series, responses: pd.DataFrame, margin: Margin) -> np.ndarray:
    """Relative misses of each target: (Σ weights in level) / target − 1."""
    sums = weights.groupby([responses[name] for name in margin.columns]).sum()
    keys = [key if len(key) > 1 else key[0] for key in margin.targets]
    return np.asarray(sums.reindex(keys).to_numpy() / np.array(list(margin.targets.values())) - 1)


def synthetic_responses(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            RESPONSE_ID: [f"r{i}" for i in range(rows)],
            UNIT: rng.choice(["a", "b", "c"], rows, p=[0.5, 0.3, 0.2]),
            "sex": rng.choice(["1", "2"], rows, p=[0.35, 0.65]),
            "age_group": rng.choice(["1", "2", "3", "4", "5"], rows),
            "field": rng.choice(["ho_tich", "dat_dai", "khac"], rows, p=[0.6, 0.3, 0.1]),
        }
    )


POPULATION = {"a": 5000.0, "b": 2000.0, "c": 1000.0}
MARGINS = [
    Margin("sex", {"1": 3900, "2": 4100}),
    Margin("age_group", {"1": 1000, "2": 2000, "3": 2500, "4": 1500, "5": 1000}),
    Margin("field", {"ho_tich": 4000, "dat_dai": 3000, "khac": 1000}),
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_raked_weights_hit_every_margin(seed: int) -> None:
    responses = synthetic_responses(600, seed)
    start = design_weights(responses, POPULATION)
    result = rake(responses, start, MARGINS)
    for margin in MARGINS:
        np.testing.assert_allclose(hit_rates(result.weights, responses, margin), 0, atol=TIGHT)
    assert result.report.converged


def test_post_stratified_weights_hit_the_cells() -> None:
    responses = synthetic_responses(500, 4)
    cells = pd.DataFrame(
        {"sex": ["1", "1", "2", "2"], "field": ["ho_tich", "dat_dai"] * 2, "n": [1, 2, 3, 4]}
    )
    margin = margin_from_table(["sex", "field"], cells, count="n")
    weights = post_stratify(
        responses, np.ones(len(responses)), margin, collapse={"field": {"khac": "dat_dai"}}
    )
    np.testing.assert_allclose(
        hit_rates(weights, responses.replace({"field": {"khac": "dat_dai"}}), margin),
        0,
        atol=TIGHT,
    )


def test_scaling_design_counts_scales_the_weights() -> None:
    responses = synthetic_responses(300, 5)
    doubled = {code: 2 * count for code, count in POPULATION.items()}
    base = design_weights(responses, POPULATION)
    np.testing.assert_allclose(design_weights(responses, doubled), 2 * base, rtol=1e-14)
    scaled = [Margin(m.columns, {k: 3 * v for k, v in m.targets.items()}) for m in MARGINS]
    np.testing.assert_allclose(
        rake(responses, base, scaled).weights,
        3 * rake(responses, base, MARGINS).weights,
        rtol=TIGHT,
    )
    # Raking removes the scale of its starting weights entirely.
    np.testing.assert_allclose(
        rake(responses, 7 * base, MARGINS).weights,
        rake(responses, base, MARGINS).weights,
        rtol=TIGHT,
    )


def test_row_order_is_irrelevant() -> None:
    responses = synthetic_responses(400, 6)
    shuffled = responses.sample(frac=1, random_state=7)
    for compute in (
        lambda rows: design_weights(rows, POPULATION),
        lambda rows: rake(rows, design_weights(rows, POPULATION), MARGINS).weights,
        lambda rows: post_stratify(rows, design_weights(rows, POPULATION), MARGINS[2]),
    ):
        original = compute(responses).set_axis(responses[RESPONSE_ID])
        reordered = compute(shuffled).set_axis(shuffled[RESPONSE_ID])
        pd.testing.assert_series_equal(
            original.sort_index(), reordered.sort_index(), check_exact=False, rtol=TIGHT
        )


def test_integer_codes_match_text_targets() -> None:
    responses = synthetic_responses(200, 8)
    as_numbers = responses.assign(age_group=responses["age_group"].astype(int))
    np.testing.assert_allclose(
        rake(as_numbers, np.ones(200), MARGINS).weights,
        rake(responses, np.ones(200), MARGINS).weights,
        rtol=1e-14,
    )


def test_design_weight_errors_name_the_stratum() -> None:
    responses = synthetic_responses(100, 9)
    with pytest.raises(AnalysisError, match=r"stratum 'c'.*no population count"):
        design_weights(responses, {"a": 100, "b": 100})
    with pytest.raises(AnalysisError, match=r"stratum 'c'.*respondents but a population count"):
        design_weights(responses, {"a": 1000, "b": 1000, "c": 3})
    with pytest.raises(AnalysisError, match="empty 'unit_code'"):
        design_weights(responses.assign(unit_code=[""] + ["a"] * 99), POPULATION)


def test_rake_errors_name_the_margin_and_level() -> None:
    responses = synthetic_responses(200, 10)
    ones = np.ones(200)
    no_sample = Margin("sex", {"1": 3000, "2": 3000, "3": 2000})
    with pytest.raises(AnalysisError, match="margin 'sex': level '3' has a target of 2000"):
        rake(responses, ones, [no_sample, MARGINS[1]])
    no_target = Margin("field", {"ho_tich": 5000, "dat_dai": 3000})
    with pytest.raises(AnalysisError, match=r"level 'khac' has .* respondent.* but no target"):
        rake(responses, ones, [no_target])
    small = Margin("field", dict.fromkeys(["ho_tich", "dat_dai", "khac"], 1))
    with pytest.raises(AnalysisError, match="margin totals disagree: 'sex' sums to 8000"):
        rake(responses, ones, [MARGINS[0], small])
    with pytest.raises(AnalysisError, match="column 'sex' is empty in 1 row"):
        rake(responses.assign(sex=[None] + ["1"] * 199), ones, MARGINS)


def test_collapse_merges_levels_in_sample_and_targets() -> None:
    responses = synthetic_responses(200, 11)
    ones = np.ones(200)
    merged = rake(responses, ones, [MARGINS[1]], collapse={"age_group": {"5": "4"}}).weights
    manual = rake(
        responses.replace({"age_group": {"5": "4"}}),
        ones,
        [Margin("age_group", {"1": 1000, "2": 2000, "3": 2500, "4": 2500})],
    ).weights
    np.testing.assert_allclose(merged, manual, rtol=TIGHT)
    # A level absent from the sample is fine once merged into one that is present.
    sparse = responses[responses["age_group"] != "5"]
    with pytest.raises(AnalysisError, match="level '5'"):
        rake(sparse, np.ones(len(sparse)), [MARGINS[1]])
    rake(sparse, np.ones(len(sparse)), [MARGINS[1]], collapse={"age_group": {"5": "4"}})


def test_rake_reports_non_convergence_instead_of_raising() -> None:
    responses = synthetic_responses(300, 12)
    result = rake(responses, np.ones(300), MARGINS, max_iterations=1)
    assert result.report.iterations == 1
    assert not result.report.converged


def test_partial_post_stratification_ignores_empty_cells() -> None:
    responses = synthetic_responses(100, 13)
    margin = Margin("sex", {"1": 10, "2": 20, "9": 5})
    with pytest.raises(AnalysisError, match="level '9'"):
        post_stratify(responses, np.ones(100), margin)
    weights = post_stratify(responses, np.ones(100), margin, partial=True)
    assert weights.sum() == pytest.approx(30)


def test_weights_are_checked() -> None:
    responses = synthetic_responses(3, 14)
    with pytest.raises(AnalysisError, match="got 2 weight"):
        post_stratify(responses, [1.0, 2.0], MARGINS[0])
    with pytest.raises(AnalysisError, match="missing or infinite"):
        post_stratify(responses, [1.0, np.nan, 1.0], MARGINS[0])
    with pytest.raises(AnalysisError, match="negative"):
        post_stratify(responses, [1.0, -1.0, 1.0], MARGINS[0])


def test_kish_design_effect() -> None:
    assert kish_deff([2.0, 2.0, 2.0]) == pytest.approx(1.0)
    # n Σw² / (Σw)² = 4 · (1 + 1 + 9 + 9) / 8² = 1.25
    assert kish_deff([1.0, 1.0, 3.0, 3.0]) == pytest.approx(1.25)
    assert effective_sample_size([1.0, 1.0, 3.0, 3.0]) == pytest.approx(3.2)
    assert kish_deff(np.array([1.0, 1.0, 3.0, 3.0]) * 17) == pytest.approx(1.25)
    with pytest.raises(AnalysisError):
        kish_deff([])


def test_skip_missing_leaves_blank_rows_out_of_that_margin() -> None:
    responses = synthetic_responses(600, 15)
    blank = np.random.default_rng(16).random(600) < 0.1
    responses.loc[blank, "sex"] = ""
    start = design_weights(responses, POPULATION)
    with pytest.raises(AnalysisError, match="'sex' is empty in"):
        rake(responses, start, MARGINS)
    result = rake(responses, start, MARGINS, skip_missing=["sex"])
    weights = result.weights
    assert result.report.converged
    assert result.report.max_margin_deviation < TIGHT
    # Complete margins are hit exactly; sex targets are met as shares among known sex.
    np.testing.assert_allclose(hit_rates(weights, responses, MARGINS[2]), 0, atol=TIGHT)
    known = weights[~blank].groupby(responses.loc[~blank, "sex"]).sum()
    np.testing.assert_allclose(known / known.sum(), [3900 / 8000, 4100 / 8000], rtol=TIGHT)


def test_skip_missing_changes_nothing_without_blanks() -> None:
    responses = synthetic_responses(300, 17)
    start = design_weights(responses, POPULATION)
    np.testing.assert_array_equal(
        rake(responses, start, MARGINS, skip_missing=["sex"]).weights,
        rake(responses, start, MARGINS).weights,
    )


def naive_rake(responses: pd.DataFrame, weights: np.ndarray, margins: list[Margin]) -> np.ndarray:
    """Row-by-row IPF with pandas groupby: slow, obvious, independent of the cell shortcut."""
    current = weights.copy()
    for _ in range(500):
        previous = current.copy()
        for margin in margins:
            column = margin.columns[0]
            sums = pd.Series(current).groupby(responses[column].to_numpy()).sum()
            targets = pd.Series({key[0]: value for key, value in margin.targets.items()})
            current = current * (targets / sums).reindex(responses[column]).to_numpy()
        if np.max(np.abs(current / previous - 1)) < 1e-12:
            break
    return current


@pytest.mark.parametrize("levels", [4, 60])
def test_rake_agrees_with_a_naive_row_level_ipf(levels: int) -> None:
    # 60 levels in each of 3 margins makes 216,000 possible joint cells for 2,000 rows, which
    # takes the sorted (np.unique) path instead of the dense one.
    rng = np.random.default_rng(levels)
    rows = 2000
    responses = pd.DataFrame(
        {name: rng.integers(0, levels, rows).astype(str) for name in ("x", "y", "z")}
    )
    margins = [
        Margin(name, {str(level): float(rng.uniform(50, 150)) for level in range(levels)})
        for name in ("x", "y", "z")
    ]
    total = margins[0].total
    margins = [
        Margin(m.columns, {k: v * total / m.total for k, v in m.targets.items()}) for m in margins
    ]
    start = rng.uniform(1, 3, rows)
    result = rake(responses, start, margins)
    assert result.report.converged
    np.testing.assert_allclose(result.weights, naive_rake(responses, start, margins), rtol=1e-8)
