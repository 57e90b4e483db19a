"""The SIPAS results of one questionnaire version, with the method block published beside them.

What the ``estimate`` command writes: the index table (items, factors, unit; overall and per
by-column) and a JSON document holding the same tables, the mean scores, the score
distribution and a ``method`` block (questionnaire version, design, parameters, the weighting
report) so the numbers can be reproduced and audited (DESIGN.md: weights and results are
reproducible).
"""

import json
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy

from analysis.calibration import calibration_matrix
from analysis.codebook import Codebook
from analysis.columns import FORM_ID, FORM_VERSION, as_codes
from analysis.design import Design, prepare_design
from analysis.design_file import WeightingDesign
from analysis.errors import AnalysisError
from analysis.greg import Calibration, calibration_model
from analysis.recode import SATISFIED_THRESHOLD, recode_scores
from analysis.sipas import MIN_N, MissingComponents, summarise_satisfaction
from analysis.weighting import design_weights

OVERALL = "overall"


@dataclass(frozen=True)
class ReportOptions:
    """Parameters of the estimates, recorded in the method block."""

    by: tuple[str, ...] = ()
    threshold: float = SATISFIED_THRESHOLD
    confidence: float = 0.95
    min_n: int = MIN_N
    missing: MissingComponents = "propagate"


@dataclass(frozen=True)
class SatisfactionReport:
    """The index table (CSV) and the full JSON-ready document."""

    index: pd.DataFrame
    document: dict[str, Any] = field(default_factory=dict)


def check_form_version(responses: pd.DataFrame, codebook: Codebook) -> None:
    """Raise if ``responses`` record another form or version than the codebook's."""
    for column, expected in ((FORM_ID, codebook.form_id), (FORM_VERSION, codebook.version)):
        if column not in responses.columns:
            continue
        found = sorted(set(as_codes(responses[column], column).dropna()) - {expected})
        if found:
            raise AnalysisError(
                f"responses have {column} {found} but the questionnaire is "
                f"{codebook.form_id} {codebook.version}; estimate each version separately "
                "with its own questionnaire file"
            )


def calibration_from_design(responses: pd.DataFrame, weighting: WeightingDesign) -> Calibration:
    """Rebuild the calibration model a design file's adjustment step used (for GREG SEs).

    Base weights N_h/n_h and the calibration matrix of the design file's margins and numeric
    totals: post-stratification, raking and linear calibration all linearise to the GREG
    residual on that matrix (Deville & Särndal 1992). After trimming the weights meet the
    totals only approximately, so the SE is then an approximation too.
    """
    if weighting.method == "none":
        raise AnalysisError(
            "the design file has no adjustment step (method = 'none'), so there is no "
            "calibration to reflect in the SEs; drop --calibrated-se"
        )
    if weighting.skip_missing:
        raise AnalysisError(
            "the design file rakes with skip_missing, which is not a calibration on a fixed "
            "matrix; drop --calibrated-se (the SEs then hold the weights fixed)"
        )
    base = design_weights(responses, weighting.population, weighting.stratum)
    matrix = calibration_matrix(
        responses,
        weighting.margins,
        weighting.numeric_totals,
        population_size=weighting.population_size,
        collapse=weighting.collapse,
    )
    return calibration_model(matrix, base)


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows (pandas writes NaN and infinities as null)."""
    rows: list[dict[str, Any]] = json.loads(table.to_json(orient="records", double_precision=15))
    return rows


def _domain_blocks(
    tables: Sequence[tuple[str, pd.DataFrame]],
) -> pd.DataFrame:
    """Stack per-by-column tables with ``by`` (column name) and ``domain`` (its value)."""
    blocks = []
    for by, table in tables:
        domain = table[by].astype(str) if by != OVERALL else pd.Series("", index=table.index)
        rest = table.drop(columns=[by]) if by != OVERALL else table
        blocks.append(rest.assign(by=by, domain=domain.to_numpy()))
    stacked = pd.concat(blocks, ignore_index=True)
    leading = ["by", "domain"]
    return stacked[leading + [name for name in stacked.columns if name not in leading]]


def report_satisfaction(
    responses: pd.DataFrame,
    codebook: Codebook,
    design: Design,
    options: ReportOptions,
    *,
    calibration: Calibration | None = None,
    provenance: Mapping[str, Any] | None = None,
) -> SatisfactionReport:
    """Estimate the SIPAS index, mean scores and distribution overall and per by-column.

    ``responses`` holds answer codes (recoded here with the codebook), the weight and the
    design columns; each by-column gives its own domains (not crossed). ``provenance`` (input
    files, the weighting report, ...) is copied into the method block.
    """
    check_form_version(responses, codebook)
    scores = recode_scores(responses, codebook)
    factors = {item.name: item.factor for item in codebook.items}
    absent = [name for name in (*design.columns(), *options.by) if name not in responses.columns]
    if absent:
        raise AnalysisError(
            f"column(s) {absent} named by the design or --by are absent from the responses"
        )
    kept = list(dict.fromkeys([*design.columns(), *options.by]))
    data = pd.concat([responses[kept], scores.drop(columns=kept, errors="ignore")], axis=1)
    for name in options.by:
        data[name] = as_codes(data[name], name)
    results = [
        (
            by,
            summarise_satisfaction(
                data,
                factors,
                design,
                by=() if by == OVERALL else by,
                threshold=options.threshold,
                confidence=options.confidence,
                min_n=options.min_n,
                missing=options.missing,
                calibration=calibration,
            ),
        )
        for by in (OVERALL, *options.by)
    ]
    index = _domain_blocks([(by, result.index) for by, result in results])
    mean_scores = _domain_blocks([(by, result.mean_scores) for by, result in results])
    distribution = _domain_blocks([(by, result.distribution) for by, result in results])
    arrays = prepare_design(data, design)
    method = {
        "questionnaire": {"form_id": codebook.form_id, "version": codebook.version},
        "responses": len(responses),
        "index": (
            "item: weighted share with score >= threshold among valid answers; factor: mean "
            "of its item indices; unit: mean of the factor indices"
        ),
        "variance": (
            "Taylor linearisation of the combined ratio estimators, stratified with FPC "
            + (
                "(calibration-aware: GREG residuals on the weighting margins)"
                if calibration is not None
                else "(weights treated as fixed)"
            )
        ),
        "design": {
            "weights": design.weights,
            "strata": design.strata,
            "psu": design.psu,
            "fpc": design.fpc if isinstance(design.fpc, str | None) else "N_h per stratum",
            "strata_count": arrays.strata_count,
            "lonely_psu": design.lonely_psu,
            "degrees_of_freedom": arrays.degf,
        },
        "parameters": {
            "threshold": options.threshold,
            "confidence": options.confidence,
            "interval": "logit (index), t (mean scores), df = design degrees of freedom",
            "min_n": options.min_n,
            "missing_components": options.missing,
            "by": list(options.by),
        },
        "software": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "scipy": scipy.__version__,
        },
        **dict(provenance or {}),
    }
    document = {
        "method": method,
        "index": _records(index),
        "mean_scores": _records(mean_scores),
        "distribution": _records(distribution),
    }
    return SatisfactionReport(index=index, document=document)
