"""Survey rounds run from the web: create, edit, close early, extend, archive, links."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.db import session_scope
from survey_app.demo.setup import DEMO_FORM, DEMO_ROUND
from survey_app.rounds.models import SurveyLink, SurveyRound
from survey_app.rounds.services import round_by_code
from survey_app.staff.models import AuditEvent
from survey_app.units.models import AdminUnit
from tests.factories.demo import demo_link, submit_all
from tests.factories.staff import logged_in_client

ADMIN = "/staff/admin/rounds"
DEMO_QUESTIONNAIRE = "@".join(DEMO_FORM)


def _round(app: Flask, code: str = DEMO_ROUND) -> SurveyRound:
    with app.app_context(), session_scope() as session:
        found = round_by_code(session, code)
        assert found is not None
        _ = [ru.unit for ru in found.units]  # loaded before the session closes
        session.expunge_all()
        return found


def _actions(app: Flask) -> list[str]:
    with app.app_context(), session_scope() as session:
        return list(session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


def _unit_ids(app: Flask, *codes: str) -> list[int]:
    with app.app_context(), session_scope() as session:
        rows = session.scalars(sa.select(AdminUnit.id).where(AdminUnit.code.in_(codes)))
        return sorted(rows)


def _round_form(app: Flask, **overrides: object) -> dict[str, object]:
    form: dict[str, object] = {
        "code": "SIPAS-2022-HUONG-SON",
        "title": "Khảo sát sự hài lòng năm 2022",
        "questionnaire": "sipas-commune@2021.1",
        "opens_on": "2022-10-01",
        "opens_time": "07:00",
        "closes_on": "2022-11-10",
        "closes_time": "17:00",
        "period_start": "2021-10-01",
        "period_end": "2022-09-30",
        "quota_policy": "close",
        "units": _unit_ids(app, "439-son-giang", "439-pho-chau"),
    }
    form.update(overrides)
    return form


def test_district_officer_creates_a_round_with_links(app: Flask) -> None:
    demo_link(app)  # units and counts
    officer = logged_in_client(app, "district_officer")
    reply = officer.post(f"{ADMIN}/new", data=_round_form(app))
    assert reply.status_code == 302, reply.text
    created = _round(app, "SIPAS-2022-HUONG-SON")
    assert created.quota_policy == "close"
    # Typed as local time (UTC+7): 07:00 on 1 Oct is 00:00 UTC.
    assert created.opens_at == dt.datetime(2022, 10, 1, 0, 0, tzinfo=dt.UTC)
    with app.app_context(), session_scope() as session:
        live = session.scalars(
            sa.select(SurveyLink).where(
                SurveyLink.round_id == created.id, SurveyLink.revoked_at.is_(None)
            )
        ).all()
    assert len(live) == 2
    assert "round_created" in _actions(app)
    links = officer.get(f"{ADMIN}/SIPAS-2022-HUONG-SON/links")
    assert links.status_code == 200
    assert "https://khaosat.example.vn/s/" in links.text


def test_bad_round_form_says_what_to_fix_and_stores_nothing(app: Flask) -> None:
    demo_link(app)
    officer = logged_in_client(app, "district_officer")
    reply = officer.post(
        f"{ADMIN}/new",
        data=_round_form(app, code="bad code!", closes_on="2022-09-01", opens_on="9999-12-31"),
    )
    assert reply.status_code == 422
    assert "Mã gồm chữ không dấu" in reply.text
    assert "Năm phải trong khoảng 2000–2100" in reply.text
    reply = officer.post(f"{ADMIN}/new", data=_round_form(app, closes_on="2022-09-01"))
    assert reply.status_code == 422
    assert "Thời điểm kết thúc phải sau thời điểm bắt đầu" in reply.text
    with app.app_context(), session_scope() as session:
        assert round_by_code(session, "SIPAS-2022-HUONG-SON") is None


def test_close_early_shows_citizens_the_closed_page_and_extend_reopens(app: Flask) -> None:
    link = demo_link(app)
    officer = logged_in_client(app, "district_officer")
    assert "Đóng sớm đợt" in officer.get(f"{ADMIN}/{DEMO_ROUND}/close").text
    assert officer.post(f"{ADMIN}/{DEMO_ROUND}/close").status_code == 302
    citizen = app.test_client()
    assert "Đợt khảo sát đã kết thúc" in citizen.get(f"/s/{link.token}").text
    assert _round(app).status_at(dt.datetime.now(dt.UTC)) == "closed"
    # Closing a closed round again is refused with a message, not an error page.
    again = officer.post(f"{ADMIN}/{DEMO_ROUND}/close", follow_redirects=True)
    assert "Chỉ đóng sớm được đợt đang mở" in again.text
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=30)
    reply = officer.post(
        f"{ADMIN}/{DEMO_ROUND}/extend",
        data={"closes_on": later.date().isoformat(), "closes_time": "17:00"},
    )
    assert reply.status_code == 302
    assert citizen.get(f"/s/{link.token}").status_code == 200
    assert {"round_closed", "round_extended"} <= set(_actions(app))


def test_archive_only_a_closed_round(app: Flask) -> None:
    demo_link(app)
    officer = logged_in_client(app, "district_officer")
    refused = officer.post(f"{ADMIN}/{DEMO_ROUND}/archive", follow_redirects=True)
    assert "Chỉ lưu trữ được đợt đã kết thúc" in refused.text
    officer.post(f"{ADMIN}/{DEMO_ROUND}/close")
    assert officer.post(f"{ADMIN}/{DEMO_ROUND}/archive").status_code == 302
    assert _round(app).archived_at is not None
    assert f"<td>{DEMO_ROUND}" not in officer.get("/staff/").text  # off the working list
    assert officer.post(f"{ADMIN}/{DEMO_ROUND}/unarchive").status_code == 302
    assert _round(app).archived_at is None


def test_responses_protect_the_questionnaire_and_answering_units(app: Flask) -> None:
    link = demo_link(app, "439-son-giang")
    assert submit_all(app.test_client(), link.token).status_code == 303
    officer = logged_in_client(app, "district_officer")
    page = officer.get(f"{ADMIN}/{DEMO_ROUND}/edit")
    assert page.status_code == 200
    form = _round_form(
        app, code=DEMO_ROUND, questionnaire=DEMO_QUESTIONNAIRE, units=_unit_ids(app, "439-pho-chau")
    )
    form.update(period_start="2021-01-01", period_end="2021-09-30")
    reply = officer.post(f"{ADMIN}/{DEMO_ROUND}/edit", data=form)
    assert reply.status_code == 422
    assert "Không thể bỏ đơn vị đã có phiếu trả lời: Xã Sơn Giang" in reply.text
    assert len(_round(app).units) > 2  # nothing half-saved


def test_edit_title_and_units_before_any_response(app: Flask) -> None:
    demo_link(app)
    officer = logged_in_client(app, "district_officer")
    form = _round_form(
        app, code=DEMO_ROUND, title="Đợt mới tên mới", questionnaire=DEMO_QUESTIONNAIRE
    )
    form.update(period_start="2021-01-01", period_end="2021-09-30")
    assert officer.post(f"{ADMIN}/{DEMO_ROUND}/edit", data=form).status_code == 302
    edited = _round(app)
    assert edited.title == "Đợt mới tên mới"
    assert len(edited.units) == 2
    assert "round_updated" in _actions(app)


def test_rotate_and_revoke_a_units_link(app: Flask) -> None:
    link = demo_link(app, "439-son-giang")
    officer = logged_in_client(app, "district_officer")
    citizen = app.test_client()
    confirm = officer.get(f"{ADMIN}/{DEMO_ROUND}/links/439-son-giang/rotate")
    assert "Mã QR đã in của đơn vị này sẽ không còn dùng được" in confirm.text
    assert officer.post(f"{ADMIN}/{DEMO_ROUND}/links/439-son-giang/rotate").status_code == 302
    assert citizen.get(f"/s/{link.token}").status_code == 404
    fresh = demo_link(app, "439-son-giang")
    assert fresh.token != link.token
    assert citizen.get(f"/s/{fresh.token}").status_code == 200
    assert officer.post(f"{ADMIN}/{DEMO_ROUND}/links/439-son-giang/revoke").status_code == 302
    assert citizen.get(f"/s/{fresh.token}").status_code == 404
    page = officer.get(f"{ADMIN}/{DEMO_ROUND}/links")
    assert "Không có đường dẫn còn hiệu lực" in page.text
    assert {"link_rotated", "link_revoked"} <= set(_actions(app))
    assert officer.post(f"{ADMIN}/{DEMO_ROUND}/links/nowhere/revoke").status_code == 404


def test_loopback_public_address_is_a_loud_warning(app: Flask) -> None:
    demo_link(app)
    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:8000"
    officer = logged_in_client(app, "district_officer")
    for url in (f"{ADMIN}/", f"{ADMIN}/{DEMO_ROUND}/links", f"/staff/rounds/{DEMO_ROUND}/posters/"):
        assert "chỉ mở được trên chính máy chủ" in officer.get(url).text, url
    app.config["PUBLIC_BASE_URL"] = "https://khaosat.example.vn"
    assert "chỉ mở được trên chính máy chủ" not in officer.get(f"{ADMIN}/").text


def test_export_qr_warns_on_stderr_about_a_loopback_address(app: Flask, tmp_path: object) -> None:
    demo_link(app)
    app.config["PUBLIC_BASE_URL"] = "http://localhost:8000"
    result = app.test_cli_runner().invoke(
        args=["export-qr", "--round", DEMO_ROUND, "--out", str(tmp_path)]
    )
    assert result.exit_code == 0
    assert "CẢNH BÁO / WARNING" in result.output


def test_analyst_cannot_change_rounds(app: Flask) -> None:
    demo_link(app)
    analyst: FlaskClient = logged_in_client(app, "analyst")
    assert analyst.post(f"{ADMIN}/{DEMO_ROUND}/close").status_code == 403
    assert _round(app).status_at(dt.datetime.now(dt.UTC)) == "open"
