"""Linear (GREG) calibration: against R's calibrate(calfun = "linear") and its defining identity."""

import numpy as np
import pandas as pd
import pytest

from analysis.calibration import INTERCEPT, calibrate_linear, calibration_matrix
from analysis.errors import AnalysisError
from analysis.weighting import post_stratify
from tests.analysis.r_weighting import (
    RELATIVE,
    fixture,
    r_weights,
    read_api,
    sch_wide_margin,
    stype_margin,
)


def api99_total() -> dict[str, float]:
    return {"api99": float(fixture()["population"]["api99_total"])}


def test_linear_calibration_matches_r() -> None:
    apiclus1 = read_api("apiclus1")
    result = calibrate_linear(apiclus1, apiclus1["pw"], [stype_margin()], api99_total())
    np.testing.assert_allclose(
        result.weights, r_weights("apiclus1_calibrate_linear_stype_api99"), rtol=RELATIVE
    )
    assert result.design.names == ("stype=E", "stype=H", "stype=M", "api99")
    assert result.negative_weights == 0


def test_calibrated_weights_reproduce_the_totals() -> None:
    apiclus1 = read_api("apiclus1")
    result = calibrate_linear(
        apiclus1, apiclus1["pw"], [stype_margin(), sch_wide_margin()], api99_total()
    )
    X = result.design.matrix
    np.testing.assert_allclose(X.T @ result.weights.to_numpy(), result.design.totals, rtol=1e-10)
    np.testing.assert_allclose(result.weights / apiclus1["pw"], result.g)


def test_population_size_alone_gives_an_intercept() -> None:
    apiclus1 = read_api("apiclus1")
    by_intercept = calibrate_linear(
        apiclus1, apiclus1["pw"], [], api99_total(), population_size=6194
    )
    assert by_intercept.design.names == (INTERCEPT, "api99")
    by_margin = calibrate_linear(apiclus1, apiclus1["pw"], [stype_margin()])
    assert by_intercept.weights.sum() == pytest.approx(6194)
    assert by_margin.weights.sum() == pytest.approx(6194)


def test_calibration_on_one_margin_is_post_stratification() -> None:
    apiclus1 = read_api("apiclus1")
    calibrated = calibrate_linear(apiclus1, apiclus1["pw"], [stype_margin()])
    np.testing.assert_allclose(
        calibrated.weights, post_stratify(apiclus1, apiclus1["pw"], stype_margin()), rtol=1e-10
    )


def test_design_matrix_is_exposed_for_greg_residuals() -> None:
    apiclus1 = read_api("apiclus1")
    design = calibration_matrix(apiclus1, [stype_margin(), sch_wide_margin()], api99_total())
    assert design.names == ("stype=E", "stype=H", "stype=M", "sch.wide=Yes", "api99")
    assert design.matrix.shape == (len(apiclus1), 5)
    np.testing.assert_array_equal(design.matrix[:, :3].sum(axis=1), 1.0)
    assert design.totals[3] == fixture()["population"]["sch_wide"]["Yes"]


def test_calibration_errors() -> None:
    apiclus1 = read_api("apiclus1")
    with pytest.raises(AnalysisError, match="collinear"):
        calibrate_linear(
            apiclus1.assign(api99_copy=apiclus1["api99"]),
            apiclus1["pw"],
            [stype_margin()],
            {"api99": 1.0, "api99_copy": 1.0},
        )
    with pytest.raises(AnalysisError, match="population size 6000 differs"):
        calibrate_linear(apiclus1, apiclus1["pw"], [stype_margin()], population_size=6000)
    with pytest.raises(AnalysisError, match="at least one margin"):
        calibrate_linear(apiclus1, apiclus1["pw"])
    with pytest.raises(AnalysisError, match=r"column 'acs.k3'.* needs a number in every row"):
        calibrate_linear(apiclus1, apiclus1["pw"], [stype_margin()], {"acs.k3": 1.0})
    with pytest.raises(AnalysisError, match="no column 'enrolment'"):
        calibrate_linear(apiclus1, apiclus1["pw"], [stype_margin()], {"enrolment": 1.0})


def test_row_order_is_irrelevant() -> None:
    apiclus1 = read_api("apiclus1")
    shuffled = apiclus1.sample(frac=1, random_state=1)
    original = calibrate_linear(apiclus1, apiclus1["pw"], [stype_margin()], api99_total())
    reordered = calibrate_linear(shuffled, shuffled["pw"], [stype_margin()], api99_total())
    pd.testing.assert_series_equal(
        original.weights.sort_index(), reordered.weights.sort_index(), rtol=1e-10
    )
