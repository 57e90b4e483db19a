"""The PAR Index on a small example worked by hand (arithmetic in the comments)."""

import numpy as np
import pandas as pd
import pytest

from analysis.errors import AnalysisError
from analysis.par_index import (
    APPRAISED,
    BAND,
    INDEX,
    MAX,
    RANK,
    RULE_APPLIED,
    SATISFACTION_INDEX,
    SATISFACTION_INDEX_USED,
    SATISFACTION_POINTS,
    TOTAL,
    Band,
    band_of,
    check_bands,
    compute_par_index,
)

# Tốt ≥ 90; Khá 80–<90; Trung bình 65–<80; Yếu < 65.
QUALITY = (Band("Tốt", 90), Band("Khá", 80, 90), Band("Trung bình", 65, 80), Band("Yếu", 0, 65))
APPRAISED_MAX = 70.0
SATISFACTION_MAX = 30.0


def _units() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "unit_code": ["A", "B", "C", "D", "E"],
            APPRAISED: [63.5, 60.0, 56.0, 58.5, 62.5],
            SATISFACTION_INDEX: [0.9117, 0.85, np.nan, 0.80, 0.6667],
        }
    )


def _by_unit(result: pd.DataFrame) -> pd.DataFrame:
    return result.set_index("unit_code")


def rows_equal(values: pd.Series, expected: list[float]) -> bool:
    return bool(np.allclose(values.to_numpy(dtype=np.float64), expected))


def test_hand_worked_example_with_rescale() -> None:
    # Satisfaction points = index × 30; total = appraised + satisfaction; index % = total/100.
    #   A: 0.9117 × 30 = 27.351;  63.5 + 27.351 = 90.851 → 90.85 %  Tốt
    #   B: 0.85   × 30 = 25.5;    60.0 + 25.5   = 85.5   → 85.50 %  Khá
    #   D: 0.80   × 30 = 24.0;    58.5 + 24.0   = 82.5   → 82.50 %  Khá
    #   E: 0.6667 × 30 = 20.001;  62.5 + 20.001 = 82.501 → 82.50 %  Khá (rounded: ties with D)
    #   C: no survey, rule "rescale": 56 / 70 × 100 = 80.00 %, total = 80 of 100 points  Khá
    # Ranks (competition, on the index rounded to 2 decimals): A 1, B 2, D 3, E 3, C 5.
    result = compute_par_index(
        _units(),
        appraised_max=APPRAISED_MAX,
        satisfaction_max=SATISFACTION_MAX,
        no_survey_rule="rescale",
        bands=QUALITY,
    )
    assert list(result["unit_code"]) == ["A", "B", "D", "E", "C"]
    rows = _by_unit(result)
    assert rows.loc["A", SATISFACTION_POINTS] == pytest.approx(27.351)
    assert rows.loc["A", TOTAL] == pytest.approx(90.851)
    assert rows.loc["A", INDEX] == pytest.approx(90.851)
    assert rows.loc["B", TOTAL] == pytest.approx(85.5)
    assert rows.loc["D", TOTAL] == pytest.approx(82.5)
    assert rows.loc["E", SATISFACTION_POINTS] == pytest.approx(20.001)
    assert rows.loc["E", TOTAL] == pytest.approx(82.501)
    assert rows.loc["C", TOTAL] == pytest.approx(80.0)
    assert rows.loc["C", INDEX] == pytest.approx(80.0)
    assert np.isnan(rows.loc["C", SATISFACTION_POINTS])
    assert list(rows[MAX]) == [100.0] * 5
    assert rows[RANK].to_dict() == {"A": 1, "B": 2, "D": 3, "E": 3, "C": 5}
    assert rows[BAND].to_dict() == {"A": "Tốt", "B": "Khá", "D": "Khá", "E": "Khá", "C": "Khá"}
    assert rows[RULE_APPLIED].to_dict() == {"A": "", "B": "", "D": "", "E": "", "C": "rescale"}


def test_zero_rule_gives_no_survey_points() -> None:
    # C: 56 + 0 = 56 of 100 → 56.00 %, Yếu (< 65), last: rank 5.
    result = _by_unit(
        compute_par_index(
            _units(),
            appraised_max=APPRAISED_MAX,
            satisfaction_max=SATISFACTION_MAX,
            no_survey_rule="zero",
            bands=QUALITY,
        )
    )
    assert rows_equal(result.loc["C", [SATISFACTION_POINTS, TOTAL, INDEX]], [0.0, 56.0, 56.0])
    assert result.loc["C", BAND] == "Yếu"
    assert result.loc["C", RANK] == 5
    assert result.loc["C", RULE_APPLIED] == "zero"


def test_mean_rule_uses_the_other_units_mean_index() -> None:
    # Mean of A, B, D, E: (0.9117 + 0.85 + 0.80 + 0.6667) / 4 = 3.2284 / 4 = 0.8071;
    # C: 0.8071 × 30 = 24.213; 56 + 24.213 = 80.213 → 80.21 %, still rank 5 (D, E: 82.50).
    result = _by_unit(
        compute_par_index(
            _units(),
            appraised_max=APPRAISED_MAX,
            satisfaction_max=SATISFACTION_MAX,
            no_survey_rule="mean",
            bands=QUALITY,
        )
    )
    assert result.loc["C", SATISFACTION_INDEX_USED] == pytest.approx(0.8071)
    assert result.loc["C", SATISFACTION_POINTS] == pytest.approx(24.213)
    assert result.loc["C", TOTAL] == pytest.approx(80.213)
    assert np.isnan(result.loc["C", SATISFACTION_INDEX])
    assert result.loc["C", RULE_APPLIED] == "mean"


