"""The citizen's round trip GET → POST → stored → receipt, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask
from werkzeug.datastructures import MultiDict

from survey_app.db import session_scope
from survey_app.responses.models import Response
from tests.factories.demo import FULL_ANSWERS, demo_link, hidden_fields, start_form, submit_all


def _responses(app: Flask) -> list[Response]:
    with app.app_context(), session_scope() as session:
        return list(session.scalars(sa.select(Response)))


def test_round_trip_page_by_page(any_app: Flask) -> None:
    link = demo_link(any_app)
    client = any_app.test_client()
    questionnaire = any_app.extensions["questionnaires"].get("sipas-commune", "2021.1")
    reply = client.get(f"/s/{link.token}")
    visited = []
    for _ in range(len(questionnaire.sections)):
        assert reply.status_code == 200, reply.text
        page = int(dict(hidden_fields(reply.text))["page"])
        visited.append(questionnaire.sections[page].name)
        data = MultiDict(hidden_fields(reply.text))
        for question in questionnaire.sections[page].questions:
            if question.name in FULL_ANSWERS:
                data[question.name] = FULL_ANSWERS[question.name]
        is_last = 'value="submit"' in reply.text
        data["action"] = "submit" if is_last else "next"
        reply = client.post(f"/s/{link.token}", data=data)
        if is_last:
            break
    assert reply.status_code == 303, reply.text
    # feedback_made = "2" (no): the feedback page is skipped.
    assert "feedback" not in visited
    assert visited[0] == questionnaire.sections[0].name
    receipt = client.get(reply.headers["Location"])
    assert receipt.status_code == 200
    assert "Cảm ơn Ông/Bà" in receipt.text
    stored = _responses(any_app)
    assert len(stored) == 1
    response = stored[0]
    assert response.answers["access_1"] == "4"
    assert response.answers["field"] == "ho_tich"
    assert "feedback_1" not in response.answers
    assert response.form_id == "sipas-commune"
    assert response.form_version == "2021.2"
    assert response.sex == "2"
    assert response.age_group == "3"
    assert response.field == "ho_tich"
    assert response.submitted_at.tzinfo is not None
    assert response.duration_seconds is not None
    assert response.duration_seconds >= 0
    assert response.receipt_code in receipt.text


def test_repeated_submission_id_stores_one_row_and_same_receipt(any_app: Flask) -> None:
    link = demo_link(any_app)
    client = any_app.test_client()
    fields = start_form(client, link.token)
    first = submit_all(client, link.token, fields=fields)
    second = submit_all(client, link.token, fields=fields)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(_responses(any_app)) == 1


def test_dossier_code_is_hashed_and_used_once(any_app: Flask) -> None:
    link = demo_link(any_app)
    client = any_app.test_client()
    answers = dict(FULL_ANSWERS, dossier_code="000.00.12.H20-211015-0007")
    assert submit_all(client, link.token, answers).status_code == 303
    again = submit_all(client, link.token, dict(answers, dossier_code="000.00.12.h20-211015-0007 "))
    # Refused on the page of the dossier code, with the code and every other answer kept.
    assert again.status_code == 409
    assert "Mã hồ sơ này đã được dùng" in again.text
    assert 'value="000.00.12.h20-211015-0007"' in again.text
    assert '<input type="hidden" name="overall" value="4">' in again.text
    stored = _responses(any_app)
    assert len(stored) == 1
    assert "dossier_code" not in stored[0].answers
    assert stored[0].dossier_hash is not None
    assert len(stored[0].dossier_hash) == 64
    assert "H20" not in str(stored[0].answers)


def test_response_rows_hold_no_ip_or_user_agent(app: Flask) -> None:
    columns = {c.name for c in Response.__table__.columns}
    assert not columns & {"ip", "ip_address", "remote_addr", "user_agent"}
    link = demo_link(app)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.77"
    assert submit_all(client, link.token).status_code == 303
    with app.app_context(), session_scope() as session:
        row = session.execute(sa.text("SELECT * FROM response")).mappings().one()
    assert "203.0.113.77" not in str(dict(row))


def test_english_switch(app: Flask) -> None:
    link = demo_link(app)
    page = app.test_client().get(f"/s/{link.token}?lang=en")
    assert page.status_code == 200
    assert 'lang="en"' in page.text
    assert re.search(r"Next", page.text)
