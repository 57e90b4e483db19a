"""Response targets of a round: review, compute from the sampling plan, edit one unit.

District officers and administrators only. Every change is audited with the old and the new
value (:mod:`survey_app.quota_targets`); forms carry CSRF tokens and refuse negative or
non-numeric values with a message next to the field.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import BooleanField, FloatField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError
from wtforms.validators import Optional as OptionalValue
from wtforms.widgets import TextInput

from survey_app import authz
from survey_app.db import get_session
from survey_app.models import SurveyRound
from survey_app.questionnaires import Questionnaire
from survey_app.quota_cells import DIMENSION_LABELS, cell_label, cell_order
from survey_app.quota_targets import (
    DEFAULT_FLOORS,
    CellTarget,
    TargetPlan,
    TargetsProblem,
    UnitTargets,
    compute_targets,
    parse_method,
    parse_shares,
    round_targets,
    update_unit_targets,
)
from survey_app.round_access import round_for_staff

bp = Blueprint("quotas", __name__, url_prefix="/staff/rounds/<round_code>/targets")

EDITORS = ("admin", "district_officer")
FLOOR_FIELDS = {"xa": "floor_xa", "phuong": "floor_phuong", "thi_tran": "floor_thi_tran"}
Page = str | tuple[str, int] | WerkzeugResponse


class CountField(IntegerField):
    """A whole number >= 0 typed by staff; empty means no value. Messages in Vietnamese."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        text = str(valuelist[0]).strip() if valuelist else ""
        if not text:
            return
        try:
            number = int(text)
        except ValueError:
            raise ValueError("Hãy nhập một số nguyên, ví dụ 150.") from None
        if number < 0:
            raise ValueError("Không được nhập số âm.")
        self.data = number


class MarginField(FloatField):
    """A margin of error strictly between 0 and 1; a decimal comma is accepted (0,05)."""

    # A text box: a number box would refuse the decimal comma Vietnamese users type.
    widget = TextInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        text = str(valuelist[0]).strip().replace(",", ".") if valuelist else ""
        try:
            value = float(text)
        except ValueError:
            raise ValueError("Hãy nhập một số thập phân, ví dụ 0,05.") from None
        if not 0.0 < value < 1.0:
            raise ValueError("Sai số phải lớn hơn 0 và nhỏ hơn 1, ví dụ 0,05.")
        self.data = value


class ComputeTargetsForm(FlaskForm):
    method = SelectField(
        "Công thức cỡ mẫu",
        choices=[
            SelectChoice("slovin", "Slovin: n = N / (1 + N·e²)"),
            SelectChoice("cochran", "Cochran, hiệu chỉnh quần thể hữu hạn (độ tin cậy 95 %)"),
        ],
        default="slovin",
    )
    e = MarginField("Sai số cho phép e", default=0.05)
    floor_xa = CountField("Tối thiểu mỗi xã", default=DEFAULT_FLOORS["xa"])
    floor_phuong = CountField("Tối thiểu mỗi phường", validators=[OptionalValue()])
    floor_thi_tran = CountField("Tối thiểu mỗi thị trấn", default=DEFAULT_FLOORS["thi_tran"])
    by_field = BooleanField("Chia chỉ tiêu theo lĩnh vực thủ tục", default=True)
    sex_age_shares = TextAreaField(
        "Cơ cấu giới tính × nhóm tuổi (tuỳ chọn; mỗi dòng: giới tính,nhóm tuổi,tỷ trọng)",
        validators=[Length(max=4000, message="Tối đa 4000 ký tự.")],
    )

    def validate_sex_age_shares(self, field: TextAreaField) -> None:
        try:
            parse_shares(field.data or "")
        except TargetsProblem as problem:
            raise ValidationError(str(problem)) from None


def _ordered(cells: tuple[CellTarget, ...], questionnaire: Questionnaire) -> list[CellTarget]:
    """Cells by dimension, then in the order of the questionnaire's choices."""
    return sorted(
        cells, key=lambda c: (c.dimension, cell_order(questionnaire, c.dimension, c.cell), c.cell)
    )


def _unit_form(cells: list[CellTarget], questionnaire: Questionnaire) -> FlaskForm:
    """A form with the unit's target and one field per existing cell."""

    class UnitTargetsForm(FlaskForm):
        target = CountField(
            "Chỉ tiêu của đơn vị (để trống: không giới hạn)", validators=[OptionalValue()]
        )

    for cell in cells:
        field = CountField(
            cell_label(questionnaire, cell.dimension, cell.cell),
            validators=[InputRequired(message="Hãy nhập chỉ tiêu cho ô này.")],
        )
        setattr(UnitTargetsForm, _cell_field(cell), field)
    form: FlaskForm = UnitTargetsForm()
    return form


def _cell_field(cell: CellTarget) -> str:
    return f"cell-{cell.dimension}-{cell.cell}"


def _questionnaire(survey_round: SurveyRound) -> Questionnaire:
    questionnaire: Questionnaire = current_app.extensions["questionnaires"].get(
        survey_round.form_id, survey_round.form_version
    )
    return questionnaire


def _render_list(
    survey_round: SurveyRound, form: ComputeTargetsForm, status: int = 200
) -> tuple[str, int]:
    units = round_targets(get_session(), survey_round)
    html = render_template(
        "staff/quotas/targets.html",
        survey_round=survey_round,
        units=units,
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
    cells = _ordered(unit.cells, _questionnaire(survey_round))
    form = _unit_form(cells, _questionnaire(survey_round))
    if not form.is_submitted():
        form.target.data = unit.target
        for cell in unit.cells:
            form[_cell_field(cell)].data = cell.target
    elif form.validate():
        try:
            changes = update_unit_targets(
                session,
                survey_round,
                unit.unit_id,
                form.target.data,
                {(c.dimension, c.cell): form[_cell_field(c)].data for c in unit.cells},
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
        "staff/quotas/unit.html",
        survey_round=survey_round,
        unit=unit,
        form=form,
        cell_fields=[
            (dimension, [form[_cell_field(c)] for c in cells if c.dimension == dimension])
            for dimension in DIMENSION_LABELS
        ],
        dimensions=DIMENSION_LABELS,
    )
    return html, status
