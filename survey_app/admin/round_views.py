"""Survey rounds on the web: create, edit, open now, close early, extend, archive; unit links.

District officers and administrators. The checks live in ``admin.round_changes`` (and
``rounds.services.create_round``); these views parse the form, call one function, commit, and
say in Vietnamese what happened or what to change.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.fields.choices import SelectChoice

from survey_app.admin import round_changes as changes
from survey_app.admin.forms import ConfirmForm, ExtendForm, RoundForm, local_moment, local_parts
from survey_app.db import get_session
from survey_app.questionnaires.loading import app_catalog
from survey_app.rounds.links import public_address_problem, public_url
from survey_app.rounds.models import SurveyRound
from survey_app.rounds.services import RoundProblem, create_round, round_by_code
from survey_app.sql_types import utcnow
from survey_app.staff import audit, authz
from survey_app.units.models import AdminUnit
from survey_app.units.naming import choice_label

bp = Blueprint("round_admin", __name__, url_prefix="/staff/admin/rounds")

EDITORS = ("admin", "district_officer")
STATUS_LABELS = {"not_open": "Chưa mở", "open": "Đang mở", "closed": "Đã kết thúc"}
Page = str | tuple[str, int] | WerkzeugResponse


def _round_or_404(round_code: str) -> SurveyRound:
    survey_round = round_by_code(get_session(), round_code)
    if survey_round is None:
        abort(404)
    return survey_round


def _questionnaire_choices() -> list[tuple[str, str]]:
    catalog = app_catalog()
    return [
        (
            f"{form_id}@{version}",
            f"{catalog.get(form_id, version).title['vi']} (phiên bản {version})",
        )
        for form_id in catalog.form_ids()
        for version in catalog.versions(form_id)
    ]


def _unit_choices(form: RoundForm) -> dict[int, AdminUnit]:
    """Every commune-level unit, those still in force first; returns them by id."""
    units = get_session().scalars(
        select(AdminUnit)
        .where(AdminUnit.kind.in_(("xa", "phuong", "thi_tran")))
        .order_by(AdminUnit.valid_to.is_not(None), AdminUnit.code)
    )
    by_id = {unit.id: unit for unit in units}
    form.units.choices = [SelectChoice(unit.id, choice_label(unit)) for unit in by_id.values()]
    return by_id


def _units_in_force(form: RoundForm, units: dict[int, AdminUnit]) -> bool:
    """Refuse units that did not exist for the whole data period (merged, or created later)."""
    start, end = form.period_start.data, form.period_end.data
    outside = [
        units[unit_id].name
        for unit_id in form.units.data or ()
        if not (units[unit_id].valid_on(start) and units[unit_id].valid_on(end))
    ]
    if outside:
        form.units.errors = [
            "Không có hiệu lực trong cả kỳ số liệu (đã sáp nhập hoặc thành lập sau): "
            + ", ".join(outside)
            + "."
        ]
    return not outside


def _settings(form: RoundForm) -> changes.RoundSettings:
    form_id, _, version = str(form.questionnaire.data).partition("@")
    return changes.RoundSettings(
        title=form.title.data.strip(),
        form_id=form_id,
        form_version=version,
        opens_at=local_moment(form.opens_on.data, form.opens_time.data),
        closes_at=local_moment(form.closes_on.data, form.closes_time.data),
        period_start=form.period_start.data,
        period_end=form.period_end.data,
        quota_policy=form.quota_policy.data,
        unit_ids=tuple(form.units.data or ()),
    )


@bp.get("/")
@authz.roles_required(*EDITORS)
def index() -> str:
    session = get_session()
    rounds = list(session.scalars(select(SurveyRound).order_by(SurveyRound.opens_at.desc())))
    now = utcnow()
    return render_template(
        "admin/rounds.html",
        rounds=rounds,
        status={r.id: STATUS_LABELS[r.status_at(now)] for r in rounds},
        answered={r.id: sum(changes.response_counts(session, r).values()) for r in rounds},
        address_problem=public_address_problem(),
    )


@bp.route("/new", methods=["GET", "POST"])
@authz.roles_required(*EDITORS)
def create() -> Page:
    form = RoundForm()
    form.questionnaire.choices = _questionnaire_choices()
    units = _unit_choices(form)
    if not form.is_submitted():
        today = utcnow().date()
        form.units.data = [unit_id for unit_id, unit in units.items() if unit.valid_on(today)]
    elif form.validate() and _units_in_force(form, units):
        session = get_session()
        settings = _settings(form)
        try:
            changes.check_settings(app_catalog(), settings)
            codes = list(
                session.scalars(select(AdminUnit.code).where(AdminUnit.id.in_(settings.unit_ids)))
            )
            survey_round = create_round(
                session,
                app_catalog(),
                code=form.code.data.strip(),
                title=settings.title,
                form_id=settings.form_id,
                form_version=settings.form_version,
                opens_at=settings.opens_at,
                closes_at=settings.closes_at,
                period_start=settings.period_start,
                period_end=settings.period_end,
                unit_codes=codes,
                quota_policy=settings.quota_policy,
            )
        except RoundProblem as problem:
            session.rollback()
            flash(f"Chưa tạo được đợt: {problem}", "error")
        else:
            audit.record(
                session,
                "round_created",
                target=f"round:{survey_round.code}",
                detail={"units": len(codes), "form": f"{settings.form_id}@{settings.form_version}"},
            )
            session.commit()
            flash(f"Đã tạo đợt {survey_round.code} với {len(codes)} đơn vị.", "info")
            return redirect(url_for(".links", round_code=survey_round.code))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/round_form.html", form=form, survey_round=None), status


@bp.route("/<round_code>/edit", methods=["GET", "POST"])
@authz.roles_required(*EDITORS)
def edit(round_code: str) -> Page:
    survey_round = _round_or_404(round_code)
    form = RoundForm(data=None if request.method == "POST" else _form_data(survey_round))
    form.code.data = survey_round.code
    form.questionnaire.choices = _questionnaire_choices()
    units = _unit_choices(form)
    if form.is_submitted() and form.validate() and _units_in_force(form, units):
        session = get_session()
        try:
            changed = changes.update_round(
                session, app_catalog(), survey_round, _settings(form), authz.user()
            )
        except RoundProblem as problem:
            session.rollback()
            flash(f"Chưa lưu được: {problem}", "error")
        else:
            session.commit()
            flash("Đã lưu thay đổi." if changed else "Không có thay đổi nào.", "info")
            return redirect(url_for(".index"))
    status = 422 if form.is_submitted() else 200
    html = render_template(
        "admin/round_form.html",
        form=form,
        survey_round=survey_round,
        answered=changes.response_counts(get_session(), survey_round),
    )
    return html, status


def _form_data(survey_round: SurveyRound) -> dict[str, object]:
    opens_on, opens_time = local_parts(survey_round.opens_at)
    closes_on, closes_time = local_parts(survey_round.closes_at)
    return {
        "title": survey_round.title,
        "questionnaire": f"{survey_round.form_id}@{survey_round.form_version}",
        "opens_on": opens_on,
        "opens_time": opens_time,
        "closes_on": closes_on,
        "closes_time": closes_time,
        "period_start": survey_round.period_start,
        "period_end": survey_round.period_end,
        "quota_policy": survey_round.quota_policy,
        "units": [ru.unit_id for ru in survey_round.units],
    }


def _action(round_code: str, change: Callable[[SurveyRound], None], done: str) -> WerkzeugResponse:
    survey_round = _round_or_404(round_code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = get_session()
    try:
        change(survey_round)
    except RoundProblem as problem:
        session.rollback()
        flash(str(problem), "error")
    else:
        session.commit()
        flash(done.format(code=survey_round.code), "info")
    return redirect(url_for(".index"))


@bp.get("/<round_code>/close")
@authz.roles_required(*EDITORS)
def confirm_close(round_code: str) -> str:
    survey_round = _round_or_404(round_code)
    return render_template(
        "admin/confirm.html",
        form=ConfirmForm(),
        title=f"Đóng sớm đợt {survey_round.code}?",
        message=(
            "Từ lúc này người dân quét mã QR của đợt sẽ thấy thông báo đợt khảo sát đã kết thúc; "
            "các phiếu đã nhận được giữ nguyên. Có thể gia hạn để mở lại."
        ),
        action=url_for(".close", round_code=round_code),
        button="Đóng đợt ngay",
        back=url_for(".index"),
    )


@bp.post("/<round_code>/close")
@authz.roles_required(*EDITORS)
def close(round_code: str) -> WerkzeugResponse:
    return _action(
        round_code,
        lambda r: changes.close_early(get_session(), r, authz.user(), utcnow()),
        "Đã đóng đợt {code}.",
    )


@bp.post("/<round_code>/open-now")
@authz.roles_required(*EDITORS)
def open_now(round_code: str) -> WerkzeugResponse:
    return _action(
        round_code,
        lambda r: changes.open_now(get_session(), r, authz.user(), utcnow()),
        "Đã mở đợt {code} từ bây giờ.",
    )


@bp.post("/<round_code>/archive")
@authz.roles_required(*EDITORS)
def archive(round_code: str) -> WerkzeugResponse:
    return _action(
        round_code,
        lambda r: changes.archive(get_session(), r, authz.user(), utcnow()),
        "Đã lưu trữ đợt {code}.",
    )


@bp.post("/<round_code>/unarchive")
@authz.roles_required(*EDITORS)
def unarchive(round_code: str) -> WerkzeugResponse:
    return _action(
        round_code,
        lambda r: changes.unarchive(get_session(), r, authz.user()),
        "Đã khôi phục đợt {code}.",
    )


@bp.route("/<round_code>/extend", methods=["GET", "POST"])
@authz.roles_required(*EDITORS)
def extend(round_code: str) -> Page:
    survey_round = _round_or_404(round_code)
    form = ExtendForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            changes.extend(
                session,
                survey_round,
                authz.user(),
                local_moment(form.closes_on.data, form.closes_time.data),
                utcnow(),
            )
        except RoundProblem as problem:
            session.rollback()
            flash(str(problem), "error")
        else:
            session.commit()
            flash(f"Đã gia hạn đợt {survey_round.code}.", "info")
            return redirect(url_for(".index"))
    status = 422 if form.is_submitted() else 200
    return render_template("admin/extend.html", form=form, survey_round=survey_round), status


@bp.get("/<round_code>/links")
@authz.roles_required(*EDITORS)
def links(round_code: str) -> str:
    survey_round = _round_or_404(round_code)
    live = changes.live_links(get_session(), survey_round)
    rows = [
        (ru.unit, public_url(live[ru.unit_id]) if ru.unit_id in live else None)
        for ru in changes.sorted_units(survey_round)
    ]
    return render_template(
        "admin/links.html",
        survey_round=survey_round,
        rows=rows,
        form=ConfirmForm(),
        address_problem=public_address_problem(),
    )


def _round_unit(survey_round: SurveyRound, unit_code: str) -> AdminUnit:
    unit = next((ru.unit for ru in survey_round.units if ru.unit.code == unit_code), None)
    if unit is None:
        abort(404)
    return unit


@bp.get("/<round_code>/links/<unit_code>/<any(rotate, revoke):change>")
@authz.roles_required(*EDITORS)
def confirm_link_change(round_code: str, unit_code: str, change: str) -> str:
    survey_round = _round_or_404(round_code)
    unit = _round_unit(survey_round, unit_code)
    revoke = change == "revoke"
    return render_template(
        "admin/confirm.html",
        form=ConfirmForm(),
        title=("Thu hồi" if revoke else "Cấp lại") + f" đường dẫn của {unit.name}?",
        message=(
            "Mã QR đã in của đơn vị này sẽ không còn dùng được."
            + (
                " Đơn vị sẽ không có đường dẫn nào cho đến khi được cấp lại."
                if revoke
                else " Hãy in lại áp phích với mã QR mới."
            )
        ),
        action=url_for(".change_link", round_code=round_code, unit_code=unit_code, change=change),
        button="Thu hồi" if revoke else "Cấp đường dẫn mới",
        back=url_for(".links", round_code=round_code),
    )


@bp.post("/<round_code>/links/<unit_code>/<any(rotate, revoke):change>")
@authz.roles_required(*EDITORS)
def change_link(round_code: str, unit_code: str, change: str) -> WerkzeugResponse:
    survey_round = _round_or_404(round_code)
    unit = _round_unit(survey_round, unit_code)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    session = get_session()
    changes.change_link(session, survey_round, unit, authz.user(), revoke=change == "revoke")
    session.commit()
    flash(
        f"Đã thu hồi đường dẫn của {unit.name}."
        if change == "revoke"
        else f"Đã cấp đường dẫn mới cho {unit.name}; hãy in lại áp phích.",
        "info",
    )
    return redirect(url_for(".links", round_code=round_code))
