"""A PAR Index round created on the web, with a draft assessment per unit of its survey."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from survey_app.db import session_scope
from survey_app.demo.setup import DEMO_ROUND
from survey_app.par.rounds import par_round_by_code
from survey_app.staff.models import AuditEvent
from tests.factories.demo import demo_link
from tests.factories.staff import logged_in_client

NEW = "/staff/admin/par-rounds/new"
FORM = {
    "code": "PAR-2022-HUONG-SON",
    "title": "Chỉ số CCHC cấp xã năm 2022",
    "year": "2022",
    "criteria": "ha-tinh-commune@2021.1",
    "survey_round": DEMO_ROUND,
    "deadline_on": "2022-11-05",
    "deadline_time": "17:00",
    "no_survey_rule": "rescale",
    "bands": "tot-kha",
}


def test_district_officer_creates_a_par_round(app: Flask) -> None:
    demo_link(app)
    officer = logged_in_client(app, "district_officer")
    assert "Tạo đợt đánh giá Chỉ số CCHC" in officer.get(NEW).text
    reply = officer.post(NEW, data=FORM)
    assert reply.status_code == 302, reply.text
    with app.app_context(), session_scope() as session:
        par_round = par_round_by_code(session, "PAR-2022-HUONG-SON")
        assert par_round is not None
        assert len(par_round.assessments) == 25  # the survey round's units
        # 17:00 in Vietnam is 10:00 UTC.
        assert par_round.self_assessment_deadline == dt.datetime(2022, 11, 5, 10, tzinfo=dt.UTC)
        assert session.query(AuditEvent).filter_by(action="par_round_created").count() == 1


def test_bad_values_are_refused_with_vietnamese_messages(app: Flask) -> None:
    demo_link(app)
    officer = logged_in_client(app, "district_officer")
    reply = officer.post(NEW, data={**FORM, "year": "99999999999", "criteria": "nope@1"})
    assert reply.status_code == 422
    assert "Năm trong khoảng 2000–2100." in reply.text
    assert "Chọn một giá trị trong danh sách." in reply.text
    officer.post(NEW, data=FORM)
    again = officer.post(NEW, data=FORM)
    assert again.status_code == 422
    assert "Đã có đợt Chỉ số CCHC với mã này." in again.text
