"""Retries of a stored submission: the final submit relies on the INSERT's unique submission id
(no look-up first), so each way a citizen can come back is checked to still end at the receipt
and never at a second row."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask

from survey_app.db import session_scope
from survey_app.rounds.services import round_by_code
from tests.factories.demo import demo_link, start_form, submit_all
from tests.factories.quotas import post_final


def _stored(app: Flask) -> int:
    with app.app_context(), session_scope() as session:
        return int(session.scalar(sa.text("SELECT count(*) FROM response")) or 0)


def test_back_button_after_submitting_opens_a_fresh_questionnaire(any_app: Flask) -> None:
    link = demo_link(any_app)
    client = any_app.test_client()
    fields = start_form(client, link.token)
    first = submit_all(client, link.token, fields=fields)
    assert first.status_code == 303
    # The browser's back button shows page 1 again; its "Next" re-posts the same hidden fields.
    # On a shared tablet that may be the next citizen: neither the answers nor the receipt.
    again = client.post(f"/s/{link.token}", data=dict(fields, field="ho_tich", action="next"))
    assert again.status_code == 303
    assert again.headers["Location"] != first.headers["Location"]
    fresh = client.get(again.headers["Location"])
    assert fresh.status_code == 200
    assert "đã được gửi trước đó" in fresh.text
    assert fields["submission_id"] not in fresh.text
    assert "checked" not in fresh.text
    assert _stored(any_app) == 1


def test_retry_after_the_round_closed_still_gets_its_receipt(any_app: Flask) -> None:
    link = demo_link(any_app)
    client = any_app.test_client()
    fields = start_form(client, link.token)
    first = submit_all(client, link.token, fields=fields)
    with any_app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, link.round_code)
        assert survey_round is not None
        survey_round.closes_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        survey_round.opens_at = survey_round.closes_at - dt.timedelta(days=1)
    retry = submit_all(client, link.token, fields=fields)
    assert retry.status_code == 303
    assert retry.headers["Location"] == first.headers["Location"]
    # A questionnaire loaded before the close but never sent is refused: nothing stored.
    late = post_final(client, link.token)
    assert late.status_code == 403
    assert _stored(any_app) == 1


def test_submission_id_replayed_on_another_commune_link_is_refused(any_app: Flask) -> None:
    link = demo_link(any_app)
    other = demo_link(any_app, "439-son-ham")
    client = any_app.test_client()
    fields = start_form(client, link.token)
    assert submit_all(client, link.token, fields=fields).status_code == 303
    replay = submit_all(client, other.token, submission_id=fields["submission_id"])
    assert replay.status_code == 400
    assert _stored(any_app) == 1
