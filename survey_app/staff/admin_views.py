"""Administrators: the user list and the audit log."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.query import QueryProblem, single_values
from survey_app.staff import audit_log as log
from survey_app.staff import authz
from survey_app.staff.models import User
from survey_app.staff.refusals import refuse

bp = Blueprint("admin", __name__, url_prefix="/staff/admin")


@bp.get("/users")
@authz.roles_required("admin")
def users() -> str:
    rows = list(get_session().scalars(select(User).order_by(User.username)))
    return render_template("staff/users.html", users=rows)


@bp.get("/audit")
@authz.roles_required("admin")
def audit_log() -> str | tuple[str, int]:
    try:
        filters = log.read_filters(single_values(request.args, log.FILTERS))
    except QueryProblem as problem:
        return refuse(f"Bộ lọc nhật ký không hợp lệ: {problem}")
    page = log.audit_page(get_session(), filters)
    return render_template(
        "staff/audit.html",
        page=page,
        filters=filters,
        actions=log.ACTION_LABELS,
        action_label=log.action_label,
        actor_label=log.actor_label,
        describe=log.describe_detail,
    )
