"""PAR Index test data: a round on demo units, and shortcuts through the workflow.

The shortcuts call the same domain functions the pages call, as real users of each role, so a
test can start from "submitted" or "approved" and exercise only the step it is about.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from analysis.par_index import Band
from survey_app.db import session_scope
from survey_app.demo.setup import load_demo
from survey_app.par import council as par_council
from survey_app.par import entry
from survey_app.par import publication as par_publication
from survey_app.par import workflow as par_workflow
from survey_app.par.criteria_model import ScoredItem
from survey_app.par.models import ParAssessment, ParRound
from survey_app.par.rounds import BAND_PRESETS, create_par_round, criteria_catalog
from survey_app.par.satisfaction import SatisfactionFigures, unit_figures
from survey_app.sql_types import utcnow
from survey_app.staff.accounts import create_user
from survey_app.staff.models import User
from survey_app.units.models import AdminUnit
from tests.factories.staff import PASSWORD

ROUND = "PAR-TEST-2021"
UNITS = ("439-son-giang", "439-son-ham")
CRITERIA = ("ha-tinh-commune", "2021.1")
EVIDENCE_DATE = "05/01/2021"

Scorer = Callable[[ScoredItem], str]


def full_marks(item: ScoredItem) -> str:
    return str(item.max_points)


def make_par_round(
    app: Flask,
    *,
    code: str = ROUND,
    year: int = 2021,
    units: Sequence[str] = UNITS,
    deadline: dt.datetime | None = None,
    survey_round_code: str | None = None,
    rule: str = "rescale",
    bands: Sequence[Band] = BAND_PRESETS["tot-kha"],
    council: bool = True,
) -> None:
    """The round, and (with ``council``) its council: the helper council member as secretary,
    so the workflow shortcuts can appraise and close."""
    with app.app_context(), session_scope() as session:
        load_demo(session, utcnow())
        par_round = create_par_round(
            session,
            criteria_catalog(),
            code=code,
            title=f"Chỉ số CCHC {year} (kiểm thử)",
            year=year,
            criteria_set_id=CRITERIA[0],
            criteria_version=CRITERIA[1],
            deadline=deadline or utcnow() + dt.timedelta(days=7),
            survey_round_code=survey_round_code,
            no_survey_rule=rule,
            bands=bands,
            unit_codes=list(units),
        )
        if council:
            officer = actor(session, "district_officer")
            par_council.save_decision(
                session,
                par_round,
                officer,
                number="125/QĐ-UBND",
                date="28/10/2021",
                signer="Chủ tịch UBND huyện",
                pdf=None,
                today=dt.date(2021, 10, 30),
            )
            par_council.add_member(
                session,
                par_round,
                officer,
                user=actor(session, "council_member"),
                council_role="secretary",
                position="Chuyên viên Phòng Nội vụ",
            )


def seat(app: Flask, username: str, council_role: str = "member", *, code: str = ROUND) -> None:
    """Put the existing account ``username`` on the round's council."""
    with app.app_context(), session_scope() as session:
        par_round = session.scalars(select(ParRound).where(ParRound.code == code)).one()
        user = session.scalars(select(User).where(User.username == username)).one()
        par_council.add_member(
            session,
            par_round,
            actor(session, "district_officer"),
            user=user,
            council_role=council_role,
            position="",
        )


def actor(session: Session, role: str, unit_code: str | None = None) -> User:
    """A helper account of ``role`` (one per role and unit), created on first use."""
    username = f"helper.{role}.{unit_code or 'district'}"
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        user = create_user(
            session, username=username, password=PASSWORD, role=role, unit_code=unit_code
        )
    return user


def assessment_of(session: Session, unit_code: str, code: str = ROUND) -> ParAssessment:
    return session.scalars(
        select(ParAssessment)
        .join(ParRound)
        .join(AdminUnit, AdminUnit.id == ParAssessment.unit_id)
        .where(ParRound.code == code, AdminUnit.code == unit_code)
    ).one()


def items_of() -> tuple[ScoredItem, ...]:
    return criteria_catalog().get(*CRITERIA).items()


def self_assess(
    app: Flask, unit_code: str, score: Scorer = full_marks, *, code: str = ROUND
) -> None:
    """Every item scored by the unit's officer, with one document wherever one is required."""
    with app.app_context(), session_scope() as session:
        assessment = assessment_of(session, unit_code, code)
        items = items_of()
        entries = {
            item.code: entry.SelfEntry(
                score(item),
                f"Giải trình {item.code}",
                evidence_number=f"{item.code}/KH-UBND" if item.evidence_required else "",
                evidence_date=EVIDENCE_DATE if item.evidence_required else "",
            )
            for item in items
        }
        entry.save_self_assessment(
            session,
            assessment,
            actor(session, "commune_officer", unit_code),
            items,
            entries,
            utcnow(),
        )


def submit(app: Flask, unit_code: str, *, code: str = ROUND) -> None:
    with app.app_context(), session_scope() as session:
        assessment = assessment_of(session, unit_code, code)
        par_workflow.submit(
            session,
            assessment,
            actor(session, "commune_officer", unit_code),
            items_of(),
            utcnow(),
        )


def appraise(
    app: Flask,
    unit_code: str,
    score: Scorer = full_marks,
    *,
    code: str = ROUND,
    complete: bool = True,
) -> None:
    with app.app_context(), session_scope() as session:
        assessment = assessment_of(session, unit_code, code)
        items = items_of()
        council = actor(session, "council_member")
        entries = {
            item.code: entry.AppraisalEntry(score(item), f"Lý do {item.code}") for item in items
        }
        entry.save_appraisal(session, assessment, council, items, entries, utcnow())
        if complete:
            par_workflow.complete_appraisal(session, assessment, council, items, utcnow())


def approve(app: Flask, unit_code: str, *, code: str = ROUND) -> SatisfactionFigures:
    with app.app_context(), session_scope() as session:
        assessment = assessment_of(session, unit_code, code)
        return par_workflow.approve(
            session,
            assessment,
            actor(session, "chairman"),
            lambda: unit_figures(session, assessment),
            utcnow(),
        )


def publish(app: Flask, *, code: str = ROUND) -> None:
    with app.app_context(), session_scope() as session:
        par_round = session.scalars(select(ParRound).where(ParRound.code == code)).one()
        par_publication.publish(session, par_round, actor(session, "chairman"), utcnow())


def through_approval(
    app: Flask,
    unit_code: str,
    self_score: Scorer = full_marks,
    appraised: Scorer = full_marks,
    *,
    code: str = ROUND,
) -> None:
    self_assess(app, unit_code, self_score, code=code)
    submit(app, unit_code, code=code)
    appraise(app, unit_code, appraised, code=code)
    approve(app, unit_code, code=code)


def status_of(app: Flask, unit_code: str, code: str = ROUND) -> str:
    with app.app_context(), session_scope() as session:
        return assessment_of(session, unit_code, code).status


def score_row(app: Flask, unit_code: str, item_code: str) -> tuple[float | None, float | None]:
    """(self score, appraised score) of one item."""
    with app.app_context(), session_scope() as session:
        assessment = assessment_of(session, unit_code)
        row = next(s for s in assessment.scores if s.item_code == item_code)
        return row.self_score, row.appraised_score
