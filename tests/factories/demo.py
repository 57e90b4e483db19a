"""Test data helpers: the demo round, links and a complete set of answers."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html import unescape as html_unescape
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from survey_app.db import session_scope
from survey_app.demo.setup import DEMO_ROUND, load_demo
from survey_app.rounds.links import ensure_link, token_for
from survey_app.rounds.services import round_by_code


@dataclass(frozen=True)
class DemoLink:
    round_code: str
    unit_code: str
    token: str


def demo_link(
    app: Flask, unit_code: str = "439-son-giang", now: dt.datetime | None = None
) -> DemoLink:
    with app.app_context(), session_scope() as session:
        survey_round = load_demo(session, now or dt.datetime.now(dt.UTC))
        unit = next(ru.unit for ru in survey_round.units if ru.unit.code == unit_code)
        token = token_for(ensure_link(session, survey_round, unit))
    return DemoLink(DEMO_ROUND, unit_code, token)


def demo_round_id(app: Flask) -> int:
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        return survey_round.id


#: A complete, valid set of answers to the default questionnaire (feedback items skipped).
FULL_ANSWERS: dict[str, Any] = {
    "field": "ho_tich",
    **{f"access_{i}": "4" for i in range(1, 5)},
    **{f"procedures_{i}": "5" for i in range(1, 5)},
    **{f"civil_servants_{i}": "4" for i in range(1, 6)},
    **{f"results_{i}": "5" for i in range(1, 4)},
    "feedback_made": "2",
    "overall": "4",
    "sex": "2",
    "age_group": "3",
}


def hidden_fields(html: str) -> list[tuple[str, str]]:
    """The hidden inputs of a page, as a browser would post them back."""
    fields = []
    for tag in re.findall(r"<input[^>]*>", html):
        if 'type="hidden"' not in tag:
            continue
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields.append((name.group(1), html_unescape(value.group(1) if value else "")))
    return fields


def start_form(client: FlaskClient, token: str, lang: str = "vi") -> dict[str, str]:
    """GET the form and return its hidden bookkeeping fields."""
    page = client.get(f"/s/{token}?lang={lang}")
    assert page.status_code == 200, page.text
    return dict(hidden_fields(page.text))


def last_page(app: Flask) -> str:
    questionnaire = app.extensions["questionnaires"].get("sipas-commune", "2021.1")
    return str(len(questionnaire.sections) - 1)


def submit_all(
    client: FlaskClient,
    token: str,
    answers: dict[str, Any] | None = None,
    fields: dict[str, str] | None = None,
    **overrides: str,
) -> Any:
    """POST every answer at once from the last page, as a browser's final submit would.

    ``fields`` are the hidden fields of an earlier GET (a new GET is made if omitted);
    ``overrides`` replace any posted value (to tamper with bookkeeping fields).
    """
    data: dict[str, Any] = dict(answers if answers is not None else FULL_ANSWERS)
    data.update(fields if fields is not None else start_form(client, token))
    data["page"] = last_page(client.application)
    data["action"] = "submit"
    data.update(overrides)
    return client.post(f"/s/{token}", data=data)
