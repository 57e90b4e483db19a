"""Removing every trace of the demo before a real year starts.

Demo rounds (survey and PAR) go with everything that hangs on them (responses, links, targets,
assessments, scores, evidence), demo accounts are deleted (or disabled where real data still
refers to them), illustrative transaction counts are deleted. Units are kept: they are the real
administrative units of the district. The audit log keeps its entries, with the actor's name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Delete, delete, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey_app.par.models import ParRound
from survey_app.responses.models import Response
from survey_app.rounds.models import SurveyRound
from survey_app.staff import audit
from survey_app.staff.models import AuditEvent, User
from survey_app.units.models import TransactionCount


@dataclass(frozen=True)
class Cleared:
    survey_rounds: int
    par_rounds: int
    responses: int
    accounts_deleted: int
    accounts_disabled: int
    counts: int

    def describe(self) -> str:
        return (
            f"{self.survey_rounds} đợt khảo sát, {self.par_rounds} đợt Chỉ số CCHC, "
            f"{self.responses} phiếu mẫu, {self.accounts_deleted} tài khoản mẫu"
            + (
                f" (thêm {self.accounts_disabled} tài khoản bị khoá)"
                if self.accounts_disabled
                else ""
            )
            + f", {self.counts} số liệu giao dịch minh hoạ"
        )


def clear_demo(session: Session, *, actor: User | None = None, actor_name: str = "cli") -> Cleared:
    """Delete the demo's rounds, responses, accounts and illustrative counts, and audit it.

    The caller commits. Idempotent: a second call finds nothing to clear.
    """
    demo_rounds = list(session.scalars(select(SurveyRound).where(SurveyRound.is_demo)))
    demo_round_ids = [r.id for r in demo_rounds]
    par_rounds = list(
        session.scalars(
            select(ParRound).where(
                ParRound.is_demo | ParRound.survey_round_id.in_(demo_round_ids or [-1])
            )
        )
    )
    for par_round in par_rounds:
        session.delete(par_round)
    session.flush()
    responses = 0
    if demo_round_ids:
        responses = _deleted(session, delete(Response).where(Response.round_id.in_(demo_round_ids)))
    for survey_round in demo_rounds:
        session.delete(survey_round)
    session.flush()
    counts = _deleted(session, delete(TransactionCount).where(TransactionCount.illustrative))
    deleted, disabled = _remove_demo_accounts(session, actor)
    cleared = Cleared(
        survey_rounds=len(demo_rounds),
        par_rounds=len(par_rounds),
        responses=responses,
        accounts_deleted=deleted,
        accounts_disabled=disabled,
        counts=counts,
    )
    audit.record(
        session,
        "demo_cleared",
        target="demo",
        actor=actor,
        actor_name=actor_name,
        detail=cleared.__dict__,
    )
    return cleared


def _deleted(session: Session, statement: Delete) -> int:
    result = session.execute(statement)
    # A DELETE's result is a CursorResult, which reports how many rows went.
    return int(cast(CursorResult[Any], result).rowcount or 0)


def _remove_demo_accounts(session: Session, actor: User | None) -> tuple[int, int]:
    deleted = disabled = 0
    for user in list(session.scalars(select(User).where(User.is_demo))):
        if actor is not None and user.id == actor.id:
            # Whoever clears the demo keeps their session until they log out.
            user.active = False
            disabled += 1
            continue
        session.execute(
            update(AuditEvent).where(AuditEvent.actor_id == user.id).values(actor_id=None)
        )
        savepoint = session.begin_nested()
        try:
            session.delete(user)
            session.flush()
        except IntegrityError:
            # Real data still names the account (e.g. it scored a real assessment): keep the
            # row so that record stays whole, but nobody can log in with it any more.
            savepoint.rollback()
            user.active = False
            disabled += 1
        else:
            savepoint.commit()
            deleted += 1
    return deleted, disabled
