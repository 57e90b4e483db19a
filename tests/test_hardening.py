"""Headers on every route, a request id on every failure (logged with its traceback), no NUL."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask

from tests.factories.demo import demo_link
from tests.factories.staff import logged_in_client

CITIZEN_AND_STAFF_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _check_headers(headers: dict[str, str], where: str) -> None:
    for name, value in CITIZEN_AND_STAFF_HEADERS.items():
        assert headers.get(name) == value, (where, name, headers.get(name))
    policy = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy, where
    assert "script-src 'self'" in policy, where
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0], where
    assert re.fullmatch(r"[0-9a-f]{16}", headers["X-Request-ID"]), where
    assert "Strict-Transport-Security" not in headers, where  # plain HTTP: no HSTS


def _concrete(rule: str, token: str) -> str:
    values = {
        "token": token,
        "submission_id": "2f1c7e8a-1b2c-4d3e-8f90-0123456789ab",
        "round_code": "HS-2021",
        "unit_code": "439-son-giang",
    }
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: values.get(m.group(1), "x"), rule)


def test_security_headers_on_every_route(app: Flask) -> None:
    token = demo_link(app).token
    staff = logged_in_client(app, "admin")
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]
    assert len(rules) > 30
    for rule in rules:
        url = _concrete(rule.rule, token)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            client = staff if rule.rule.startswith("/staff") else app.test_client()
            if rule.endpoint == "auth.logout":
                continue  # would end the admin's session for the routes after it
            reply = client.open(url, method=method)
            assert reply.status_code < 500, (method, url)
            _check_headers(dict(reply.headers), f"{method} {url}")


def test_hsts_on_https(app: Flask) -> None:
    reply = app.test_client().get("/healthz", base_url="https://khaosat.example.vn")
    assert reply.headers["Strict-Transport-Security"].startswith("max-age=")


def test_unexpected_error_is_logged_with_the_id_shown_on_the_page(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/s/<token>/boom")
    def boom(token: str) -> str:
        raise RuntimeError("internal detail")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.ERROR):
        reply = app.test_client().get("/s/SECRET-TOKEN/boom")
    assert reply.status_code == 500
    request_id = reply.headers["X-Request-ID"]
    assert request_id in reply.text
    assert "internal detail" not in reply.text
    (record,) = [r for r in caplog.records if request_id in r.getMessage()]
    assert record.exc_info is not None
    assert "RuntimeError: internal detail" in caplog.text  # the traceback
    # The route pattern is logged, never the path with its token.
    assert "/s/<token>/boom" in record.getMessage()
    assert "SECRET-TOKEN" not in caplog.text


def test_a_proxy_request_id_is_kept_only_when_well_formed(app: Flask) -> None:
    client = app.test_client()
    kept = client.get("/healthz", headers={"X-Request-ID": "0123456789abcdef0123"})
    assert kept.headers["X-Request-ID"] == "0123456789abcdef0123"
    replaced = client.get("/healthz", headers={"X-Request-ID": "bad id; forged=1 <script>"})
    assert re.fullmatch(r"[0-9a-f]{16}", replaced.headers["X-Request-ID"])


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("post", "/staff/login", {"username": "admin\x00", "password": "x" * 12}),
        ("get", "/staff/login?next=%00", None),
        ("get", "/s/abc%00", None),
    ],
)
def test_nul_is_refused_with_400(any_app: Flask, method: str, path: str, data: object) -> None:
    reply = getattr(any_app.test_client(), method)(path, data=data)
    assert reply.status_code == 400


def test_receipt_survives_link_rotation(app: Flask) -> None:
    from survey_app.db import session_scope
    from survey_app.rounds.links import rotate_link
    from survey_app.rounds.models import SurveyLink
    from tests.factories.demo import submit_all

    link = demo_link(app)
    client = app.test_client()
    receipt_url = submit_all(client, link.token).headers["Location"]
    with app.app_context(), session_scope() as session:
        old = session.get(SurveyLink, link.token.partition(".")[0])
        assert old is not None
        rotate_link(session, old.round, old.unit)
    assert client.get(receipt_url).status_code == 200
    # The form itself is gone with the old poster.
    assert client.get(f"/s/{link.token}").status_code == 404


def test_cookieless_browser_is_told_why(tmp_path: object, sqlite_url: str) -> None:
    from pathlib import Path

    from tests.conftest import make_app
    from tests.factories.demo import FULL_ANSWERS, last_page, start_form

    app = make_app(sqlite_url, Path(str(tmp_path)), WTF_CSRF_ENABLED=True)
    link = demo_link(app)
    phone = app.test_client(use_cookies=False)
    fields = start_form(phone, link.token)
    data = {**FULL_ANSWERS, **fields, "page": last_page(app), "action": "submit"}
    reply = phone.post(f"/s/{link.token}", data=data)
    assert reply.status_code == 400
    assert "chặn cookie" in reply.text
    app.extensions["db_engine"].dispose()
