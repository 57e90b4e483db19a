"""Paper questionnaires of a round: issue a numbered batch for a unit, print it on A4.

District officers and administrators for any unit; a commune officer for their own. The print
page is a plain HTML page with print CSS (the browser's "Print" or "Save as PDF"), so no PDF
library and its system fonts are needed to print Vietnamese correctly.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, NumberRange

from survey_app.db import get_session
from survey_app.form_messages import VietnameseForm
from survey_app.paper.entry import EntryRefused, enter_form
from survey_app.paper.layout import choice_keys, paper_sections
from survey_app.paper.models import PaperBatch
from survey_app.paper.serials import (
    MAX_BATCH,
    SerialProblem,
    batches,
    issue_batch,
    parse_serial,
    serial_text,
)
from survey_app.questionnaires.model import Choice
from survey_app.rounds.access import round_for_staff, visible_units
from survey_app.rounds.qr import qr_svg
from survey_app.rounds.services import round_questionnaire
from survey_app.sql_types import utcnow
from survey_app.staff import authz
from survey_app.units.models import AdminUnit
from survey_app.units.naming import committee_name

bp = Blueprint("paper", __name__, url_prefix="/staff/rounds/<round_code>/paper")


@bp.app_template_global("keyed")
def keyed(choices: tuple[Choice, ...]) -> list[tuple[str, Choice]]:
    """Each choice with the number printed beside it (and typed at data entry)."""
    return list(zip(choice_keys(choices), choices, strict=True))


PRINTERS = ("admin", "district_officer", "commune_officer")
Page = str | tuple[str, int] | WerkzeugResponse


class BatchForm(VietnameseForm):
    unit = SelectField("Đơn vị", validators=[DataRequired("Chọn đơn vị.")])
    count = IntegerField(
        "Số phiếu cần in",
        default=50,
        validators=[
            DataRequired("Nhập số phiếu."),
            NumberRange(1, MAX_BATCH, f"Từ 1 đến {MAX_BATCH} phiếu mỗi lần in."),
        ],
    )


@bp.route("/", methods=["GET", "POST"])
@authz.roles_required(*PRINTERS)
def index(round_code: str) -> Page:
    survey_round = round_for_staff(round_code)
    units = visible_units(survey_round)
    form = BatchForm()
    form.unit.choices = [SelectChoice(unit.code, unit.name) for unit in units]
    if form.validate_on_submit():
        session = get_session()
        ref = next(unit for unit in units if unit.code == form.unit.data)
        unit = session.get(AdminUnit, ref.id)
        assert unit is not None  # a unit of the round
        try:
            batch = issue_batch(session, survey_round, unit, int(form.count.data), authz.user())
        except SerialProblem as problem:
            session.rollback()
            flash(str(problem), "error")
        else:
            session.commit()
            return redirect(url_for(".print_batch", round_code=round_code, batch_id=batch.id))
    scope = authz.unit_scope()
    shown = [b for b in batches(get_session(), survey_round) if scope in (None, b.unit_id)]
    status = 422 if form.is_submitted() else 200
    html = render_template(
        "paper/index.html",
        survey_round=survey_round,
        form=form,
        batches=shown,
        serial_text=serial_text,
    )
    return html, status


def _inline_svg(text: str) -> Markup:
    # qrcode writes a standalone SVG document; inline, only its <svg> element is wanted.
    svg = qr_svg(text).decode()
    # Safe: the markup is the SVG qrcode generated from our own serial digits.
    return Markup(svg[svg.index("<svg") :])


class EntryForm(VietnameseForm):
    """Only the CSRF token: the answers are the questionnaire's own fields, checked by
    ``paper.entry`` with the phone form's rules."""


@bp.route("/entry", methods=["GET", "POST"])
@authz.roles_required(*PRINTERS)
def entry(round_code: str) -> Page:
    survey_round = round_for_staff(round_code)
    questionnaire = round_questionnaire(survey_round)
    form = EntryForm()
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    status = 200
    if form.is_submitted():
        if not form.validate():
            abort(400)
        names = {q.name for q in questionnaire.fields}
        typed = {k: v[:2000] for k, v in request.form.items() if k in names or k == "serial"}
        session = get_session()
        number = parse_serial(typed.get("serial", ""))
        try:
            if number is None:
                raise EntryRefused(
                    "Số sê-ri không đúng.",
                    {"serial": "7 chữ số in trên phiếu; chữ số cuối là số kiểm tra."},
                )
            entered = enter_form(
                session, survey_round, questionnaire, number, typed, authz.user(), utcnow()
            )
        except EntryRefused as refused:
            session.rollback()
            flash(str(refused), "error")
            errors, status = refused.errors, 422
        else:
            flash(f"Đã lưu phiếu {entered.serial}. Nhập phiếu tiếp theo.", "info")
            return redirect(url_for(".entry", round_code=round_code))
    html = render_template(
        "paper/entry.html",
        survey_round=survey_round,
        form=form,
        sections=paper_sections(questionnaire),
        typed=typed,
        errors=errors,
    )
    return html, status


@bp.get("/<int:batch_id>")
@authz.roles_required(*PRINTERS)
def print_batch(round_code: str, batch_id: int) -> str:
    survey_round = round_for_staff(round_code)
    batch = get_session().get(PaperBatch, batch_id)
    if batch is None or batch.round_id != survey_round.id:
        abort(404)
    authz.require_unit_access(batch.unit_id)
    questionnaire = round_questionnaire(survey_round)
    serials = [serial_text(n) for n in range(batch.first_serial, batch.last_serial + 1)]
    return render_template(
        "paper/print.html",
        survey_round=survey_round,
        batch=batch,
        committee=committee_name(batch.unit),
        questionnaire=questionnaire,
        sections=paper_sections(questionnaire),
        sheets=[(serial, _inline_svg(serial)) for serial in serials],
    )
