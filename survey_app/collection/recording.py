"""Recording a citizen's response exactly once, and never beyond a closed quota.

The database, not the application, decides duplicates: ``submission_id`` is unique, so a retried
POST (double tap, flaky network, back button) cannot create a second row however the requests
interleave, and ``(round, dossier_hash)`` is unique, so a dossier is rated once per round.

Quotas are checked in the same transaction as the insert, under a lock on the unit (see
:func:`_lock_unit`), so concurrent submissions cannot all see "one place left" and overshoot.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey_app.db import SQLITE_BEGIN_IMMEDIATE
from survey_app.questionnaires.model import Questionnaire
from survey_app.quotas.cells import respondent_cells
from survey_app.quotas.check import full_quota
from survey_app.responses.models import Response
from survey_app.responses.quality import is_straightlined
from survey_app.rounds.models import RoundUnit, SurveyLink
from survey_app.security import dossier_hash
from survey_app.sql_types import utcnow

#: Answers copied to their own columns so quotas can be counted with an index.
CELL_QUESTIONS = ("sex", "age_group", "field")


class DossierAlreadyUsed(Exception):
    """The dossier code was already used for a response in this round."""


class SubmissionConflict(Exception):
    """The submission id belongs to a response for another round or unit."""


class QuotaClosed(Exception):
    """The round closes full quotas and this response's unit or cell is full: nothing stored."""

    def __init__(self, quota: str) -> None:
        super().__init__(quota)
        #: "unit", or the dimension of the full cell ("field", "sex_age").
        self.quota = quota


@dataclass(frozen=True)
class Recorded:
    response: Response
    created: bool


def find_submission(session: Session, submission_id: str) -> Response | None:
    return session.scalars(select(Response).where(Response.submission_id == submission_id)).first()


def record_response(
    session: Session,
    link: SurveyLink,
    questionnaire: Questionnaire,
    values: dict[str, Any],
    *,
    submission_id: str,
    language: str,
    duration_seconds: int | None,
    channel: str = "qr",
    over_quota: bool = False,
    now: dt.datetime | None = None,
) -> Recorded:
    """Store one validated response and commit it, or return the one already stored.

    ``values`` are validated answers (question name → code, number, list of codes or None).
    Questions marked ``privacy = "hashed"`` are stored only as their keyed hash.

    The INSERT comes first and the unique constraints catch a repeat: a look-up beforehand
    would cost every submission a query that only the rare retry needs.

    Quotas: with the unit locked, accepted responses are counted against the unit's target and
    the targets of the respondent's cells. When one is reached, a round with policy "close"
    stores nothing and raises :class:`QuotaClosed` (unless this submission id was already
    stored: a retry still gets its first receipt); "accept_flag" stores it with ``over_quota``.
    Any transaction the session has open is ended first (SQLite takes its lock at BEGIN).
    """
    answers, hashed = stored_form(questionnaire, values)
    cells = {name: _cell_value(answers.get(name)) for name in CELL_QUESTIONS}
    full = full_quota(
        session,
        _lock_unit(session, link),
        respondent_cells(cells["field"], cells["sex"], cells["age_group"]),
    )
    if full is not None and link.round.quota_policy == "close":
        existing = find_submission(session, submission_id)
        recorded = _same_link_or_conflict(existing, link) if existing is not None else None
        session.commit()  # nothing was written: this only releases the lock
        if recorded is None:
            raise QuotaClosed(full)
        return recorded
    response = Response(
        submission_id=submission_id,
        round_id=link.round_id,
        unit_id=link.unit_id,
        form_id=questionnaire.form_id,
        form_version=questionnaire.version,
        submitted_at=now or utcnow(),
        duration_seconds=duration_seconds,
        channel=channel,
        language=language,
        dossier_hash=hashed,
        over_quota=over_quota or full is not None,
        straightlined=is_straightlined(questionnaire, answers),
        answers=answers,
        **cells,
    )
    session.add(response)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        # Either this submission was stored before (a retry, or a concurrent one that won the
        # race), or the dossier was already rated; the unique constraints tell which.
        existing = find_submission(session, submission_id)
        if existing is not None:
            return _same_link_or_conflict(existing, link)
        if hashed is not None:
            raise DossierAlreadyUsed from None
        raise
    return Recorded(response, created=True)


def stored_form(
    questionnaire: Questionnaire, values: dict[str, Any]
) -> tuple[dict[str, Any], str | None]:
    """The answers as they are stored, and the keyed hash of the dossier code if one was given.

    Unanswered questions are left out; questions marked ``privacy = "hashed"`` are kept only
    as their hash. Comparing this with a stored row tells a retry from different answers.
    """
    answers: dict[str, Any] = {}
    hashed: str | None = None
    for question in questionnaire.questions:
        value = values.get(question.name)
        if value is None or value == "" or value == []:
            continue
        if question.privacy == "hashed":
            hashed = dossier_hash(str(value))
            continue
        answers[question.name] = value
    return answers, hashed


def _lock_unit(session: Session, link: SurveyLink) -> RoundUnit:
    """Lock the link's unit in this round until the transaction ends, and return it fresh.

    PostgreSQL: a row lock on the round_unit row (SELECT ... FOR UPDATE); READ COMMITTED lets
    the counts that follow see every response committed before the lock was granted. SQLite
    has no row locks: the transaction is restarted holding the database write lock.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.commit()
        session.connection(execution_options={SQLITE_BEGIN_IMMEDIATE: True})
    query = (
        select(RoundUnit)
        .where(RoundUnit.round_id == link.round_id, RoundUnit.unit_id == link.unit_id)
        .with_for_update()
        # A target edited since the session last read it must be seen now.
        .execution_options(populate_existing=True)
    )
    return session.scalars(query).one()


def dossier_used(session: Session, round_id: int, code: str) -> bool:
    hashed = dossier_hash(code)
    found = session.scalar(
        select(Response.id).where(Response.round_id == round_id, Response.dossier_hash == hashed)
    )
    return found is not None


def _same_link_or_conflict(existing: Response, link: SurveyLink) -> Recorded:
    if existing.round_id != link.round_id or existing.unit_id != link.unit_id:
        raise SubmissionConflict
    return Recorded(existing, created=False)


def _cell_value(value: Any) -> str | None:
    return str(value) if isinstance(value, str | int) else None
