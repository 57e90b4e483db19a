"""Run a design file's weighting steps on responses and report every step.

Design weights N_h / n_h, then the adjustment (rake, post-stratify or linear calibration),
then optional trimming; the report records the parameters and the outcome of each step so the
method and the weights can be published with the results (DOMAIN.md §3).
"""

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.calibration import calibrate_linear
from analysis.columns import RESPONSE_ID, UNIT, as_codes, validate_responses
from analysis.design_file import Trimming, WeightingDesign
from analysis.errors import AnalysisError
from analysis.raking import rake
from analysis.trimming import trim_weights
from analysis.weighting import design_weights, effective_sample_size, kish_deff, post_stratify


@dataclass(frozen=True)
class WeightingRun:
    weights: pd.Series
    report: dict[str, Any]


def summarise_weights(weights: pd.Series) -> dict[str, float]:
    """Sum, spread, Kish deff and effective sample size of a weight column (Kish 1965)."""
    values = weights.to_numpy(dtype="float64")
    return {
        "n": int(values.size),
        "sum": float(values.sum()),
        "min": float(values.min()),
        "max": float(values.max()),
        "mean": float(values.mean()),
        "kish_deff": kish_deff(values),
        "effective_sample_size": effective_sample_size(values),
    }


def _design_step(
    responses: pd.DataFrame, design: WeightingDesign
) -> tuple[pd.Series, dict[str, Any]]:
    weights = design_weights(responses, design.population, design.stratum)
    sampled = set(as_codes(responses[design.stratum], design.stratum).dropna())
    unsampled = sorted(code for code in design.population if code not in sampled)
    return weights, {
        "step": "design",
        "formula": "N_h / n_h",
        "stratum": design.stratum,
        "strata_with_respondents": len(sampled),
        "strata_without_respondents": unsampled,
        "population_of_sampled_strata": float(
            sum(count for code, count in design.population.items() if code in sampled)
        ),
        **summarise_weights(weights),
    }


def _adjust_step(
    responses: pd.DataFrame, weights: pd.Series, design: WeightingDesign
) -> tuple[pd.Series, dict[str, Any]]:
    step: dict[str, Any] = {
        "step": design.method,
        "margins": [
            {"columns": list(margin.columns), "levels": len(margin.targets), "total": margin.total}
            for margin in design.margins
        ],
        "collapse": {column: dict(levels) for column, levels in design.collapse.items()},
        "skipped_target_rows": dict(design.skipped_target_rows),
        "skip_missing": list(design.skip_missing),
    }
    if design.method == "rake":
        raked = rake(
            responses,
            weights,
            design.margins,
            tolerance=design.tolerance,
            max_iterations=design.max_iterations,
            collapse=design.collapse,
            skip_missing=design.skip_missing,
        )
        report = raked.report
        if not report.converged:
            raise AnalysisError(
                f"raking did not converge in {report.iterations} sweeps (last relative change "
                f"{report.max_weight_change:.3g}); raise max_iterations or collapse sparse levels"
            )
        step |= {
            "iterations": report.iterations,
            "converged": report.converged,
            "tolerance": report.tolerance,
            "max_weight_change": report.max_weight_change,
            "max_margin_deviation": report.max_margin_deviation,
        }
        weights = raked.weights
    elif design.method == "poststratify":
        weights = post_stratify(responses, weights, design.margins[0], collapse=design.collapse)
    elif design.method == "linear":
        calibrated = calibrate_linear(
            responses,
            weights,
            design.margins,
            design.numeric_totals,
            population_size=design.population_size,
            collapse=design.collapse,
        )
        step |= {
            "calibration_columns": list(calibrated.design.names),
            "totals": calibrated.design.totals.tolist(),
            "negative_weights": calibrated.negative_weights,
        }
        weights = calibrated.weights
    return weights, step | summarise_weights(weights)


def _trim_step(
    responses: pd.DataFrame, weights: pd.Series, trimming: Trimming
) -> tuple[pd.Series, dict[str, Any]]:
    scale = float(weights.mean()) if trimming.relative_to_mean else 1.0
    lower, upper = trimming.lower * scale, trimming.upper * scale
    trimmed = trim_weights(responses, weights, lower, upper, strict=trimming.strict)
    return trimmed.weights, {
        "step": "trim",
        # JSON has no infinity: an absent bound is reported as null.
        "lower": lower if math.isfinite(lower) else None,
        "upper": upper if math.isfinite(upper) else None,
        "strict": trimming.strict,
        "relative_to_mean": trimming.relative_to_mean,
        "passes": trimmed.passes,
        "outside_per_pass": list(trimmed.outside_per_pass),
        "below_per_pass": list(trimmed.below_per_pass),
        "above_per_pass": list(trimmed.above_per_pass),
        **summarise_weights(trimmed.weights),
    }


def run_weighting(responses: pd.DataFrame, design: WeightingDesign) -> WeightingRun:
    """Weight ``responses`` as ``design`` says; return the weights and a JSON-ready report."""
    columns = {design.stratum, *(name for margin in design.margins for name in margin.columns)}
    columns |= set(design.numeric_totals)
    validate_responses(responses, sorted(columns - {RESPONSE_ID, UNIT}))
    weights, design_report = _design_step(responses, design)
    steps = [design_report]
    if design.method != "none":
        weights, step = _adjust_step(responses, weights, design)
        steps.append(step)
    if design.trimming is not None:
        weights, step = _trim_step(responses, weights, design.trimming)
        steps.append(step)
    negative = int(np.sum(weights.to_numpy() < 0))
    if negative:
        raise AnalysisError(
            f"{negative} final weight(s) are negative (linear calibration is unbounded); "
            "add [trimming] lower = 0, or use method = 'rake'"
        )
    report = {
        "design_file": design.source,
        "method": design.method,
        "steps": steps,
        "summary": summarise_weights(weights),
    }
    return WeightingRun(weights=weights, report=report)
