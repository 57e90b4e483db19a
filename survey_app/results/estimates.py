"""Weighted SIPAS results of a round: index per unit, factor and item, with CI, n and a note.

Public API for other parts of the app (the PAR Index uses :func:`satisfaction_by_unit`):

- :func:`satisfaction_by_unit` → :class:`SatisfactionTable`: one :class:`UnitSatisfaction` per
  unit of the round (index as a share 0–1, SE, CI, n, small-sample flag) and the
  :class:`~survey_app.results.method_note.MethodNote`.
- :func:`compute_results` → :class:`Results`: the same plus the tidy table of every item,
  factor and unit estimate (and the all-units rows), as pages and exports show them.

The statistics are ``analysis`` (:mod:`analysis.sipas`, :mod:`analysis.weighting_chain`); this
module gathers the inputs through :mod:`survey_app.responses.frames`, applies the small-sample
policy and assembles the note. Same database rows and options → same numbers (rows are read in
id order; no randomness anywhere).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

import pandas as pd
from flask import current_app
from sqlalchemy.orm import Session

from analysis import columns as col
from analysis.design import Design
from analysis.errors import AnalysisError
from analysis.ranking import rank_intervals
from analysis.recode import recode_scores
from analysis.sipas import satisfaction_index
from survey_app.formatting import percent
from survey_app.questionnaires.loading import app_catalog
from survey_app.questionnaires.model import Catalog, Questionnaire
from survey_app.responses.frames import RESPONDENTS, codebook_for, population_table, responses_frame
from survey_app.results.method_note import MethodNote, build_note
from survey_app.results.options import ResultsOptions, results_options
from survey_app.results.weighting import RoundWeights, WeightingProblem, weigh_round
from survey_app.rounds.access import round_units
from survey_app.rounds.models import SurveyRound

#: Columns of :attr:`Results.estimates`, in order.
ESTIMATE_COLUMNS: Final = (
    "unit_code",
    "unit_name",
    "level",
    "name",
    "factor",
    "label",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "n",
    "n_min",
    "deff",
    "small_sample",
    "suppressed",
    "rank",
    "rank_low",
    "rank_high",
)
#: The joint rank interval of each unit row (None on item, factor and all-units rows).
RANK_COLUMNS: Final = ("rank", "rank_low", "rank_high")
#: ``unit_code`` of the rows that cover every unit of the round together.
ALL_UNITS: Final = ""
ALL_UNITS_NAME: Final = "Tất cả đơn vị"
# Single-respondent units: centre at the domain estimate (R's survey.lonely.psu = "adjust").
LONELY_PSU: Final = "adjust"
#: How the rank intervals are made (Klein, Wright & Wieczorek 2020), for the note.
RANK_METHOD: Final = (
    "khoảng hạng đồng thời (Klein, Wright & Wieczorek 2020): khoảng tin cậy Bonferroni của mọi "
    "đơn vị có chỉ số, cùng mức tin cậy; hạng a–b nghĩa là dữ liệu không phân biệt được đơn vị "
    "với các hạng trong khoảng đó (khoảng hạng đồng thời, hiệu chỉnh Bonferroni)"
)


class ResultsProblem(ValueError):
    """Results cannot be computed for this round and these options; the message says why."""


class NoResponses(ResultsProblem):
    """No response was submitted before the cut-off: nothing to estimate yet."""


@dataclass(frozen=True)
class UnitSatisfaction:
    """A unit's SIPAS index: share satisfied 0–1 (None when suppressed or without answers)."""

    unit_code: str
    unit_name: str
    index: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    small_sample: bool
    suppressed: bool
    rank: int | None = None
    rank_low: int | None = None
    rank_high: int | None = None


@dataclass(frozen=True)
class SatisfactionTable:
    """Every unit of the round (by unit code) and the method note behind the numbers."""

    units: tuple[UnitSatisfaction, ...]
    note: MethodNote

    def get(self, unit_code: str) -> UnitSatisfaction | None:
        return next((unit for unit in self.units if unit.unit_code == unit_code), None)

    def ranked(self) -> list[UnitSatisfaction]:
        """Highest index first; units without a (shown) index last, by code."""
        return sorted(
            self.units,
            key=lambda u: (u.index is None, -(u.index or 0.0), u.unit_code),
        )


@dataclass(frozen=True)
class Results:
    table: SatisfactionTable
    estimates: pd.DataFrame
    weights: RoundWeights


