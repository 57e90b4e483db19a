"""Response targets of a round: review, compute from the sampling plan, edit one unit.

District officers and administrators only. Every change is audited with the old and the new
value (:mod:`survey_app.quotas.targets`); forms carry CSRF tokens and refuse negative or
non-numeric values with a message next to the field.
"""

from __future__ import annotations

from typing import cast

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app.db import get_session
from survey_app.quotas.cells import DIMENSION_LABELS
from survey_app.quotas.forms import (
    FLOOR_FIELDS,
    ComputeTargetsForm,
    cell_field,
    ordered_cells,
    unit_form,
)
from survey_app.quotas.targets import (
    TargetPlan,
    TargetsProblem,
    UnitTargets,
    compute_targets,
    parse_method,
    parse_shares,
    round_targets,
    update_unit_targets,
)
from survey_app.rounds.access import round_for_staff
from survey_app.rounds.models import SurveyRound
from survey_app.rounds.services import round_questionnaire
from survey_app.staff import authz

bp = Blueprint("quotas", __name__, url_prefix="/staff/rounds/<round_code>/targets")

EDITORS = ("admin", "district_officer")
Page = str | tuple[str, int] | WerkzeugResponse


def _render_list(
    survey_round: SurveyRound, form: ComputeTargetsForm, status: int = 200
) -> tuple[str, int]:
    units = round_targets(get_session(), survey_round)
    html = render_template(
        "quotas/targets.html",
        survey_round=survey_round,
        units=units,
        mismatched=[unit for unit in units if unit.mismatches()],
        form=form,
        dimensions=DIMENSION_LABELS,
    )
    return html, status


@bp.get("/")
@authz.roles_required(*EDITORS)
def targets(round_code: str) -> Page:
    survey_round = round_for_staff(round_code)
    return _render_list(survey_round, ComputeTargetsForm(formdata=None))


@bp.post("/compute")
@authz.roles_required(*EDITORS)
def compute(round_code: str) -> Page:
    survey_round = round_for_staff(round_code)
    form = ComputeTargetsForm()
    if not form.validate():
        return _render_list(survey_round, form, 400)
    session = get_session()
    try:
        plan = TargetPlan(
            method=parse_method(form.method.data),
            e=cast(float, form.e.data),  # validate() refused a missing or bad value
            floors={
                kind: getattr(form, name).data
                for kind, name in FLOOR_FIELDS.items()
                if getattr(form, name).data is not None
            },
            by_field=bool(form.by_field.data),
            sex_age_shares=parse_shares(form.sex_age_shares.data or ""),
        )
        changes = compute_targets(session, survey_round, plan)
    except TargetsProblem as problem:
        session.rollback()
        flash(f"Chưa tính được chỉ tiêu: {problem}", "error")
        return _render_list(survey_round, form, 422)
    session.commit()
    flash(
        f"Đã tính chỉ tiêu cho {len(survey_round.units)} đơn vị ({len(changes)} thay đổi).",
        "info",
    )
    return redirect(url_for(".targets", round_code=round_code))


@bp.route("/<unit_code>", methods=["GET", "POST"])
@authz.roles_required(*EDITORS)
def edit_unit(round_code: str, unit_code: str) -> Page:
    survey_round = round_for_staff(round_code)
    session = get_session()
    unit: UnitTargets | None = next(
        (u for u in round_targets(session, survey_round) if u.code == unit_code), None
    )
    if unit is None:
        abort(404)
    questionnaire = round_questionnaire(survey_round)
    cells = ordered_cells(unit.cells, questionnaire)
    form = unit_form(cells, questionnaire)
    if not form.is_submitted():
        form.target.data = unit.target
        for cell in unit.cells:
            form[cell_field(cell)].data = cell.target
    elif form.validate():
        try:
            changes = update_unit_targets(
                session,
                survey_round,
                unit.unit_id,
                form.target.data,
                {(c.dimension, c.cell): form[cell_field(c)].data for c in unit.cells},
            )
        except TargetsProblem as problem:
            session.rollback()
            flash(f"Chưa lưu được: {problem}", "error")
        else:
            session.commit()
            flash(
                f"Đã lưu chỉ tiêu của {unit.name} ({len(changes)} thay đổi)."
                if changes
                else "Không có thay đổi nào.",
                "info",
            )
            return redirect(url_for(".targets", round_code=round_code))
    status = 400 if form.is_submitted() else 200
    html = render_template(
        "quotas/unit.html",
        survey_round=survey_round,
        unit=unit,
        form=form,
        cell_fields=[
            (dimension, [form[cell_field(c)] for c in cells if c.dimension == dimension])
            for dimension in DIMENSION_LABELS
        ],
        dimensions=DIMENSION_LABELS,
    )
    return html, status
