"""Setting a round's quality policy and deciding on responses, with the rules that guard them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from survey_app.par.models import ParRound
from survey_app.responses.models import Response
from survey_app.responses.review import (
    DECISIONS,
    FLAG_LABELS,
    ReviewDecision,
    flag_condition,
    flagged,
    held,
)
from survey_app.rounds.models import SurveyRound
from survey_app.staff import audit
from survey_app.staff.models import User
from survey_app.units.models import AdminUnit

#: Bounds of the speeder threshold: below 10 s nobody can read a question; a day is a typo.
MIN_SECONDS_RANGE = (10, 3600)
REASON_LIMIT = 500
QUEUE_LIMIT = 200


class ReviewProblem(ValueError):
    """A change refused; the message says why, in Vietnamese."""


def frozen_by(session: Session, survey_round: SurveyRound) -> ParRound | None:
    """The published PAR round whose index froze this survey's results, if any."""
    return session.scalars(
        select(ParRound).where(
            ParRound.survey_round_id == survey_round.id, ParRound.published_at.is_not(None)
        )
    ).first()


def set_policy(
    session: Session,
    survey_round: SurveyRound,
    actor: User,
    *,
    flags: Sequence[str],
    hold: bool,
    min_seconds: int,
) -> None:
    if frozen_by(session, survey_round) is not None:
        raise ReviewProblem("Chỉ số CCHC dùng đợt này đã công bố: không đổi được chính sách.")
    unknown = [flag for flag in flags if flag not in FLAG_LABELS]
    if unknown:
        raise ReviewProblem("Có dấu hiệu không hợp lệ.")
    low, high = MIN_SECONDS_RANGE
    if not low <= min_seconds <= high:
        raise ReviewProblem(f"Thời gian tối thiểu phải từ {low} đến {high} giây.")
    before = [
        list(survey_round.quality_flags),
        survey_round.quality_hold,
        survey_round.quality_min_seconds,
    ]
    survey_round.quality_flags = [flag for flag in FLAG_LABELS if flag in flags]
    survey_round.quality_hold = hold
    survey_round.quality_min_seconds = min_seconds
    after = [list(survey_round.quality_flags), hold, min_seconds]
    audit.record(
        session,
        "quality_policy_changed",
        target=f"round:{survey_round.code}",
        actor=actor,
        detail={"before": before, "after": after},
    )


def decide(
    session: Session,
    survey_round: SurveyRound,
    response_id: int,
    actor: User,
    decision: str | None,
    reason: str,
    now: dt.datetime,
) -> None:
    """Accept or exclude a response with a reason, or (``decision=None``) undo the decision."""
    if frozen_by(session, survey_round) is not None:
        raise ReviewProblem(
            "Chỉ số CCHC dùng đợt này đã công bố: kết quả đã chốt, không đổi được quyết định."
        )
    response = session.get(Response, response_id)
    if response is None or response.round_id != survey_round.id:
        raise ReviewProblem("Không có phiếu này trong đợt.")
    current = session.get(ReviewDecision, response_id)
    if decision is None:
        if current is not None:
            session.delete(current)
            audit.record(session, "review_undone", target=f"response:{response_id}", actor=actor)
        return
    if decision not in DECISIONS:
        raise ReviewProblem("Quyết định không hợp lệ.")
    reason = reason.strip()
    if not reason or len(reason) > REASON_LIMIT:
        raise ReviewProblem(f"Ghi lý do (tối đa {REASON_LIMIT} ký tự).")
    if current is None:
        current = ReviewDecision(response_id=response_id)
        session.add(current)
    current.decision, current.reason = decision, reason
    current.decided_by_id, current.decided_at = actor.id, now
    audit.record(
        session,
        f"review_{decision}",
        target=f"response:{response_id}",
        actor=actor,
        detail={"reason": reason},
    )


@dataclass(frozen=True)
class QueueRow:
    response: Response
    flags: tuple[str, ...]
    decision: ReviewDecision | None


def queue(session: Session, survey_round: SurveyRound) -> tuple[list[QueueRow], list[QueueRow]]:
    """(held responses waiting for a decision, decided responses), newest first, bounded."""
    rows = session.execute(
        select(Response, ReviewDecision)
        .outerjoin(ReviewDecision, ReviewDecision.response_id == Response.id)
        .where(Response.round_id == survey_round.id, flagged(survey_round))
        .order_by(Response.id.desc())
        .limit(QUEUE_LIMIT * 2)
    ).all()
    waiting: list[QueueRow] = []
    decided: list[QueueRow] = []
    for response, decision in rows:
        flags = tuple(
            flag for flag in survey_round.quality_flags if _has(survey_round, response, flag)
        )
        row = QueueRow(response, flags, decision)
        (decided if decision is not None else waiting).append(row)
    return waiting[:QUEUE_LIMIT], decided[:QUEUE_LIMIT]


def _has(survey_round: SurveyRound, response: Response, flag: str) -> bool:
    if flag == "speeder":
        return (
            response.duration_seconds is not None
            and response.duration_seconds < survey_round.quality_min_seconds
        )
    if flag == "straightline":
        return response.straightlined
    return response.over_quota


def flag_counts(session: Session, survey_round: SurveyRound) -> dict[str, int]:
    base = select(func.count()).select_from(Response).where(Response.round_id == survey_round.id)
    counts = {
        flag: int(session.scalar(base.where(flag_condition(survey_round, flag))) or 0)
        for flag in FLAG_LABELS
    }
    counts["held"] = int(session.scalar(base.where(held(survey_round))) or 0)
    return counts


def channel_mix(session: Session, survey_round: SurveyRound) -> dict[str, dict[str, int]]:
    """Responses per unit code and channel (qr, kiosk, assisted, paper, demo)."""
    rows = session.execute(
        select(AdminUnit.name, Response.channel, func.count())
        .join(AdminUnit, AdminUnit.id == Response.unit_id)
        .where(Response.round_id == survey_round.id)
        .group_by(AdminUnit.name, Response.channel)
        .order_by(AdminUnit.name)
    )
    mix: dict[str, dict[str, int]] = {}
    for name, channel, count in rows:
        mix.setdefault(str(name), {})[str(channel)] = int(count)
    return mix
