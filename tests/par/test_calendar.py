"""The calendar of a PAR round: dates set on the web, due and overdue steps per commune, the
overdue marker on the overview, and the optional e-mail reminder (a fake SMTP server)."""

from __future__ import annotations

import datetime as dt
import smtplib
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.db import session_scope
from survey_app.par.models import ParRound
from survey_app.sql_types import utcnow
from survey_app.staff.models import AuditEvent
from tests.conftest import make_app
from tests.factories import par as pf
from tests.factories.staff import logged_in_client

UNIT, OTHER = pf.UNITS
CALENDAR = f"/staff/par/{pf.ROUND}/calendar"
PLAN = {
    "council_due": "30/10/2021",
    "self_assessment_deadline": "2021-11-05",
    "appraisal_due": "15/11/2021",
    "approval_due": "20/11/2021",
    "publication_due": "20/11/2021",
}


def _dates(app: Flask) -> dict[str, str | None]:
    """The stored dates as local 'dd/mm/yyyy HH:MM'."""
    with app.app_context(), session_scope() as session:
        par_round = session.scalars(sa.select(ParRound).where(ParRound.code == pf.ROUND)).one()
        zone = dt.timezone(dt.timedelta(hours=7))
        return {
            key: None
            if getattr(par_round, key) is None
            else f"{getattr(par_round, key).astimezone(zone):%d/%m/%Y %H:%M}"
            for key in PLAN
        }


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context(), session_scope() as session:
        return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def test_the_district_sets_the_plans_dates_on_the_web(app: Flask) -> None:
    pf.make_par_round(app)
    officer = logged_in_client(app, "district_officer")
    reply = officer.post(CALENDAR, data=PLAN)
    assert reply.status_code == 302, reply.text
    assert _dates(app) == {
        "council_due": "30/10/2021 23:59",
        "self_assessment_deadline": "05/11/2021 23:59",
        "appraisal_due": "15/11/2021 23:59",
        "approval_due": "20/11/2021 23:59",
        "publication_due": "20/11/2021 23:59",
    }
    (event,) = _events(app, "par_calendar")
    assert set(event.detail) == set(PLAN)
    page = officer.get(CALENDAR).text
    assert "05/11/2021" in page
    assert "Thành lập Hội đồng thẩm định" in page
    # Every date is past (2021): the communes still drafting are overdue.
    assert "Quá hạn" in page
    assert "2 đơn vị có việc quá hạn" in page
    overview = officer.get(f"/staff/par/{pf.ROUND}/").text
    assert "Quá hạn: cấp xã tự đánh giá, nộp báo cáo" in overview
    # Readers see the calendar; only officers and admins change it.
    chairman = logged_in_client(app, "chairman")
    assert chairman.get(CALENDAR).status_code == 200
    assert chairman.post(CALENDAR, data=PLAN).status_code == 403


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"appraisal_due": "31/02/2021"}, "appraisal_due", "ngày/tháng/năm"),
        ({"self_assessment_deadline": ""}, "self_assessment_deadline", "bắt buộc"),
        ({"approval_due": "10/11/2021"}, "approval_due", "không được trước"),
    ],
)
def test_bad_dates_change_nothing(
    app: Flask, changes: dict[str, str], field: str, message: str
) -> None:
    pf.make_par_round(app)
    before = _dates(app)
    officer = logged_in_client(app, "district_officer")
    reply = officer.post(CALENDAR, data={**PLAN, **changes})
    assert reply.status_code == 422
    assert message in reply.text
    assert _dates(app) == before
    assert _events(app, "par_calendar") == []


