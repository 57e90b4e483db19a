"""Administrators: the user list and the audit log."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select

from survey_app.bounds import parse_id
from survey_app.db import get_session
from survey_app.staff import authz
from survey_app.staff.models import AuditEvent, User

bp = Blueprint("admin", __name__, url_prefix="/staff/admin")

AUDIT_PAGE_SIZE = 200


@bp.get("/users")
@authz.roles_required("admin")
def users() -> str:
    rows = list(get_session().scalars(select(User).order_by(User.username)))
    return render_template("staff/users.html", users=rows)


@bp.get("/audit")
@authz.roles_required("admin")
def audit_log() -> str:
    query = select(AuditEvent).order_by(AuditEvent.id.desc())
    action = request.args.get("action", "")
    if action:
        query = query.where(AuditEvent.action == action)
    # An id beyond the integer column (or in other digits, "²") is ignored, not sent to the DB.
    before = parse_id(request.args.get("before", ""))
    if before is not None:
        query = query.where(AuditEvent.id < before)
    events = list(get_session().scalars(query.limit(AUDIT_PAGE_SIZE)))
    return render_template(
        "staff/audit.html", events=events, action=action, page_size=AUDIT_PAGE_SIZE
    )
