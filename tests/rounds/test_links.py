"""Signed per-commune links: tampered, revoked, unknown and rotated tokens."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.db import session_scope
from survey_app.rounds import links
from survey_app.rounds.services import round_by_code
from survey_app.units.models import AdminUnit
from tests.factories.demo import demo_link, start_form, submit_all

INVALID = "Đường dẫn không hợp lệ"


def test_valid_link_shows_its_own_commune(app: Flask, client: FlaskClient) -> None:
    link = demo_link(app, "439-son-giang")
    page = client.get(f"/s/{link.token}")
    assert page.status_code == 200
    # Named by its own kind, as its People's Committee: "UBND xã Sơn Giang".
    assert "UBND xã Sơn Giang" in page.text


def test_tampered_tokens_are_404_with_friendly_page(app: Flask, client: FlaskClient) -> None:
    link = demo_link(app)
    link_id, signature = link.token.split(".")
    other = demo_link(app, "439-son-ham")
    other_id, _ = other.token.split(".")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for token in (
        f"{link_id}.{flipped}",  # forged signature
        f"{other_id}.{signature}",  # another commune's id with this signature
        f"{link_id[:-1]}{'x' if link_id[-1] != 'x' else 'y'}.{signature}",
        "garbage",
        link.token + "x",
    ):
        reply = client.get(f"/s/{token}")
        assert reply.status_code == 404, token
        assert INVALID in reply.text
        assert "Xã Sơn" not in reply.text
        assert client.post(f"/s/{token}", data={}).status_code == 404


def test_unknown_but_well_signed_id_is_404(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        fake = links.SurveyLink(id="AAAAAAAAAAAA")
        token = links.token_for(fake)
    assert client.get(f"/s/{token}").status_code == 404


def test_revoked_and_rotated_links(app: Flask, client: FlaskClient) -> None:
    old = demo_link(app)
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, old.round_code)
        assert survey_round is not None
        unit = session.query(AdminUnit).filter_by(code=old.unit_code).one()
        new_token = links.token_for(links.rotate_link(session, survey_round, unit))
    assert client.get(f"/s/{old.token}").status_code == 404
    assert client.post(f"/s/{old.token}", data={}).status_code == 404
    assert client.get(f"/s/{new_token}").status_code == 200
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, old.round_code)
        assert survey_round is not None
        unit = session.query(AdminUnit).filter_by(code=old.unit_code).one()
        assert links.revoke_links(session, survey_round, unit) == 1
    assert client.get(f"/s/{new_token}").status_code == 404


def test_round_outside_its_period_says_so(app: Flask, client: FlaskClient) -> None:
    link = demo_link(app, now=dt.datetime.now(dt.UTC) - dt.timedelta(days=200))
    page = client.get(f"/s/{link.token}")
    assert page.status_code == 200
    assert "Đợt khảo sát đã kết thúc" in page.text
    assert "<form" not in page.text


def test_round_not_yet_open_says_so(app: Flask, client: FlaskClient) -> None:
    link = demo_link(app, now=dt.datetime.now(dt.UTC) + dt.timedelta(days=3))
    page = client.get(f"/s/{link.token}")
    assert page.status_code == 200
    assert "chưa bắt đầu" in page.text


def test_submission_after_the_round_closed_is_refused(app: Flask, client: FlaskClient) -> None:
    link = demo_link(app)
    fields = start_form(client, link.token)
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, link.round_code)
        assert survey_round is not None
        survey_round.closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        survey_round.opens_at = survey_round.closes_at - dt.timedelta(days=1)
    reply = submit_all(client, link.token, fields=fields)
    assert reply.status_code == 403
    assert "Đợt khảo sát đã kết thúc" in reply.text
    with app.app_context(), session_scope() as session:
        assert session.scalar(sa.text("SELECT count(*) FROM response")) == 0
