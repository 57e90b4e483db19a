"""The staff area's entry: the rounds a user can work on."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.rounds.models import RoundUnit, SurveyRound
from survey_app.staff import authz

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
@authz.roles_required(*authz.STAFF_ROLES)
def home() -> str:
    # Archived rounds leave the working list (administrators find them under "Quản lý đợt").
    query = (
        select(SurveyRound)
        .where(SurveyRound.archived_at.is_(None))
        .order_by(SurveyRound.opens_at.desc())
    )
    scope = authz.unit_scope()
    if scope is not None:
        query = query.join(RoundUnit).where(RoundUnit.unit_id == scope)
    rounds = list(get_session().scalars(query))
    return render_template("rounds/home.html", rounds=rounds)
