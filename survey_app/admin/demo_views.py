"""Clearing the demo before a real year, from the web (``flask clear-demo`` does the same)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app.admin.forms import ClearDemoForm
from survey_app.db import get_session
from survey_app.demo.accounts import passwords_path
from survey_app.demo.clearing import clear_demo
from survey_app.par.models import ParRound
from survey_app.rounds.models import SurveyRound
from survey_app.staff import authz
from survey_app.staff.models import User
from survey_app.units.models import TransactionCount

bp = Blueprint("demo_admin", __name__, url_prefix="/staff/admin/demo")


@bp.get("/")
@authz.roles_required("admin")
def index() -> str:
    session = get_session()
    return render_template(
        "admin/demo.html",
        form=ClearDemoForm(),
        rounds=list(session.scalars(select(SurveyRound).where(SurveyRound.is_demo))),
        par_rounds=list(session.scalars(select(ParRound).where(ParRound.is_demo))),
        accounts=list(session.scalars(select(User).where(User.is_demo))),
        counts=session.scalar(
            select(func.count()).select_from(TransactionCount).where(TransactionCount.illustrative)
        ),
    )


@bp.post("/clear")
@authz.roles_required("admin")
def clear() -> WerkzeugResponse:
    form = ClearDemoForm()
    if not form.validate_on_submit():
        flash(" ".join(form.understood.errors) or "Yêu cầu không hợp lệ; tải lại trang.", "error")
        return redirect(url_for(".index"))
    session = get_session()
    cleared = clear_demo(session, actor=authz.user(), actor_name="web")
    session.commit()
    passwords_path().unlink(missing_ok=True)
    current_app.logger.info("demo data cleared: %s", cleared)
    flash(f"Đã xoá dữ liệu mẫu: {cleared.describe()}.", "info")
    return redirect(url_for(".index"))
