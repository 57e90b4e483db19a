"""Checks a page POST makes beyond the questionnaire's own rules (questionnaires/answers.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from survey_app.collection.recording import dossier_used
from survey_app.i18n import translate
from survey_app.questionnaires.model import Questionnaire, Section
from survey_app.rounds.models import SurveyLink


def dossier_errors(
    session: Session,
    link: SurveyLink,
    questionnaire: Questionnaire,
    section: Section | None,
    values: dict[str, Any],
) -> dict[str, str]:
    """An error for each dossier code (``privacy = "hashed"``) already rated in this round.

    ``section`` limits the check to the questions of the page just posted (None: all), so the
    citizen hears about it when leaving the page where they typed the code, not at the end.
    """
    questions = section.questions if section is not None else questionnaire.questions
    errors = {}
    for question in questions:
        value = values.get(question.name)
        if question.privacy != "hashed" or not value:
            continue
        if dossier_used(session, link.round_id, str(value)):
            errors[question.name] = translate("dossier_used_field")
    return errors