def test_a_commune_that_submitted_is_not_overdue(app: Flask) -> None:
    pf.make_par_round(app)
    pf.self_assess(app, UNIT)
    pf.submit(app, UNIT)
    with app.app_context(), session_scope() as session:
        par_round = session.scalars(sa.select(ParRound).where(ParRound.code == pf.ROUND)).one()
        par_round.self_assessment_deadline = utcnow() - dt.timedelta(hours=1)
    page = logged_in_client(app, "district_officer").get(f"/staff/par/{pf.ROUND}/").text
    rows = {row.split("</td>")[1]: row for row in page.split("<tr>")[2:]}
    assert "Quá hạn" not in next(r for name, r in rows.items() if "Sơn Giang" in name)
    assert "Quá hạn" in next(r for name, r in rows.items() if "Sơn Hàm" in name)
    commune = logged_in_client(app, "commune_officer", OTHER)
    assert "quá hạn" in commune.get(f"/staff/par/{pf.ROUND}/{OTHER}/").text


class FakeSMTP:
    """Records what smtplib.SMTP would have sent; never touches the network."""

    sent: list[tuple[EmailMessage, list[str]]] = []  # noqa: RUF012 (shared on purpose)
    calls: list[str] = []  # noqa: RUF012

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.calls.append(f"connect {host}:{port}")

    def __enter__(self) -> FakeSMTP:
        return self

    def __exit__(self, *_: Any) -> None:
        self.calls.append("quit")

    def starttls(self) -> None:
        self.calls.append("starttls")

    def login(self, user: str, password: str) -> None:
        self.calls.append(f"login {user}")

    def send_message(self, message: EmailMessage, to_addrs: list[str]) -> None:
        self.sent.append((message, to_addrs))


MAIL = {
    "MAIL_SERVER": "smtp.example.vn",
    "MAIL_PORT": 2525,
    "MAIL_USERNAME": "noivu",
    "MAIL_PASSWORD": "x",
    "PAR_REMINDER_RECIPIENTS": ["noivu@huongson.example.vn"],
}


@pytest.fixture
def fake_smtp(monkeypatch: pytest.MonkeyPatch) -> type[FakeSMTP]:
    FakeSMTP.sent, FakeSMTP.calls = [], []
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    return FakeSMTP


def test_the_reminder_is_off_by_default(app: Flask, fake_smtp: type[FakeSMTP]) -> None:
    pf.make_par_round(app, deadline=utcnow() - dt.timedelta(days=1))
    officer = logged_in_client(app, "district_officer")
    assert "Đang tắt" in officer.get(CALENDAR).text
    reply = officer.post(CALENDAR + "/remind")
    assert reply.status_code == 409
    assert "Chưa cấu hình gửi thư" in reply.text
    assert fake_smtp.sent == []


def test_the_reminder_lists_overdue_communes(
    sqlite_url: str, tmp_path: Any, fake_smtp: type[FakeSMTP]
) -> None:
    app = make_app(sqlite_url, tmp_path, **MAIL)
    try:
        pf.make_par_round(app, deadline=utcnow() - dt.timedelta(days=1))
        officer = logged_in_client(app, "district_officer")
        reply = officer.post(CALENDAR + "/remind")
        assert reply.status_code == 302
        ((message, to),) = fake_smtp.sent
        assert to == ["noivu@huongson.example.vn"]
        assert fake_smtp.calls[:3] == ["connect smtp.example.vn:2525", "starttls", "login noivu"]
        body = message.get_content()
        assert "Xã Sơn Giang: Cấp xã tự đánh giá, nộp báo cáo: QUÁ HẠN" in body
        assert "Xã Sơn Hàm: Cấp xã tự đánh giá, nộp báo cáo: QUÁ HẠN" in body
        assert "2 việc" in message["Subject"]
        (event,) = _events(app, "par_reminder_sent")
        assert event.detail["lines"] == 2
        assert logged_in_client(app, "analyst").post(CALENDAR + "/remind").status_code == 403

        result = app.test_cli_runner().invoke(
            args=["send-par-reminders", "--round", pf.ROUND, "--dry-run"]
        )
        assert result.exit_code == 0, result.output
        assert "QUÁ HẠN" in result.output
        assert len(fake_smtp.sent) == 1  # a dry run sends nothing
        result = app.test_cli_runner().invoke(args=["send-par-reminders", "--round", pf.ROUND])
        assert result.exit_code == 0, result.output
        assert len(fake_smtp.sent) == 2
    finally:
        app.extensions["db_engine"].dispose()
