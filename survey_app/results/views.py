"""Weighted SIPAS results of a round: ranked units with intervals, and one unit's detail.

District roles see every unit; a commune officer sees only their own (authorised on the server
in :mod:`survey_app.rounds.access`). Options (weighting, trimming, cut-off) come from the query
string and are checked; bad ones get a 400 page and an audit entry.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from survey_app.db import get_session
from survey_app.formatting import number
from survey_app.query import QueryProblem, single_values
from survey_app.questionnaires.loading import app_catalog
from survey_app.results.chart import ranked_chart
from survey_app.results.estimates import (
    ALL_UNITS,
    NoResponses,
    Results,
    ResultsProblem,
    compute_results,
    index_percent,
)
from survey_app.results.method_note import REPRODUCE_LABEL
from survey_app.results.options import (
    ADJUSTMENT_LABELS,
    OPTION_PARAMETERS,
    OptionsProblem,
    ResultsOptions,
    results_options,
)
from survey_app.rounds.access import round_for_staff, unit_for_staff, visible_units
from survey_app.rounds.models import SurveyRound
from survey_app.staff import authz
from survey_app.staff.refusals import refuse

bp = Blueprint("results", __name__, url_prefix="/staff/rounds/<round_code>/results")


@bp.app_template_filter("sipas_percent")
def percent_filter(value: float | None) -> str:
    return index_percent(value)


@bp.app_template_filter("sipas_se")
def points_filter(value: float | None) -> str:
    """A share's SE in percentage points (1,8), or '—'."""
    return number(None if value is None else value * 100, 1)


def _options(survey_round: SurveyRound) -> ResultsOptions | tuple[str, int]:
    try:
        args = single_values(request.args, OPTION_PARAMETERS)
        return results_options(current_app.config, survey_round.code, args)
    except (QueryProblem, OptionsProblem) as problem:
        return refuse(f"Tham số không hợp lệ: {problem}", round=survey_round.code)


def _compute(
    survey_round: SurveyRound, options: ResultsOptions
) -> tuple[Results | None, str | None, int]:
    try:
        results = compute_results(get_session(), survey_round, options, app_catalog())
    except NoResponses as problem:
        return None, str(problem), 200
    except ResultsProblem as problem:
        # The data cannot be weighted as asked (e.g. counts missing): say why, show no numbers.
        return None, str(problem), 422
    return results, None, 200


@bp.get("/")
@authz.roles_required(*authz.STAFF_ROLES)
def index(round_code: str) -> str | tuple[str, int]:
    survey_round = round_for_staff(round_code)
    options = _options(survey_round)
    if not isinstance(options, ResultsOptions):
        return options
    units = visible_units(survey_round)
    results, problem, status = _compute(survey_round, options)
    context: dict[str, object] = {
        "survey_round": survey_round,
        "options": options,
        "adjustments": ADJUSTMENT_LABELS,
        "problem": problem,
        "reproduce_label": REPRODUCE_LABEL,
        "district": authz.unit_scope() is None,
    }
    if results is not None:
        codes = {unit.code for unit in units}
        shown = [unit for unit in results.table.ranked() if unit.unit_code in codes]
        factors = results.estimates[results.estimates["level"] == "factor"]
        context |= {
            "note": results.table.note,
            "ranked": shown,
            "chart": ranked_chart(shown),
            "factor_names": list(dict.fromkeys(factors["name"])),
            "factor_labels": dict(zip(factors["name"], factors["label"], strict=True)),
            "factor_cells": {
                (str(row["unit_code"]), str(row["name"])): row
                for _, row in factors.iterrows()
                if str(row["unit_code"]) in codes or context["district"]
            },
            "overall": _overall_row(results) if context["district"] else None,
        }
    return render_template("results/index.html", **context), status


def _overall_row(results: Results) -> dict[str, object] | None:
    rows = results.estimates[
        (results.estimates["unit_code"] == ALL_UNITS) & (results.estimates["level"] == "unit")
    ]
    return None if rows.empty else {str(key): value for key, value in rows.iloc[0].items()}


@bp.get("/<unit_code>")
@authz.roles_required(*authz.STAFF_ROLES)
def unit(round_code: str, unit_code: str) -> str | tuple[str, int]:
    survey_round = round_for_staff(round_code)
    chosen = unit_for_staff(survey_round, unit_code)
    if chosen is None:
        authz.unknown_unit(unit_code)
    options = _options(survey_round)
    if not isinstance(options, ResultsOptions):
        return options
    results, problem, status = _compute(survey_round, options)
    context: dict[str, object] = {
        "survey_round": survey_round,
        "unit": chosen,
        "options": options,
        "adjustments": ADJUSTMENT_LABELS,
        "problem": problem,
        "reproduce_label": REPRODUCE_LABEL,
    }
    if results is not None:
        mine = results.estimates[results.estimates["unit_code"] == chosen.code]
        context |= {
            "note": results.table.note,
            "summary": results.table.get(chosen.code),
            "factors": [row for _, row in mine[mine["level"] == "factor"].iterrows()],
            "items": [row for _, row in mine[mine["level"] == "item"].iterrows()],
        }
    return render_template("results/unit.html", **context), status
