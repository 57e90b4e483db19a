"""Shared devices: what a stale page of a stored response may do.

On a counter tablet, citizen B can reach citizen A's pages through Back, Forward or history.
Three rules keep A's answers from B and B's answers from being lost:

1. Every citizen page is ``Cache-Control: no-store`` (:func:`forbid_storing`), so the browser
   fetches a page again instead of showing A's copy, and the form has ``autocomplete="off"``
   so the browser does not restore A's choices into a fresh page.
2. A page POST (next, back, language) whose submission id is already stored opens a fresh
   questionnaire with a plain notice (views.py), never the old answers or A's receipt.
3. A final submit whose submission id is already stored is a retry only if it carries the
   same answers (:func:`record_own_response`): it gets the first receipt, as exactly-once
   requires. Different answers are another citizen's (or a changed mind) on a stale page: they
   are stored as their own response, under an id derived from the old id and the answers, so
   that retries of *that* submit also find their own first receipt.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app.collection import recording
from survey_app.questionnaires.model import Questionnaire
from survey_app.rounds.models import SurveyLink


def forbid_storing(response: WerkzeugResponse) -> WerkzeugResponse:
    """No copy of a citizen page in any cache: Back fetches it again (rule 1)."""
    response.headers["Cache-Control"] = "no-store"
    return response


def derived_submission_id(submission_id: str, answers: dict[str, Any], hashed: str | None) -> str:
    """A version-4-shaped UUID fixed by the stale page's id and the answers sent from it."""
    content = json.dumps([submission_id, answers, hashed], sort_keys=True, ensure_ascii=False)
    digest = hashlib.sha256(content.encode()).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def record_own_response(
    session: Session,
    link: SurveyLink,
    questionnaire: Questionnaire,
    values: dict[str, Any],
    *,
    submission_id: str,
    language: str,
    duration_seconds: int | None,
) -> recording.Recorded:
    """Store the response, or return the first receipt of a true retry (rule 3).

    The usual submit costs one INSERT and nothing more: the comparison only runs when the
    unique submission id already named a stored row.
    """
    recorded = recording.record_response(
        session,
        link,
        questionnaire,
        values,
        submission_id=submission_id,
        language=language,
        duration_seconds=duration_seconds,
    )
    if recorded.created:
        return recorded
    answers, hashed = recording.stored_form(questionnaire, values)
    stored = recorded.response
    if stored.answers == answers and stored.dossier_hash == hashed:
        return recorded
    return recording.record_response(
        session,
        link,
        questionnaire,
        values,
        submission_id=derived_submission_id(submission_id, answers, hashed),
        language=language,
        duration_seconds=duration_seconds,
    )
