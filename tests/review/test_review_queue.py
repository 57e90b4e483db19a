"""The review queue decides what counts: held and excluded responses never reach weights,
results, exports or the index; decisions are audited and frozen by a published PAR Index."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.db import session_scope
from survey_app.demo.setup import DEMO_ROUND
from survey_app.par.models import ParRound
from survey_app.responses.frames import response_filters
from survey_app.responses.models import Response
from survey_app.rounds.services import round_by_code
from survey_app.sql_types import utcnow
from survey_app.staff.models import AuditEvent
from tests.factories.demo import FULL_ANSWERS, demo_link, submit_all
from tests.factories.staff import logged_in_client

REVIEW = f"/staff/rounds/{DEMO_ROUND}/review/"
#: Every scored item answered "5": straight-lining.
STRAIGHT = {**FULL_ANSWERS, **{k: "5" for k in FULL_ANSWERS if "_" in k and k[-1].isdigit()}}


def _counted(app: Flask) -> list[int]:
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        query = sa.select(Response.id).where(*response_filters(survey_round)).order_by(Response.id)
        return list(session.scalars(query))


def _two_responses(app: Flask) -> tuple[int, int]:
    link = demo_link(app)
    citizen = app.test_client()
    assert submit_all(citizen, link.token).status_code == 303
    assert submit_all(citizen, link.token, STRAIGHT).status_code == 303
    with app.app_context(), session_scope() as session:
        normal, straight = session.scalars(sa.select(Response).order_by(Response.id)).all()
        assert not normal.straightlined
        assert straight.straightlined
        return normal.id, straight.id


def _policy(client: FlaskClient, hold: bool) -> None:
    # Only straight-lining: test submissions are instant, so every one would be a speeder.
    data: dict[str, object] = {"flags": ["straightline"], "min_seconds": "60"}
    if hold:
        data["hold"] = "y"
    assert client.post(f"{REVIEW}policy", data=data).status_code == 302


def test_flags_only_mark_by_default(app: Flask) -> None:
    normal, straight = _two_responses(app)
    assert _counted(app) == [normal, straight]


def test_a_holding_policy_keeps_flagged_responses_out_until_accepted(app: Flask) -> None:
    normal, straight = _two_responses(app)
    officer = logged_in_client(app, "district_officer")
    _policy(officer, hold=True)
    assert _counted(app) == [normal]
    page = officer.get(REVIEW)
    assert "Chọn cùng một mức cho mọi câu chấm điểm" in page.text
    assert "<strong>1</strong> phiếu đang chờ xem xét" in page.text
    refused = officer.post(f"{REVIEW}{straight}", data={"decision": "accept", "reason": " "})
    assert refused.status_code == 302
    assert _counted(app) == [normal]  # no reason, no decision
    officer.post(f"{REVIEW}{straight}", data={"decision": "accept", "reason": "Gọi lại xác minh"})
    assert _counted(app) == [normal, straight]
    officer.post(f"{REVIEW}{straight}", data={"decision": "undo"})
    assert _counted(app) == [normal]


def test_an_excluded_response_never_counts_whatever_the_policy(app: Flask) -> None:
    normal, straight = _two_responses(app)
    analyst = logged_in_client(app, "analyst")
    reply = analyst.post(f"{REVIEW}{normal}", data={"decision": "exclude", "reason": "Phiếu thử"})
    assert reply.status_code == 302
    assert _counted(app) == [straight]
    with app.app_context(), session_scope() as session:
        actions = session.scalars(sa.select(AuditEvent.action)).all()
        assert "review_exclude" in actions
    # An analyst decides, but does not set the policy.
    assert analyst.post(f"{REVIEW}policy", data={"min_seconds": "60"}).status_code == 403


def test_bad_policy_values_are_refused(app: Flask) -> None:
    _two_responses(app)
    officer = logged_in_client(app, "district_officer")
    for seconds in ("5", "99999999999999", "²", ""):
        page = officer.post(
            f"{REVIEW}policy", data={"min_seconds": seconds, "hold": "y"}, follow_redirects=True
        )
        assert "Thời gian tối thiểu" in page.text, seconds
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        assert survey_round.quality_hold is False


def test_a_published_index_freezes_the_decisions(app: Flask) -> None:
    normal, _ = _two_responses(app)
    officer = logged_in_client(app, "district_officer")
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        session.add(
            ParRound(
                code="PAR-FROZEN",
                title="Đã công bố",
                year=2021,
                criteria_set_id="ha-tinh-commune",
                criteria_version="2021.1",
                self_assessment_deadline=utcnow(),
                survey_round_id=survey_round.id,
                no_survey_rule="rescale",
                bands=[],
                published_at=utcnow(),
            )
        )
    page = officer.post(
        f"{REVIEW}{normal}", data={"decision": "exclude", "reason": "muộn"}, follow_redirects=True
    )
    assert "kết quả đã chốt" in page.text
    assert normal in _counted(app)
