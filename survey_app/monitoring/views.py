"""Live quota monitoring of a round: the district's units by shortfall, and one unit's detail.

District roles see every unit; a commune officer is sent to their own unit and refused (403 and
an audit entry) for any other, authorised on the server in :mod:`survey_app.rounds.access`.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app.db import get_session
from survey_app.formatting import integer
from survey_app.local_time import local_today
from survey_app.monitoring.chart import day_chart
from survey_app.monitoring.dashboard import PACE_DAYS, Monitoring, monitor_round
from survey_app.rounds.access import round_for_staff, unit_for_staff
from survey_app.rounds.models import SurveyRound
from survey_app.rounds.services import round_questionnaire
from survey_app.staff import authz
from survey_app.units.models import AdminUnit

bp = Blueprint("monitoring", __name__, url_prefix="/staff/rounds/<round_code>/monitoring")


@bp.app_template_filter("thousands")
def thousands_filter(value: int | None) -> str:
    """1234567 → "1.234.567" (Vietnamese digit grouping); None → "—"."""
    return integer(value)


def _monitor(survey_round: SurveyRound, unit_id: int | None = None) -> Monitoring:
    questionnaire = round_questionnaire(survey_round)
    return monitor_round(
        get_session(),
        survey_round,
        questionnaire,
        today=local_today(),
        min_seconds=int(current_app.config["QUALITY_MIN_SECONDS"]),
        unit_id=unit_id,
    )


@bp.get("/")
@authz.roles_required(*authz.STAFF_ROLES)
def district(round_code: str) -> str | WerkzeugResponse:
    survey_round = round_for_staff(round_code)
    scope = authz.unit_scope()
    if scope is not None:
        # The round list links every role here; a commune officer's view is their own unit.
        code = get_session().scalar(select(AdminUnit.code).where(AdminUnit.id == scope))
        return redirect(url_for(".unit", round_code=round_code, unit_code=code))
    monitoring = _monitor(survey_round)
    return render_template(
        "monitoring/district.html",
        m=monitoring,
        chart=day_chart(monitoring.days),
        pace_days=PACE_DAYS,
    )


@bp.get("/<unit_code>")
@authz.roles_required(*authz.STAFF_ROLES)
def unit(round_code: str, unit_code: str) -> str:
    survey_round = round_for_staff(round_code)
    found = unit_for_staff(survey_round, unit_code)
    if found is None:
        authz.unknown_unit(unit_code)
    monitoring = _monitor(survey_round, found.id)
    return render_template(
        "monitoring/unit.html",
        m=monitoring,
        unit=monitoring.units[0],
        chart=day_chart(monitoring.days),
        pace_days=PACE_DAYS,
    )
