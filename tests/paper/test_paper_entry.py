"""Typing in paper forms: choice numbers, the phone form's rules, each serial once, stored
exactly once with channel "paper" and counted by quotas like any response."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.db import session_scope
from survey_app.demo.setup import DEMO_ROUND
from survey_app.paper.entry import typed_codes
from survey_app.paper.layout import number_questions
from survey_app.paper.models import PaperEntry
from survey_app.paper.serials import serial_text
from survey_app.responses.models import Response
from tests.factories.demo import demo_link
from tests.factories.staff import logged_in_client

PAPER = f"/staff/rounds/{DEMO_ROUND}/paper/"
ENTRY = f"{PAPER}entry"

#: What an operator types for a complete form: the position of each answer's choice.
TYPED = {
    "field": "1",
    **{f"access_{i}": "4" for i in range(1, 5)},
    **{f"procedures_{i}": "5" for i in range(1, 5)},
    **{f"civil_servants_{i}": "4" for i in range(1, 6)},
    **{f"results_{i}": "5" for i in range(1, 4)},
    "feedback_made": "2",
    "overall": "4",
    "sex": "2",
    "age_group": "3",
}


def _issue(client: FlaskClient, unit: str = "439-son-giang", count: int = 3) -> None:
    assert client.post(PAPER, data={"unit": unit, "count": str(count)}).status_code == 302


def _responses(app: Flask) -> list[Response]:
    with app.app_context(), session_scope() as session:
        rows = list(session.scalars(sa.select(Response).order_by(Response.id)))
        session.expunge_all()
        return rows


def _post(client: FlaskClient, serial: int, **changes: str) -> Any:
    return client.post(ENTRY, data={"serial": serial_text(serial), **TYPED, **changes})


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
def test_a_paper_form_is_stored_once_with_its_channel(any_app: Flask) -> None:
    demo_link(any_app)
    officer = logged_in_client(any_app, "district_officer")
    _issue(officer)
    reply = _post(officer, 1)
    assert reply.status_code == 302, reply.text
    assert "Đã lưu phiếu 0000018" in officer.get(ENTRY).text
    (stored,) = _responses(any_app)
    assert stored.channel == "paper"
    questionnaire = any_app.extensions["questionnaires"].get("sipas-commune", "2021.1")
    first_field = questionnaire.question("field").choices[0].name
    assert stored.answers["field"] == first_field
    assert stored.answers["access_1"] == "4"
    assert stored.field == first_field  # counted in its quota cell like any response
    again = _post(logged_in_client(any_app, "admin"), 1, overall="1")
    assert again.status_code == 422
    assert "Phiếu 0000018 đã được nhập lúc" in again.text
    assert "bởi district-officer.district" in again.text
    assert len(_responses(any_app)) == 1


def test_the_phone_forms_rules_apply_and_typed_values_are_kept(app: Flask) -> None:
    demo_link(app)
    officer = logged_in_client(app, "district_officer")
    _issue(officer)
    reply = _post(officer, 2, access_1="7", overall="", field="")
    assert reply.status_code == 422
    assert "Nhập số của lựa chọn: 1, 2, 3, 4, 5, 9." in reply.text
    assert 'value="7"' in reply.text  # what was typed stays on the page
    assert 'aria-invalid="true"' in reply.text
    assert _responses(app) == []
    # Answers to a question the form skips (no feedback made) are dropped, not stored.
    assert _post(officer, 2, feedback_1="3").status_code == 302
    assert "feedback_1" not in _responses(app)[0].answers


def test_unknown_or_mistyped_serials_are_refused(app: Flask) -> None:
    demo_link(app)
    officer = logged_in_client(app, "district_officer")
    _issue(officer, count=1)
    typo = serial_text(1)[:-1] + str((int(serial_text(1)[-1]) + 1) % 10)
    assert "Số sê-ri không đúng." in officer.post(ENTRY, data={"serial": typo, **TYPED}).text
    assert "chưa được cấp trong đợt này" in _post(officer, 2).text
    assert _responses(app) == []


def test_a_commune_officer_enters_only_their_own_units_forms(app: Flask) -> None:
    demo_link(app)
    district = logged_in_client(app, "district_officer")
    _issue(district, "439-pho-chau", 1)
    officer = logged_in_client(app, "commune_officer", "439-son-giang")
    reply = _post(officer, 1)
    assert reply.status_code == 422
    assert "không phải đơn vị của bạn" in reply.text


def test_typed_numbers_map_to_codes(app: Flask) -> None:
    questionnaire = app.extensions["questionnaires"].get("sipas-commune", "2021.1")
    question = questionnaire.question("access_1")
    assert typed_codes(question, " 5 ") == ["5"]
    assert typed_codes(question, "9") == ["9"]  # "không biết", as printed
    field = questionnaire.question("field")
    assert typed_codes(field, "2") == [field.choices[1].name]  # text codes: by position
    assert typed_codes(question, "") == []
    multiple = [q for q in questionnaire.fields if q.type == "select_multiple"]
    if multiple:
        assert typed_codes(multiple[0], "1 2") == [c.name for c in multiple[0].choices[:2]]
    assert number_questions(questionnaire)["field"] == 1


def test_keystrokes_for_a_full_form(app: Flask) -> None:
    """The measure behind the entry-speed claim: one key per answer plus Tab, the serial, Enter.

    25 questions answered at most: 7 serial digits + 25 × (1 digit + Tab) + Enter = 58 keys;
    at a modest 2 keys a second that is 29 s, under the 60 s target.
    """
    questionnaire = app.extensions["questionnaires"].get("sipas-commune", "2021.1")
    answered = [q for q in questionnaire.fields if q.name in TYPED]
    keys = 7 + sum(len(TYPED[q.name]) + 1 for q in answered) + 1
    assert len(answered) == 21
    assert keys == 7 + 21 * 2 + 1 == 50
    assert keys / 2 < 60


def test_entries_are_audited(app: Flask) -> None:
    demo_link(app)
    officer = logged_in_client(app, "district_officer")
    _issue(officer, count=1)
    _post(officer, 1)
    with app.app_context(), session_scope() as session:
        entry = session.scalars(sa.select(PaperEntry)).one()
        assert entry.serial == 1
        from survey_app.staff.models import AuditEvent

        actions = session.scalars(sa.select(AuditEvent.action)).all()
        assert "paper_entered" in actions
        assert "paper_batch_issued" in actions
