"""The appraisal council: its decision (with the PDF), members, assignments, who appraises and
who closes, and the printable appraisal minute."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.db import session_scope
from survey_app.par import council as par_council
from survey_app.par.council_models import ParCouncil, ParCouncilMember
from survey_app.par.rounds import criteria_catalog
from survey_app.staff.models import AuditEvent, User
from tests.conftest import make_app
from tests.factories import par as pf
from tests.factories.staff import PASSWORD, logged_in_client, login, make_user

UNIT, OTHER = pf.UNITS
COUNCIL = f"/staff/par/{pf.ROUND}/council/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _decision(
    pdf: bytes | None = PDF, name: str = "QD 125.pdf", **fields: str
) -> dict[str, object]:
    data: dict[str, object] = {
        "number": "125/QĐ-UBND",
        "date": "28/10/2021",
        "signer": "Nguyễn Văn A, Chủ tịch UBND huyện",
        **fields,
    }
    if pdf is not None:
        data["pdf"] = (io.BytesIO(pdf), name)
    return data


def _council(app: Flask) -> tuple[str, str, str, int, list[tuple[str, str]]] | None:
    """(number, signer, pdf name, pdf size, [(username, council role)]) or None."""
    with app.app_context(), session_scope() as session:
        council = session.scalars(sa.select(ParCouncil)).first()
        if council is None:
            return None
        members = [(m.user.username, m.council_role) for m in council.members]
        return (
            council.decision_number,
            council.signer,
            council.decision_pdf_name,
            council.decision_pdf_size,
            members,
        )


def _member_id(app: Flask, username: str) -> int:
    with app.app_context(), session_scope() as session:
        return session.scalars(
            sa.select(ParCouncilMember.id).join(User).where(User.username == username)
        ).one()


def _user_id(app: Flask, username: str) -> int:
    with app.app_context(), session_scope() as session:
        return session.scalars(sa.select(User.id).where(User.username == username)).one()


def _actions(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context(), session_scope() as session:
        return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _version(app: Flask, unit: str) -> int:
    with app.app_context(), session_scope() as session:
        return pf.assessment_of(session, unit).version


def _appraise_field_one(client: FlaskClient, app: Flask, unit: str, field: str = "1") -> int:
    with app.app_context():
        items = [i for i in criteria_catalog().get(*pf.CRITERIA).items() if i.field_code == field]
    data = {"version": str(_version(app, unit))}
    for item in items:
        data[f"appraised_score-{item.code}"] = str(item.max_points)
        data[f"reason-{item.code}"] = ""
    url = f"/staff/par/{pf.ROUND}/{unit}/field/{field}/appraisal"
    return client.post(url, data=data).status_code


def test_district_officer_sets_up_the_council_on_the_web(any_app: Flask) -> None:
    app = any_app  # SQLite and PostgreSQL: the PDF is a BLOB / bytea
    pf.make_par_round(app, council=False)
    officer = logged_in_client(app, "district_officer")
    assert "chưa thành lập" in officer.get(f"/staff/par/{pf.ROUND}/").text
    reply = officer.post(COUNCIL + "decision", data=_decision(), content_type="multipart/form-data")
    assert reply.status_code == 302, reply.text
    make_user(app, "tp.noivu", "council_member")
    make_user(app, "cv.noivu", "council_member")
    for username, role in (("tp.noivu", "chair"), ("cv.noivu", "secretary")):
        data = {
            "user_id": _user_id(app, username),
            "council_role": role,
            "position": "Phòng Nội vụ",
        }
        assert officer.post(COUNCIL + "members", data=data).status_code == 302
    assert _council(app) == (
        "125/QĐ-UBND",
        "Nguyễn Văn A, Chủ tịch UBND huyện",
        "QD-125.pdf",
        len(PDF),
        [("tp.noivu", "chair"), ("cv.noivu", "secretary")],
    )
    page = officer.get(COUNCIL).text
    assert "125/QĐ-UBND" in page
    assert "28/10/2021" in page
    assert "Chủ tịch Hội đồng" in page
    download = officer.get(COUNCIL + "decision.pdf")
    assert download.data == PDF
    assert download.mimetype == "application/pdf"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert len(_actions(app, "par_council_pdf_download")) == 1
    assert len(_actions(app, "par_council_decision")) == 1
    assert len(_actions(app, "par_council_member_added")) == 2
    # Every district role sees the council; nobody but officers and admins changes it.
    council_member = logged_in_client(app, "council_member")
    assert council_member.get(COUNCIL).status_code == 200
    assert council_member.post(COUNCIL + "decision", data={}).status_code == 403


def test_a_bad_pdf_or_bad_fields_save_nothing(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    # A small limit keeps the test's upload in memory (the limit's value is not the point).
    monkeypatch.setattr(par_council, "PDF_MAX_BYTES", 1024)
    pf.make_par_round(app, council=False)
    officer = logged_in_client(app, "district_officer")
    cases = [
        (_decision(pdf=b"<html>not a pdf</html>"), "không phải là PDF"),
        (_decision(name="quyet-dinh.exe"), "Chỉ nhận tệp PDF"),
        (_decision(pdf=PDF + b"0" * 1024), "Tệp quá lớn"),
        (_decision(date="31/02/2021"), "ngày/tháng/năm"),
        (_decision(number="  "), "Không được để trống"),
    ]
    for data, message in cases:
        reply = officer.post(COUNCIL + "decision", data=data, content_type="multipart/form-data")
        assert reply.status_code == 422, message
        assert message in reply.text
    assert _council(app) is None
    assert _actions(app, "par_council_decision") == []


def test_members_must_be_council_accounts_and_roles_unique(app: Flask) -> None:
    pf.make_par_round(app)  # the helper account is already the secretary
    officer = logged_in_client(app, "district_officer")
    make_user(app, "analyst.x", "analyst")
    make_user(app, "tv2", "council_member")
    refused = [
        ({"user_id": _user_id(app, "analyst.x"), "council_role": "member"}, "Chỉ tài khoản"),
        ({"user_id": _user_id(app, "tv2"), "council_role": "secretary"}, "đã có thư ký"),
        ({"user_id": _user_id(app, "tv2"), "council_role": "boss"}, "Chọn vai trò"),
        ({"user_id": "", "council_role": "member"}, "Chọn một tài khoản"),
    ]
    for data, message in refused:
        reply = officer.post(COUNCIL + "members", data=data)
        assert reply.status_code == 422
        assert message in reply.text
    assert [m for _, m in (_council(app) or ("", "", "", 0, []))[4]] == ["secretary"]
    assert officer.post(COUNCIL + "members", data={"user_id": "1", "bogus": "x"}).status_code == 400


def test_assigned_members_appraise_and_the_secretary_closes(app: Flask) -> None:
    pf.make_par_round(app)
    for unit in pf.UNITS:
        pf.self_assess(app, unit)
        pf.submit(app, unit)
    officer = logged_in_client(app, "district_officer")
    assigned = logged_in_client(app, "council_member", username="tv.assigned")
    other = logged_in_client(app, "council_member", username="tv.other")
    outsider = logged_in_client(app, "council_member", username="tv.outsider")
    pf.seat(app, "tv.assigned")
    pf.seat(app, "tv.other")
    data = {f"assign-{_member_id(app, 'tv.assigned')}": [UNIT]}
    assert officer.post(COUNCIL + "assignments", data=data).status_code == 302
    assert [e.detail["added"] for e in _actions(app, "par_council_assignment")] == [[UNIT]]

    before = len(_actions(app, "access_denied"))
    assert _appraise_field_one(other, app, UNIT) == 403  # not assigned to this unit
    assert _appraise_field_one(outsider, app, UNIT) == 403  # not on the council
    assert len(_actions(app, "access_denied")) == before + 2
    assert _appraise_field_one(other, app, OTHER) == 302  # nobody assigned: any member
    assert _appraise_field_one(assigned, app, UNIT) == 302
    page = assigned.get(f"/staff/par/{pf.ROUND}/{UNIT}/").text
    assert "(thành viên)" in page  # who appraises this unit
    assert "Hoàn tất thẩm định" not in page  # an ordinary member does not close

    with app.app_context():
        fields = [f.code for f in criteria_catalog().get(*pf.CRITERIA).fields]
    for field in fields:
        assert _appraise_field_one(assigned, app, UNIT, field) == 302
    version = {"version": _version(app, UNIT)}
    close = f"/staff/par/{pf.ROUND}/{UNIT}/complete-appraisal"
    assert assigned.post(close, data=version).status_code == 403
    secretary = app.test_client()
    assert login(secretary, "helper.council_member.district") == 302
    assert secretary.post(close, data=version).status_code == 302
    assert pf.status_of(app, UNIT) == "appraised"


def test_without_a_council_nobody_appraises(app: Flask) -> None:
    pf.make_par_round(app, council=False)
    pf.self_assess(app, UNIT)
    pf.submit(app, UNIT)
    council = logged_in_client(app, "council_member")
    assert _appraise_field_one(council, app, UNIT) == 409
    reply = council.post(
        f"/staff/par/{pf.ROUND}/{UNIT}/field/1/appraisal", data={"version": _version(app, UNIT)}
    )
    assert "Chưa thành lập Hội đồng thẩm định" in reply.text


def test_the_minute_lists_every_changed_score_with_its_reason(app: Flask) -> None:
    pf.make_par_round(app)
    pf.self_assess(app, UNIT)
    pf.submit(app, UNIT)
    officer = logged_in_client(app, "commune_officer", UNIT)
    minutes = f"/staff/par/{pf.ROUND}/{UNIT}/minutes"
    assert officer.get(minutes).status_code == 302  # no minute before the appraisal closes
    pf.appraise(
        app, UNIT, lambda item: "0" if item.code in ("1.2", "2.1.1") else str(item.max_points)
    )
    page = officer.get(minutes).text
    assert "BIÊN BẢN THẨM ĐỊNH" in page
    assert "Quyết định số 125/QĐ-UBND ngày 28/10/2021" in page
    assert "Lý do 1.2" in page
    assert "Lý do 2.1.1" in page
    assert "Lý do 1.1.1" not in page  # unchanged scores are not listed as changes
    assert "(2)" in page
    assert "UBND xã Sơn Giang" in page
    district = logged_in_client(app, "chairman")
    assert district.get(minutes).status_code == 200
    assert officer.get(f"/staff/par/{pf.ROUND}/{OTHER}/minutes").status_code == 403


def test_the_decision_form_needs_its_csrf_token(sqlite_url: str, tmp_path: Path) -> None:
    app = make_app(sqlite_url, tmp_path, WTF_CSRF_ENABLED=True)
    pf.make_par_round(app, council=False)
    make_user(app, "noivu", "district_officer")
    client = app.test_client()
    login_page = client.get("/staff/login").text
    token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    reply = client.post(
        "/staff/login", data={"username": "noivu", "password": PASSWORD, "csrf_token": token}
    )
    assert reply.status_code == 302
    reply = client.post(COUNCIL + "decision", data=_decision(), content_type="multipart/form-data")
    assert reply.status_code == 400
    assert _council(app) is None
    page = client.get(COUNCIL).text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    data = {**_decision(), "csrf_token": token}
    reply = client.post(COUNCIL + "decision", data=data, content_type="multipart/form-data")
    assert reply.status_code == 302
    assert _council(app) is not None
    app.extensions["db_engine"].dispose()
