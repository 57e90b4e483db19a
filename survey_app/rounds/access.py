"""Which round and which units a staff member may open, checked on the server for every request.

A commune officer reaches only rounds their unit takes part in, and only their unit in them;
asking for anything else is refused with 403 and written to the audit log (authz.deny).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.db import get_session
from survey_app.rounds.models import RoundUnit, SurveyRound
from survey_app.rounds.services import round_by_code
from survey_app.staff import authz
from survey_app.units.models import AdminUnit


@dataclass(frozen=True)
class RoundUnitRef:
    id: int
    code: str
    name: str


def round_for_staff(round_code: str) -> SurveyRound:
    """The round, if the current user may see it: 404 if unknown, 403 + audit if out of scope."""
    session = get_session()
    survey_round = round_by_code(session, round_code)
    if survey_round is None:
        abort(404)
    scope = authz.unit_scope()
    if scope is not None:
        taking_part = session.scalar(
            select(RoundUnit.unit_id).where(
                RoundUnit.round_id == survey_round.id, RoundUnit.unit_id == scope
            )
        )
        if taking_part is None:
            authz.deny("round", round=round_code)
    return survey_round


def round_units(session: Session, survey_round: SurveyRound) -> list[RoundUnitRef]:
    """The round's units by code (all of them, whoever asks: callers scope them)."""
    query = (
        select(AdminUnit.id, AdminUnit.code, AdminUnit.name)
        .join(RoundUnit, RoundUnit.unit_id == AdminUnit.id)
        .where(RoundUnit.round_id == survey_round.id)
        .order_by(AdminUnit.code)
    )
    return [RoundUnitRef(row[0], row[1], row[2]) for row in session.execute(query)]


def units_of_round(survey_round: SurveyRound) -> list[RoundUnitRef]:
    return round_units(get_session(), survey_round)


def visible_units(survey_round: SurveyRound) -> list[RoundUnitRef]:
    """The round's units the current user may see (a commune officer: their own only)."""
    scope = authz.unit_scope()
    units = units_of_round(survey_round)
    return units if scope is None else [unit for unit in units if unit.id == scope]


def unit_for_staff(survey_round: SurveyRound, unit_code: str) -> RoundUnitRef | None:
    """The round's unit with this code if the user may see it; None if the round has no such
    unit; 403 + audit when it belongs to the round but not to the user's scope."""
    unit = next((u for u in units_of_round(survey_round) if u.code == unit_code), None)
    if unit is None:
        return None
    authz.require_unit_access(unit.id)
    return unit
