"""Shared devices and nothing lost, without a browser: no-store, stale pages, the language
button, the dossier code checked on its own page, kiosk links and progress (SQLite and
PostgreSQL where storage is involved)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from survey_app.db import session_scope
from survey_app.responses.models import Response
from survey_app.rounds.links import kiosk_code, resolve_token
from tests.factories.demo import FULL_ANSWERS, demo_link, hidden_fields, start_form, submit_all


def _responses(app: Flask) -> list[Response]:
    with app.app_context(), session_scope() as session:
        return list(session.scalars(sa.select(Response).order_by(Response.id)))


def _post_page(client: FlaskClient, token: str, html: str, action: str, **answers: Any) -> Any:
    data = MultiDict(hidden_fields(html))
    data.update(answers)
    data["action"] = action
    return client.post(f"/s/{token}", data=data)


def _progress(html: str) -> tuple[int, int]:
    found = re.search(r'id="progress-text">Trang (\d+)/(\d+)<', html)
    assert found, html
    return int(found.group(1)), int(found.group(2))


def test_every_citizen_page_and_receipt_is_no_store(any_app: Flask) -> None:
    link = demo_link(any_app)
    client = any_app.test_client()
    first = client.get(f"/s/{link.token}")
    fields = dict(hidden_fields(first.text))
    refused = _post_page(client, link.token, first.text, "next")  # "field" is required
    assert refused.status_code == 422
    stored = submit_all(client, link.token, fields=fields)
    receipt = client.get(stored.headers["Location"])
    invalid = client.get("/s/AAAAAAAAAAAA.AAAAAAAAAAAAAAAA")
    for reply in (first, refused, stored, receipt, invalid):
        assert reply.headers["Cache-Control"] == "no-store", reply.request.path
    assert 'autocomplete="off"' in first.text


def test_stale_final_page_with_other_answers_is_stored_as_its_own_response(
    any_app: Flask,
) -> None:
    link = demo_link(any_app)
    client = any_app.test_client()
    fields = start_form(client, link.token)
    first = submit_all(client, link.token, fields=fields)
    # Citizen B submits from citizen A's stale last page (same hidden fields), other answers.
    theirs = dict(FULL_ANSWERS, overall="2", comment="Chờ lâu quá")
    second = submit_all(client, link.token, theirs, fields=fields)
    assert second.status_code == 303
    assert second.headers["Location"] != first.headers["Location"]
    # B's own retry finds B's receipt; A's identical retry still finds A's.
    # The same receipt again (headers differ only by their per-request X-Request-ID).
    again = submit_all(client, link.token, theirs, fields=fields)
    assert again.headers["Location"] == second.headers["Location"]
    assert (
        submit_all(client, link.token, fields=fields).headers["Location"]
        == (first.headers["Location"])
    )
    rows = _responses(any_app)
    assert [row.answers.get("overall") for row in rows] == ["4", "2"]
    assert rows[0].receipt_code != rows[1].receipt_code
    assert rows[0].receipt_code in client.get(first.headers["Location"]).text
    b_receipt = client.get(second.headers["Location"]).text
    assert rows[1].receipt_code in b_receipt
    assert rows[0].receipt_code not in b_receipt


def test_language_button_keeps_every_answer_and_the_page(app: Flask) -> None:
    link = demo_link(app)
    client = app.test_client()
    first = client.get(f"/s/{link.token}")
    second = _post_page(client, link.token, first.text, "next", field="dat_dai")
    assert second.status_code == 200
    switched = _post_page(client, link.token, second.text, "lang", access_1="5")
    assert switched.status_code == 200
    assert 'lang="en"' in switched.text
    assert "Access to public administrative services" in switched.text
    assert 'name="field" value="dat_dai"' in switched.text
    assert re.search(r'name="access_1" value="5" checked', switched.text)
    back = _post_page(client, link.token, switched.text, "lang", access_1="5")
    assert "Tiếp cận dịch vụ hành chính công" in back.text
    assert re.search(r'name="access_1" value="5" checked', back.text)
    assert 'name="lang" type="hidden" value="vi"' in back.text


def test_a_used_dossier_code_is_refused_on_its_own_page(any_app: Flask) -> None:
    link = demo_link(any_app)
    client = any_app.test_client()
    code = "000.00.12.H20-211015-0007"
    assert submit_all(client, link.token, dict(FULL_ANSWERS, dossier_code=code)).status_code == 303
    first = client.get(f"/s/{link.token}")
    refused = _post_page(
        client, link.token, first.text, "next", field="chung_thuc", dossier_code=code
    )
    assert refused.status_code == 422
    assert "Mã hồ sơ này đã được dùng" in refused.text
    assert dict(hidden_fields(refused.text))["page"] == "0"
    assert 'value="chung_thuc" checked' in refused.text
    assert f'value="{code}"' in refused.text
    # Deleting the code lets the citizen go on; nothing was stored meanwhile.
    onwards = _post_page(
        client, link.token, refused.text, "next", field="chung_thuc", dossier_code=""
    )
    assert onwards.status_code == 200
    assert dict(hidden_fields(onwards.text))["page"] == "1"
    assert len(_responses(any_app)) == 1


def test_kiosk_flag_travels_to_the_receipt_and_a_forged_one_is_ignored(app: Flask) -> None:
    link = demo_link(app)
    with app.test_request_context(), session_scope() as session:
        survey_link = resolve_token(session, link.token)
        assert survey_link is not None
        code = kiosk_code(survey_link)
    client = app.test_client()
    fields = dict(hidden_fields(client.get(f"/s/{link.token}?kiosk={code}").text))
    assert fields["kiosk"] == code
    receipt = client.get(submit_all(client, link.token, fields=fields).headers["Location"])
    assert f'data-kiosk-seconds="{app.config["KIOSK_RETURN_SECONDS"]}"' in receipt.text
    assert "Bắt đầu phiếu mới" in receipt.text
    forged = dict(hidden_fields(client.get(f"/s/{link.token}?kiosk=AAAAAAAAAAAA").text))
    assert forged["kiosk"] == ""
    plain = client.get(submit_all(client, link.token, fields=forged).headers["Location"])
    assert "data-kiosk-seconds" not in plain.text
    assert "Bắt đầu phiếu mới" in plain.text


def test_progress_never_goes_back_nor_changes_its_total(app: Flask) -> None:
    link = demo_link(app)
    questionnaire = app.extensions["questionnaires"].get("sipas-commune", "2021.1")
    for feedback_made in ("1", "2"):
        client = app.test_client()
        answers = dict(FULL_ANSWERS, feedback_made=feedback_made)
        answers.update({f"feedback_{i}": "4" for i in (1, 2, 3)})
        reply = client.get(f"/s/{link.token}")
        seen = []
        while 'value="submit"' not in reply.text:
            seen.append(_progress(reply.text))
            page = int(dict(hidden_fields(reply.text))["page"])
            names = [q.name for q in questionnaire.sections[page].questions]
            reply = _post_page(
                client,
                link.token,
                reply.text,
                "next",
                **{n: answers[n] for n in names if n in answers},
            )
            assert reply.status_code == 200, reply.text
        seen.append(_progress(reply.text))
        positions = [position for position, _ in seen]
        assert positions == sorted(set(positions)), feedback_made
        assert {total for _, total in seen} == {len(questionnaire.sections)}


def test_error_page_title_summary_and_field_links(app: Flask) -> None:
    link = demo_link(app)
    client = app.test_client()
    first = client.get(f"/s/{link.token}")
    refused = _post_page(client, link.token, first.text, "next", dossier_code="x" * 41)
    assert refused.status_code == 422
    title = re.search(r"<title>(.*)</title>", refused.text)
    assert title
    assert title.group(1).startswith("Lỗi: ")
    summary = refused.text[refused.text.index('id="error-summary"') :]
    assert 'href="#field-1"' in summary
    assert 'href="#dossier_code"' in summary
    assert refused.text.count('role="alert"') == 1
    assert 'aria-describedby="hint-field err-field"' in refused.text
    assert re.search(
        r'id="dossier_code"[^>]*aria-describedby="hint-dossier_code err-dossier_code"', refused.text
    )
    assert "aria-invalid=true" in refused.text
    assert str(uuid.UUID(dict(hidden_fields(refused.text))["submission_id"]))
