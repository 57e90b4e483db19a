"""Creating survey rounds: a questionnaire version, an open period and the units taking part."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.questionnaires.loading import app_catalog
from survey_app.questionnaires.model import Catalog, Questionnaire
from survey_app.rounds.links import ensure_link
from survey_app.rounds.models import RoundUnit, SurveyRound
from survey_app.units.models import AdminUnit


class RoundProblem(ValueError):
    """A round that cannot be created as asked; the message says what to change."""


def units_valid_during(
    session: Session,
    start: dt.date,
    end: dt.date,
    kinds: Sequence[str] = ("xa", "phuong", "thi_tran"),
) -> list[AdminUnit]:
    """Commune-level units valid for the whole period (merged units drop out by their dates)."""
    query = select(AdminUnit).where(
        AdminUnit.kind.in_(kinds),
        AdminUnit.valid_from <= start,
        (AdminUnit.valid_to.is_(None)) | (AdminUnit.valid_to > end),
    )
    return list(session.scalars(query.order_by(AdminUnit.code)))


def units_by_code(session: Session, unit_codes: Sequence[str]) -> tuple[list[AdminUnit], list[str]]:
    """The units named, in the order given and each once, and the codes that name no unit."""
    found = {
        u.code: u for u in session.scalars(select(AdminUnit).where(AdminUnit.code.in_(unit_codes)))
    }
    unknown = [c for c in unit_codes if c not in found]
    return [found[c] for c in dict.fromkeys(unit_codes) if c in found], unknown


def create_round(
    session: Session,
    catalog: Catalog,
    *,
    code: str,
    title: str,
    form_id: str,
    form_version: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    period_start: dt.date,
    period_end: dt.date,
    unit_codes: Sequence[str] | None = None,
    quota_policy: str = "accept_flag",
) -> SurveyRound:
    """Create the round, its units and one live signed link per unit."""
    if catalog.find(form_id, form_version) is None:
        raise RoundProblem(
            f"questionnaire {form_id} version {form_version} is not in questionnaires/; "
            "publish that version first"
        )
    if closes_at <= opens_at:
        raise RoundProblem("the round must close after it opens")
    if session.scalar(select(SurveyRound.id).where(SurveyRound.code == code)) is not None:
        raise RoundProblem(f"a round with code '{code}' already exists")
    if unit_codes:
        units, unknown = units_by_code(session, unit_codes)
        if unknown:
            raise RoundProblem(f"unknown unit code(s): {', '.join(unknown)}")
    else:
        units = units_valid_during(session, period_start, period_end)
    if not units:
        raise RoundProblem("no units take part: import units valid during the period first")
    survey_round = SurveyRound(
        code=code,
        title=title,
        form_id=form_id,
        form_version=form_version,
        opens_at=opens_at,
        closes_at=closes_at,
        period_start=period_start,
        period_end=period_end,
        quota_policy=quota_policy,
    )
    session.add(survey_round)
    for unit in units:
        survey_round.units.append(RoundUnit(unit=unit))
    session.flush()
    for unit in units:
        ensure_link(session, survey_round, unit)
    return survey_round


def round_by_code(session: Session, code: str) -> SurveyRound | None:
    return session.scalars(select(SurveyRound).where(SurveyRound.code == code)).first()


def round_questionnaire(survey_round: SurveyRound) -> Questionnaire:
    """The questionnaire version the round collects (every response records the same)."""
    return app_catalog().get(survey_round.form_id, survey_round.form_version)
