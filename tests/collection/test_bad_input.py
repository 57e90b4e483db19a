"""Every malformed request gets a 4xx with a clear message and stores nothing."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.db import session_scope
from tests.conftest import make_app
from tests.factories.demo import FULL_ANSWERS, demo_link, last_page, start_form, submit_all


def _count(app: Flask) -> int:
    with app.app_context(), session_scope() as session:
        return int(session.execute(sa.text("SELECT count(*) FROM response")).scalar_one())


@pytest.fixture
def token(app: Flask) -> str:
    return demo_link(app).token


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"access_1": "7"}, "Lựa chọn không hợp lệ."),
        ({"access_1": "abc"}, "Lựa chọn không hợp lệ."),
        ({"field": ""}, "Vui lòng chọn một câu trả lời."),
        ({"comment": "x" * 1001}, "Tối đa 1000 ký tự."),
        ({"sex": "3"}, "Lựa chọn không hợp lệ."),
        ({"access_1": ["4", "5"]}, "Vui lòng chỉ chọn một câu trả lời."),
    ],
)
def test_invalid_answers_are_refused_next_to_the_field(
    app: Flask, client: FlaskClient, token: str, change: dict[str, Any], message: str
) -> None:
    answers = dict(FULL_ANSWERS, **change)
    reply = submit_all(client, token, answers)
    assert reply.status_code == 422
    assert message in reply.text
    assert 'class="error"' in reply.text
    assert _count(app) == 0


def test_missing_required_answer(app: Flask, client: FlaskClient, token: str) -> None:
    answers = {k: v for k, v in FULL_ANSWERS.items() if k != "overall"}
    reply = submit_all(client, token, answers)
    assert reply.status_code == 422
    assert 'id="err-overall"' in reply.text
    assert _count(app) == 0


def test_unknown_field_is_400(app: Flask, client: FlaskClient, token: str) -> None:
    reply = submit_all(client, token, dict(FULL_ANSWERS, is_admin="1"))
    assert reply.status_code == 400
    assert "Yêu cầu không hợp lệ" in reply.text
    assert _count(app) == 0


@pytest.mark.parametrize(
    "meta",
    [
        {"submission_id": "not-a-uuid"},
        {"page": "abc"},
        {"page": "999"},
        {"started_at": "yesterday"},
        {"lang": "fr"},
    ],
)
def test_tampered_bookkeeping_is_400(
    app: Flask, client: FlaskClient, token: str, meta: dict[str, str]
) -> None:
    reply = submit_all(client, token, **meta)
    assert reply.status_code == 400
    assert _count(app) == 0


def test_body_over_limit_is_413(app: Flask, client: FlaskClient, token: str) -> None:
    reply = submit_all(client, token, dict(FULL_ANSWERS, comment="x" * 70_000))
    assert reply.status_code == 413
    assert "quá dài" in reply.text
    assert _count(app) == 0


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_wrong_methods_are_405(client: FlaskClient, token: str, method: str) -> None:
    reply = getattr(client, method)(f"/s/{token}")
    assert reply.status_code == 405
    assert "Traceback" not in reply.text


def test_csrf_enforced_when_enabled(tmp_path: Any, sqlite_url: str) -> None:
    app = make_app(sqlite_url, tmp_path, WTF_CSRF_ENABLED=True)
    link = demo_link(app)
    client = app.test_client()
    fields = start_form(client, link.token)
    assert fields.get("csrf_token")
    without = dict(FULL_ANSWERS, **{k: v for k, v in fields.items() if k != "csrf_token"})
    without.update(page=last_page(app), action="submit")
    refused = client.post(f"/s/{link.token}", data=without)
    assert refused.status_code == 400
    assert "Phiên làm việc đã hết hạn" in refused.text
    wrong = dict(without, csrf_token="forged")
    assert client.post(f"/s/{link.token}", data=wrong).status_code == 400
    assert _count(app) == 0
    accepted = submit_all(client, link.token, fields=fields)
    assert accepted.status_code == 303
    assert _count(app) == 1
    app.extensions["db_engine"].dispose()


def test_unexpected_error_shows_calm_page(app: Flask) -> None:
    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("internal detail")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    reply = app.test_client().get("/boom")
    assert reply.status_code == 500
    assert "internal detail" not in reply.text
    assert "Đã có lỗi xảy ra" in reply.text
