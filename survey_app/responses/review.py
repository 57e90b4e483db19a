"""Which stored responses count: the round's quality policy and reviewers' decisions.

A round's policy names the quality flags that apply (answered faster than a minimum time,
identical answers on every scored item, over quota) and whether flagged responses are *held*
for review or only marked. A held response counts once a reviewer accepts it; an excluded one
never counts. :func:`counting_clauses` is the one place this is decided: every reader of a
round's responses (weights, results, exports, the PAR Index) applies it through
``responses.frames.response_filters``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    ColumnElement,
    ForeignKey,
    String,
    Text,
    and_,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy import false as sql_false
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from survey_app.db import Base
from survey_app.responses.models import Response
from survey_app.rounds.models import SurveyRound
from survey_app.sql_types import UTCDateTime, utcnow
from survey_app.staff.models import User

#: Flag code → its label on staff pages.
FLAG_LABELS = {
    "speeder": "Trả lời quá nhanh",
    "straightline": "Chọn cùng một mức cho mọi câu chấm điểm",
    "over_quota": "Vượt chỉ tiêu",
}
DECISIONS = ("accept", "exclude")
DECISION_LABELS = {"accept": "Chấp nhận", "exclude": "Loại"}


class ReviewDecision(Base):
    """A reviewer's current decision on one response (its history is in the audit log)."""

    __tablename__ = "review_decision"
    __table_args__ = (CheckConstraint("decision IN ('accept', 'exclude')", name="decision_known"),)

    response_id: Mapped[int] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    response: Mapped[Response] = relationship()
    decided_by: Mapped[User | None] = relationship()


def flag_condition(survey_round: SurveyRound, flag: str) -> ColumnElement[bool]:
    """SQL selecting the round's responses that carry ``flag``."""
    if flag == "speeder":
        return and_(
            Response.duration_seconds.is_not(None),
            Response.duration_seconds < survey_round.quality_min_seconds,
        )
    if flag == "straightline":
        return Response.straightlined.is_(True)
    if flag == "over_quota":
        return Response.over_quota.is_(True)
    raise ValueError(f"unknown quality flag {flag!r}")


def flagged(survey_round: SurveyRound) -> ColumnElement[bool]:
    """Responses carrying any flag the round's policy applies."""
    conditions = [flag_condition(survey_round, flag) for flag in survey_round.quality_flags]
    return or_(*conditions) if conditions else sql_false()


def _decided(decision: str) -> ColumnElement[bool]:
    return exists(
        select(ReviewDecision.response_id).where(
            ReviewDecision.response_id == Response.id, ReviewDecision.decision == decision
        )
    )


def held(survey_round: SurveyRound) -> ColumnElement[bool]:
    """Responses waiting for a reviewer: flagged under a holding policy, not yet decided."""
    if not survey_round.quality_hold:
        return sql_false()
    return and_(flagged(survey_round), ~_decided("accept"), ~_decided("exclude"))


def counting_clauses(survey_round: SurveyRound) -> list[ColumnElement[bool]]:
    """WHERE clauses keeping only the responses that count (not excluded, not held)."""
    clauses: list[ColumnElement[bool]] = [~_decided("exclude")]
    if survey_round.quality_hold and survey_round.quality_flags:
        clauses.append(or_(~flagged(survey_round), _decided("accept")))
    return clauses


def excluded_counts(session: Session, survey_round: SurveyRound) -> dict[str, int]:
    """How many of the round's responses do not count, by why: "held", "excluded"."""
    base = select(func.count()).select_from(Response).where(Response.round_id == survey_round.id)
    return {
        "held": int(session.scalar(base.where(held(survey_round))) or 0),
        "excluded": int(session.scalar(base.where(_decided("exclude"))) or 0),
    }
