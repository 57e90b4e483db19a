"""Recording a citizen's response exactly once.

The database, not the application, decides duplicates: ``submission_id`` is unique, so a retried
POST (double tap, flaky network, back button) cannot create a second row however the requests
interleave, and ``(round, dossier_hash)`` is unique, so a dossier is rated once per round.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey_app.models import Response, SurveyLink
from survey_app.models.types import utcnow
from survey_app.questionnaires import Questionnaire
from survey_app.security import dossier_hash

#: Answers copied to their own columns so quotas can be counted with an index.
CELL_QUESTIONS = ("sex", "age_group", "field")


class DossierAlreadyUsed(Exception):
    """The dossier code was already used for a response in this round."""


class SubmissionConflict(Exception):
    """The submission id belongs to a response for another round or unit."""


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
    """
    existing = find_submission(session, submission_id)
    if existing is not None:
        return _same_link_or_conflict(existing, link)

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
        over_quota=over_quota,
        answers=answers,
        **{name: _cell_value(answers.get(name)) for name in CELL_QUESTIONS},
    )
    session.add(response)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        # Either a concurrent retry of the same submission won the race, or the dossier was
        # already rated; the unique constraints tell which.
        existing = find_submission(session, submission_id)
        if existing is not None:
            return _same_link_or_conflict(existing, link)
        if hashed is not None:
            raise DossierAlreadyUsed from None
        raise
    return Recorded(response, created=True)


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