def test_national_groups_leave_a_gap_unbanded() -> None:
    # A ≥ 90; B 80–<90; nothing below 80: C under "zero" (56 %) gets no band.
    groups = (Band("A", 90), Band("B", 80, 90))
    result = _by_unit(
        compute_par_index(
            _units(),
            appraised_max=APPRAISED_MAX,
            satisfaction_max=SATISFACTION_MAX,
            no_survey_rule="zero",
            bands=groups,
        )
    )
    assert result[BAND].to_dict() == {"A": "A", "B": "B", "D": "B", "E": "B", "C": ""}


def test_band_edges_follow_the_rounded_index() -> None:
    # 89.996 % is published as 90.00 %, so it is in the band "≥ 90", as a reader would expect.
    units = pd.DataFrame({"unit_code": ["X"], APPRAISED: [59.996], SATISFACTION_INDEX: [1.0]})
    result = compute_par_index(
        units, appraised_max=70, satisfaction_max=30, no_survey_rule="zero", bands=QUALITY
    )
    assert result.loc[0, BAND] == "Tốt"
    assert band_of(89.99, QUALITY) == "Khá"
    assert band_of(100.0, QUALITY) == "Tốt"
    assert band_of(0.0, QUALITY) == "Yếu"


def test_row_order_is_irrelevant_and_inputs_are_not_mutated() -> None:
    units = _units()
    before = units.copy()
    forward = compute_par_index(
        units, appraised_max=70, satisfaction_max=30, no_survey_rule="rescale", bands=QUALITY
    )
    shuffled = units.sample(frac=1.0, random_state=np.random.default_rng(7))
    backward = compute_par_index(
        shuffled, appraised_max=70, satisfaction_max=30, no_survey_rule="rescale", bands=QUALITY
    )
    pd.testing.assert_frame_equal(forward, backward)
    pd.testing.assert_frame_equal(units, before)


def test_maxima_come_from_the_caller() -> None:
    # A district-style split 80 + 20: A = 63.5 + 0.9117 × 20 = 81.734 of 100.
    result = _by_unit(
        compute_par_index(_units(), appraised_max=80, satisfaction_max=20, no_survey_rule="zero")
    )
    assert result.loc["A", TOTAL] == pytest.approx(81.734)
    assert result.loc["A", BAND] == ""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({APPRAISED: [71.0, 60, 56, 58.5, 62.5]}, "from 0 to 70"),
        ({APPRAISED: [-1.0, 60, 56, 58.5, 62.5]}, "check unit(s) A"),
        ({APPRAISED: ["abc", 60, 56, 58.5, 62.5]}, "must be a number"),
        ({SATISFACTION_INDEX: [91.17, 0.85, np.nan, 0.8, 0.6667]}, "not 91.17 %"),
        ({"unit_code": ["A", "A", "C", "D", "E"]}, "more than once: A"),
    ],
)
def test_bad_units_are_refused(change: dict[str, list[object]], message: str) -> None:
    units = _units().assign(**change)
    with pytest.raises(AnalysisError, match=message.replace("(", r"\(").replace(")", r"\)")):
        compute_par_index(
            units, appraised_max=70, satisfaction_max=30, no_survey_rule="zero", bands=QUALITY
        )


def test_unknown_rule_and_mean_without_any_survey_are_refused() -> None:
    with pytest.raises(AnalysisError, match="'average' is unknown"):
        compute_par_index(_units(), appraised_max=70, satisfaction_max=30, no_survey_rule="average")
    nobody = _units().assign(**{SATISFACTION_INDEX: np.nan})
    with pytest.raises(AnalysisError, match="needs at least one unit with a survey"):
        compute_par_index(nobody, appraised_max=70, satisfaction_max=30, no_survey_rule="mean")


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ((Band("Khá", 80, 90), Band("Tốt", 90)), "out of order"),
        ((Band("Tốt", 90), Band("Khá", 80, 95)), "overlap"),
        ((Band("Tốt", 90), Band("Khá", 80)), "overlap"),
        ((Band("Tốt", 90, 100),), "100 % outside"),
        ((Band("Tốt", 90), Band("Tốt", 80, 90)), "listed twice"),
        ((Band("", 90),), "has no label"),
        ((Band("Khá", 80, 70),), "above the lower bound"),
        ((Band("Tốt", 120),), "between 0 and 100"),
    ],
)
def test_bad_bands_are_refused(bands: tuple[Band, ...], message: str) -> None:
    with pytest.raises(AnalysisError, match=message):
        check_bands(bands)


def test_good_bands_pass_unchanged() -> None:
    assert check_bands(QUALITY) == QUALITY
    assert check_bands(()) == ()


def test_an_empty_round_gives_an_empty_table() -> None:
    empty = _units().iloc[0:0]
    result = compute_par_index(empty, appraised_max=70, satisfaction_max=30, no_survey_rule="zero")
    assert result.empty
    assert result[RANK].dtype == np.int64
