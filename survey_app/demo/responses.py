"""Synthetic responses for the demo round, so dashboards and results have something to show.

They go through ``record_response`` like real ones (quotas, derived columns) and carry
``channel = "demo"`` so they can never be mistaken for citizens' answers.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.collection.recording import record_response
from survey_app.questionnaires.answers import validate_answers
from survey_app.questionnaires.model import Questionnaire
from survey_app.responses.models import DEMO_CHANNEL
from survey_app.rounds.links import ensure_link
from survey_app.rounds.models import SurveyRound
from survey_app.units.models import TransactionCount


def seed_demo_responses(
    session: Session,
    survey_round: SurveyRound,
    questionnaire: Questionnaire,
    count: int,
    *,
    now: dt.datetime,
    days: int = 20,
    seed: int = 2021,
) -> int:
    """Add ``count`` synthetic responses spread over the last ``days`` days; returns how many."""
    rng = random.Random(seed)
    units = sorted((ru.unit for ru in survey_round.units), key=lambda unit: unit.code)
    field_mix = _field_mix(session, survey_round)
    # Each commune gets its own level of satisfaction, so the results have something to rank.
    mood = {unit.code: rng.uniform(-0.8, 0.6) for unit in units}
    links = {unit.code: ensure_link(session, survey_round, unit) for unit in units}
    session.commit()
    for index in range(count):
        unit = rng.choice(units)
        fields, weights = field_mix.get(unit.id, (["ho_tich"], [1]))
        raw = _answers(rng, questionnaire, mood[unit.code], rng.choices(fields, weights)[0])
        validated = validate_answers(questionnaire, {k: [str(v)] for k, v in raw.items()})
        if validated.errors:
            raise RuntimeError(
                f"synthetic answers do not fit the questionnaire: {validated.errors}"
            )
        moment = now - dt.timedelta(days=days * (1 - index / count), minutes=rng.uniform(0, 600))
        record_response(
            session,
            links[unit.code],
            questionnaire,
            validated.values,
            submission_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            language="vi",
            duration_seconds=int(rng.uniform(40, 600)),
            channel=DEMO_CHANNEL,
            now=moment,
        )
    return count


def _field_mix(
    session: Session, survey_round: SurveyRound
) -> dict[int, tuple[list[str], list[int]]]:
    counts = session.scalars(
        select(TransactionCount).where(
            TransactionCount.period_start == survey_round.period_start,
            TransactionCount.period_end == survey_round.period_end,
            TransactionCount.field != "",
        )
    )
    mix: dict[int, tuple[list[str], list[int]]] = {}
    for count in counts:
        fields, weights = mix.setdefault(count.unit_id, ([], []))
        fields.append(count.field)
        weights.append(count.transactions)
    return mix


def _answers(
    rng: random.Random, questionnaire: Questionnaire, mood: float, field: str
) -> dict[str, object]:
    answers: dict[str, object] = {"field": field, "feedback_made": rng.choice("2222221")}
    straightliner = rng.random() < 0.03
    fixed = str(rng.choice((4, 5)))
    for name in questionnaire.scored_items():
        if name.startswith("feedback_") and answers["feedback_made"] != "1":
            continue
        if rng.random() < 0.02:
            answers[name] = "9"  # "no answer"
            continue
        score = round(4.1 + mood + rng.gauss(0, 0.8))
        answers[name] = fixed if straightliner else str(min(5, max(1, score)))
    answers["overall"] = str(min(5, max(1, round(4.1 + mood + rng.gauss(0, 0.7)))))
    if rng.random() < 0.9:
        answers["sex"] = rng.choice("12")
    if rng.random() < 0.9:
        answers["age_group"] = rng.choice("12333444455")
    return answers
