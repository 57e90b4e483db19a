"""Calibrated designs as objects: the weights and what their calibration-aware variance needs.

R's ``postStratify``, ``rake`` and ``calibrate`` return a design that remembers its
calibration, so ``svymean`` on it reports the calibration-aware SE in one call (Lumley 2010,
§7.2–7.4). :func:`poststratify_design`, :func:`rake_design` and :func:`calibrate_design` do the
same here: each takes the responses and a :class:`~analysis.design.Design` whose ``weights``
column holds the base (design) weights, calibrates them, and returns a
:class:`CalibratedDesign` carrying the calibrated weights and the calibration model (the
auxiliary matrix and the base weights). Every estimator accepts it in place of a ``Design``;
the SE is then the GREG-residual variance of :mod:`analysis.greg` (Deville & Särndal 1992).

For raking this is the exact linearisation of the raking estimator (the GREG projection on the
margins' indicators), which equals R's ``calibrate(..., calfun = "raking")``. R's ``rake()``
approximates the same projection by sweeps of within-margin centring; it agrees only when the
base weights are constant within the raking margins (tests/analysis/test_calibrated.py shows
both numbers).
"""

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from analysis.calibration import calibrate_linear, calibration_matrix
from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.greg import Calibration, calibration_model
from analysis.margins import Collapse, Margin
from analysis.raking import RAKE_MAX_ITERATIONS, RAKE_TOLERANCE, RakeReport, rake
from analysis.weighting import post_stratify


@dataclass(frozen=True)
class CalibratedDesign:
    """A design whose weights were calibrated: ``design`` names the strata, PSUs and FPC (its
    ``weights`` column holds the base weights), ``weights`` the calibrated weights (indexed
    like the responses), ``calibration`` the model behind them, ``method`` how they were made,
    ``report`` the raking report (None otherwise)."""

    design: Design
    weights: pd.Series
    calibration: Calibration
    method: str
    report: RakeReport | None = None

    def frame(self, responses: pd.DataFrame, columns: Sequence[str] = ()) -> pd.DataFrame:
        """The design columns and ``columns`` of ``responses``, with the calibrated weights."""
        if not self.weights.index.equals(responses.index):
            raise AnalysisError(
                "the calibrated design was built on other responses (the index differs)"
            )
        names = list(dict.fromkeys([*self.design.columns(), *columns]))
        return responses[names].assign(**{self.design.weights: self.weights})


def _base(responses: pd.DataFrame, design: Design) -> pd.Series:
    if design.weights not in responses.columns:
        raise AnalysisError(f"responses have no base weight column {design.weights!r}")
    return responses[design.weights].astype("float64")


def poststratify_design(
    responses: pd.DataFrame,
    design: Design,
    margin: Margin,
    *,
    collapse: Collapse | None = None,
) -> CalibratedDesign:
    """Post-stratify the base weights to ``margin`` (R's ``postStratify``) as a design."""
    base = _base(responses, design)
    weights = post_stratify(responses, base, margin, collapse=collapse)
    matrix = calibration_matrix(responses, [margin], collapse=collapse)
    return CalibratedDesign(design, weights, calibration_model(matrix, base), "poststratify")


def rake_design(
    responses: pd.DataFrame,
    design: Design,
    margins: Sequence[Margin],
    *,
    collapse: Collapse | None = None,
    tolerance: float = RAKE_TOLERANCE,
    max_iterations: int = RAKE_MAX_ITERATIONS,
    skip_missing: Collection[str] = (),
) -> CalibratedDesign:
    """Rake the base weights to ``margins`` (:func:`analysis.raking.rake`) as a design.

    The variance is the exact linearisation (R's ``calibrate(calfun = "raking")``, module
    docstring). Raking must converge; ``skip_missing`` is refused, since rows sitting out a
    margin have no calibration model to linearise.
    """
    if skip_missing:
        raise AnalysisError(
            "a raked design with skip_missing has no calibration-aware variance; impute or "
            "collapse the missing answers, or rake with rake() and hold the weights fixed"
        )
    base = _base(responses, design)
    raked = rake(
        responses,
        base,
        margins,
        tolerance=tolerance,
        max_iterations=max_iterations,
        collapse=collapse,
    )
    if not raked.report.converged:
        raise AnalysisError(
            f"raking did not converge in {raked.report.iterations} sweeps; raise "
            "max_iterations or collapse sparse levels"
        )
    matrix = calibration_matrix(responses, margins, collapse=collapse)
    calibration = calibration_model(matrix, base)
    return CalibratedDesign(design, raked.weights, calibration, "rake", raked.report)


def calibrate_design(
    responses: pd.DataFrame,
    design: Design,
    margins: Sequence[Margin] = (),
    numeric_totals: Mapping[str, float] | None = None,
    *,
    population_size: float | None = None,
    collapse: Collapse | None = None,
) -> CalibratedDesign:
    """Linear (GREG) calibration of the base weights (R's ``calibrate(calfun = "linear")``)."""
    base = _base(responses, design)
    result = calibrate_linear(
        responses,
        base,
        margins,
        numeric_totals,
        population_size=population_size,
        collapse=collapse,
    )
    calibration = calibration_model(result.design, base)
    return CalibratedDesign(design, result.weights, calibration, "linear")