def _labels(questionnaire: Questionnaire) -> dict[str, str]:
    labels = {factor.name: factor.label.get("vi") for factor in questionnaire.factors}
    labels |= {q.name: q.label.get("vi") for q in questionnaire.questions}
    labels["unit"] = "Chỉ số hài lòng của đơn vị"
    return labels


def _optional(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


def _tidy(
    index: pd.DataFrame, options: ResultsOptions, names: dict[str, str], labels: dict[str, str]
) -> pd.DataFrame:
    """Apply the small-sample rule and the policy, and order the columns."""
    table = index.copy()
    if col.UNIT not in table.columns:
        table.insert(0, col.UNIT, ALL_UNITS)
    table[col.UNIT] = table[col.UNIT].astype(str)
    table.insert(1, "unit_name", table[col.UNIT].map(lambda code: names.get(code, ALL_UNITS_NAME)))
    table["label"] = table["name"].map(lambda name: labels.get(str(name), str(name)))
    # Small means few respondents behind the estimate: for a factor or the unit, those with a
    # valid answer to at least one of its items (not the sparsest item, which for the
    # feedback items is small by design).
    table["small_sample"] = table["n"].to_numpy() < options.min_n
    suppress = table["small_sample"].to_numpy() & (options.small_n_policy == "suppress")
    table["suppressed"] = suppress
    for name in ("estimate", "se", "ci_low", "ci_high", "deff"):
        table[name] = table[name].astype("float64").mask(suppress)
    # The rank columns come after, from every unit together (:func:`_with_ranks`).
    kept = [name for name in ESTIMATE_COLUMNS if name not in RANK_COLUMNS]
    return table[kept].reset_index(drop=True)


def _survey_deff(overall: pd.DataFrame) -> tuple[float, float, float] | None:
    values = overall.loc[overall["level"] == "item", "deff"].astype("float64").dropna()
    if values.empty:
        return None
    return (float(values.min()), float(values.median()), float(values.max()))


def compute_results(
    session: Session,
    survey_round: SurveyRound,
    options: ResultsOptions,
    catalog: Catalog,
) -> Results:
    """Weigh the round's responses up to the cut-off and estimate the SIPAS index.

    Raises :class:`ResultsProblem` (with a message that says what to fix) when there are no
    responses or the weights cannot be computed.
    """
    questionnaire = catalog.get(survey_round.form_id, survey_round.form_version)
    codebook = codebook_for(questionnaire)
    units = round_units(session, survey_round)
    names = {unit.code: unit.name for unit in units}
    rows = responses_frame(
        session,
        survey_round,
        questionnaire,
        submitted_before=options.cutoff_moment(),
        questions=[col.FIELD, *codebook.item_names],
    )
    if rows.empty:
        raise NoResponses("chưa có phiếu trả lời nào trước mốc dữ liệu đã chọn")
    population = population_table(session, survey_round)
    cells = (
        rows.groupby([col.UNIT, col.FIELD], dropna=False, sort=True)
        .size()
        .rename(RESPONDENTS)
        .reset_index()
    )
    try:
        weights = weigh_round(cells, population, options.weighting)
        frame = recode_scores(rows, codebook).assign(
            **{
                col.UNIT: rows[col.UNIT],
                col.FIELD: rows[col.FIELD],
                col.WEIGHT: weights.weights_for(rows),
            }
        )
        calibration = weights.calibration_for(frame)
        sampled_units = int(frame[col.UNIT].nunique())
        # A t or logit interval needs design degrees of freedom (#PSUs - #strata) >= 1.
        interval = "logit" if len(frame) - sampled_units >= 1 else "normal"
        design = Design(
            weights=col.WEIGHT,
            strata=col.UNIT,
            fpc=dict(weights.unit_population),
            lonely_psu=LONELY_PSU,
        )
        factors = {item.name: item.factor for item in codebook.items}
        common: dict[str, Any] = {
            "confidence": options.confidence,
            "interval": interval,
            "min_n": options.min_n,
            "missing": options.missing,
            "calibration": calibration,
        }
        by_unit = satisfaction_index(frame, factors, design, by=col.UNIT, **common)
        overall = satisfaction_index(frame, factors, design, **common)
    except (AnalysisError, WeightingProblem) as error:
        raise ResultsProblem(str(error)) from error
    labels = _labels(questionnaire)
    estimates = _with_ranks(
        pd.concat(
            [_tidy(by_unit, options, names, labels), _tidy(overall, options, names, labels)],
            ignore_index=True,
        ),
        by_unit,
        options,
    )
    note = build_note(
        survey_round,
        questionnaire,
        options,
        population,
        weights=weights,
        responses=len(rows),
        latest_submitted_at=rows[col.SUBMITTED_AT].max().to_pydatetime(),
        survey_deff=_survey_deff(overall),
        interval=interval,
    ).with_extra([("Khoảng hạng (rank intervals)", RANK_METHOD)])
    unit_rows = estimates[(estimates["level"] == "unit") & (estimates[col.UNIT] != ALL_UNITS)]
    found = {str(row[col.UNIT]): row for _, row in unit_rows.iterrows()}
    respondents = rows[col.UNIT].value_counts()
    table = []
    for unit in units:
        code, name = unit.code, unit.name
        row = found.get(code)
        if row is None:
            n = int(respondents.get(code, 0))
            small = n < options.min_n
            table.append(
                UnitSatisfaction(
                    code, name, None, None, None, None, n, small, small and _suppressing(options)
                )
            )
            continue
        table.append(
            UnitSatisfaction(
                unit_code=code,
                unit_name=name,
                index=_optional(row["estimate"]),
                se=_optional(row["se"]),
                ci_low=_optional(row["ci_low"]),
                ci_high=_optional(row["ci_high"]),
                n=int(row["n"]),
                small_sample=bool(row["small_sample"]),
                suppressed=bool(row["suppressed"]),
                rank=row["rank"],
                rank_low=row["rank_low"],
                rank_high=row["rank_high"],
            )
        )
    return Results(
        table=SatisfactionTable(units=tuple(table), note=note),
        estimates=estimates,
        weights=weights,
    )


def _with_ranks(
    estimates: pd.DataFrame, by_unit: pd.DataFrame, options: ResultsOptions
) -> pd.DataFrame:
    """Add each unit's rank and joint rank interval to its unit row (None elsewhere).

    Units with a shown index are ranked (highest first) with
    :func:`analysis.ranking.rank_intervals` at the results' confidence, the SEs and the
    degrees of freedom of the index; suppressed units are not ranked.
    """
    shown = estimates[
        (estimates["level"] == "unit")
        & (estimates[col.UNIT] != ALL_UNITS)
        & estimates["estimate"].notna()
        & estimates["se"].notna()
    ]
    ranked = estimates.assign(**dict.fromkeys(RANK_COLUMNS))
    if shown.empty:
        return ranked
    units = by_unit[by_unit["level"] == "unit"]
    df = float(units["df"].iloc[0]) if not units.empty else float("inf")
    ranks = rank_intervals(
        shown.set_index(col.UNIT)["estimate"],
        shown.set_index(col.UNIT)["se"],
        confidence=options.confidence,
        df=df,
    )
    for name in RANK_COLUMNS:
        # Plain ints (or None) so that pages and exports print 3, not 3.0.
        values = {code: int(value) for code, value in ranks[name].items()}
        ranked[name] = pd.Series(
            [
                values.get(code) if index in shown.index else None
                for index, code in zip(ranked.index, ranked[col.UNIT], strict=True)
            ],
            index=ranked.index,
            dtype=object,
        )
    return ranked


def _suppressing(options: ResultsOptions) -> bool:
    return options.small_n_policy == "suppress"


def default_options(survey_round: SurveyRound) -> ResultsOptions:
    """The round's options from the app config (no request overrides)."""
    return results_options(current_app.config, survey_round.code)


def satisfaction_by_unit(
    session: Session,
    survey_round: SurveyRound,
    options: ResultsOptions | None = None,
    *,
    catalog: Catalog | None = None,
) -> SatisfactionTable:
    """The weighted SIPAS index of every unit of ``survey_round``, with SE, CI, n and the note.

    Stable interface (the PAR Index calls it): ``index`` is the share satisfied in [0, 1]
    (points = index × the criterion's maximum); ``None`` when the unit has no answers or its
    estimate is suppressed (``RESULTS_SMALL_N_POLICY = "suppress"`` and n < ``RESULTS_MIN_N``).
    ``options`` default to the app config for the round; ``catalog`` to the app's
    questionnaires. Raises :class:`ResultsProblem` when nothing can be computed.
    """
    if options is None:
        options = default_options(survey_round)
    if catalog is None:
        catalog = app_catalog()
    return compute_results(session, survey_round, options, catalog).table


def index_percent(value: float | None) -> str:
    """A share as a Vietnamese-style percentage with one decimal (91,2 %), or '—'."""
    return percent(value, 1)
