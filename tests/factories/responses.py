"""Seeded synthetic responses written straight to the database (results and export tests).

Going through the citizen form for hundreds of responses would test the form, not the results;
these rows have the same shape ``record_response`` stores.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import Any

import numpy as np
from flask import Flask
from sqlalchemy import select

from survey_app.db import session_scope
from survey_app.demo.setup import DEMO_ROUND, load_demo
from survey_app.responses.models import Response
from survey_app.rounds.services import round_by_code
from survey_app.units.models import AdminUnit

FIELDS = ("ho_tich", "chung_thuc", "ldtbxh", "dat_dai", "xay_dung")
ITEMS = (
    *(f"access_{i}" for i in range(1, 5)),
    *(f"procedures_{i}" for i in range(1, 5)),
    *(f"civil_servants_{i}" for i in range(1, 6)),
    *(f"results_{i}" for i in range(1, 4)),
)
FEEDBACK_ITEMS = ("feedback_1", "feedback_2", "feedback_3")
START = dt.datetime(2021, 10, 1, 8, 0, tzinfo=dt.UTC)


def synthetic_answers(rng: np.random.Generator, lean: float) -> dict[str, Any]:
    """One plausible set of answers; ``lean`` shifts the scale towards satisfied (0..1)."""
    scale = np.array([0.05, 0.1, 0.25 - 0.1 * lean, 0.35 + 0.05 * lean, 0.25 + 0.05 * lean])
    scale = scale / scale.sum()
    answers: dict[str, Any] = {"field": str(rng.choice(FIELDS, p=[0.4, 0.2, 0.2, 0.1, 0.1]))}
    for item in ITEMS:
        answers[item] = "9" if rng.random() < 0.04 else str(rng.choice(5, p=scale) + 1)
    made = rng.random() < 0.3
    answers["feedback_made"] = "1" if made else "2"
    if made:
        for item in FEEDBACK_ITEMS:
            answers[item] = str(rng.choice(5, p=scale) + 1)
    answers["overall"] = str(rng.choice(5, p=scale) + 1)
    answers["sex"] = str(rng.choice(["1", "2"]))
    answers["age_group"] = str(rng.integers(1, 6))
    return answers


def insert_responses(
    app: Flask,
    unit_code: str,
    count: int,
    *,
    seed: int = 1,
    lean: float = 0.5,
    start: dt.datetime = START,
    step: dt.timedelta = dt.timedelta(minutes=7),
    answers: Sequence[dict[str, Any]] | None = None,
) -> list[int]:
    """Insert ``count`` responses (or the given ``answers``) for a unit of the demo round."""
    rng = np.random.default_rng(seed)
    rows = (
        list(answers)
        if answers is not None
        else [synthetic_answers(rng, lean) for _ in range(count)]
    )
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND) or load_demo(
            session, dt.datetime.now(dt.UTC)
        )
        unit = session.scalars(select(AdminUnit).where(AdminUnit.code == unit_code)).one()
        created = []
        for position, given in enumerate(rows):
            response = Response(
                submission_id=str(uuid.UUID(int=int(rng.integers(0, 2**62)) + position)),
                round_id=survey_round.id,
                unit_id=unit.id,
                form_id="sipas-commune",
                form_version="2021.1",
                submitted_at=start + step * position,
                duration_seconds=int(rng.integers(120, 600)),
                channel="qr",
                language="vi",
                sex=given.get("sex"),
                age_group=given.get("age_group"),
                field=given.get("field"),
                answers=dict(given),
            )
            session.add(response)
            created.append(response)
        session.flush()
        return [response.id for response in created]
