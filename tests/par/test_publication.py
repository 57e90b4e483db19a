"""Publication done properly: bulk approval, the confirmation that shows what is frozen, the
approval decision, the public page with its downloads, and corrections as numbered versions."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.db import session_scope
from survey_app.par.publication_models import ParPublication
from survey_app.staff.models import AuditEvent
from tests.factories import par as pf
from tests.factories.staff import logged_in_client

UNIT, OTHER = pf.UNITS
ROUND_URL = f"/staff/par/{pf.ROUND}"
PUBLIC = f"/cong-khai/{pf.ROUND}"


def _appraised(app: Flask, unit: str, **kwargs: Any) -> None:
    pf.self_assess(app, unit)
    pf.submit(app, unit)
    pf.appraise(app, unit, **kwargs)


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context(), session_scope() as session:
        return list(session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def _publications(app: Flask) -> list[tuple[int, str, dict[str, Any], bool]]:
    """(number, reason, snapshot, superseded) of every publication."""
    with app.app_context(), session_scope() as session:
        rows = session.scalars(sa.select(ParPublication).order_by(ParPublication.number))
        return [(p.number, p.reason, p.snapshot, p.superseded_at is not None) for p in rows]


def _confirm_and_publish(chairman: FlaskClient, **extra: str) -> Any:
    page = chairman.get(f"{ROUND_URL}/publish").text
    fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
    data = {"fingerprint": fingerprint, "confirm": "yes", **extra}
    return chairman.post(f"{ROUND_URL}/publish", data=data)


def test_bulk_approval_approves_every_selected_commune_or_none(app: Flask) -> None:
    pf.make_par_round(app)
    _appraised(app, UNIT)
    pf.self_assess(app, OTHER)
    chairman = logged_in_client(app, "chairman")
    page = chairman.get(f"{ROUND_URL}/approve-many").text
    assert 'value="439-son-giang" checked' in page
    assert "Xã Sơn Hàm: Đang soạn" in page
    # One commune not appraised yet: refused, and nothing is approved.
    reply = chairman.post(f"{ROUND_URL}/approve-many", data={"unit": [UNIT, OTHER]})
    assert reply.status_code == 409
    assert pf.status_of(app, UNIT) == "appraised"
    assert chairman.post(f"{ROUND_URL}/approve-many", data={}).status_code == 422
    pf.submit(app, OTHER)
    pf.appraise(app, OTHER)
    reply = chairman.post(f"{ROUND_URL}/approve-many", data={"unit": [UNIT, OTHER]})
    assert reply.status_code == 302
    assert pf.status_of(app, UNIT) == pf.status_of(app, OTHER) == "approved"
    approvals = [e for e in _events(app, "par_status") if e.detail["new"] == "approved"]
    assert sorted(e.target for e in approvals) == sorted(
        f"par:{pf.ROUND}:{unit}" for unit in pf.UNITS
    )
    (bulk,) = _events(app, "par_bulk_approval")
    assert bulk.detail["units"] == sorted(pf.UNITS)


def test_publication_needs_the_confirmation_of_exactly_what_is_frozen(app: Flask) -> None:
    pf.make_par_round(app)
    _appraised(app, UNIT, score=lambda item: "0" if item.code == "1.2" else str(item.max_points))
    chairman = logged_in_client(app, "chairman")
    waiting = chairman.get(f"{ROUND_URL}/publish").text
    assert "Chưa thể công bố" in waiting
    assert 'name="fingerprint"' not in waiting
    reply = chairman.post(f"{ROUND_URL}/publish", data={"fingerprint": "", "confirm": "yes"})
    assert reply.status_code == 409
    assert "còn đơn vị chưa được phê duyệt" in reply.text
    pf.approve(app, UNIT)
    _appraised(app, OTHER)
    pf.approve(app, OTHER)
    page = chairman.get(f"{ROUND_URL}/publish").text
    assert "phiên bản 1" in page
    assert "Xã Sơn Giang" in page
    assert "Xã Sơn Hàm" in page
    fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]

    reply = chairman.post(f"{ROUND_URL}/publish", data={"fingerprint": fingerprint})
    assert reply.status_code == 422  # the box is not ticked
    assert "Đánh dấu ô xác nhận" in reply.text
    stale = {"fingerprint": "0" * 16, "confirm": "yes"}
    reply = chairman.post(f"{ROUND_URL}/publish", data=stale)
    assert reply.status_code == 409
    assert "Số liệu đã thay đổi" in reply.text
    bad_date = {"fingerprint": fingerprint, "confirm": "yes", "decision_date": "40/11/2021"}
    assert chairman.post(f"{ROUND_URL}/publish", data=bad_date).status_code == 422
    assert _publications(app) == []
    assert pf.status_of(app, UNIT) == "approved"

    reply = _confirm_and_publish(
        chairman, decision_number="3520/QĐ-UBND", decision_date="20/11/2021"
    )
    assert reply.status_code == 302
    assert reply.headers["Location"].endswith(PUBLIC)
    ((number, reason, snap, superseded),) = _publications(app)
    assert (number, reason, superseded) == (1, "", False)
    rows = {row["unit_code"]: row for row in snap["rows"]}
    assert rows[UNIT]["appraised"] == 69.0  # 70 − 1 (item 1.2, worth 1, appraised 0)
    assert (rows[OTHER]["rank"], rows[UNIT]["rank"]) == (1, 2)
    (event,) = _events(app, "par_publication")
    assert event.detail["version"] == 1
    assert event.detail["decision_number"] == "3520/QĐ-UBND"
    assert pf.status_of(app, UNIT) == "published"

    decision = chairman.get(f"{ROUND_URL}/decision").text
    assert "QUYẾT ĐỊNH" in decision
    assert "Số: 3520/QĐ-UBND" in decision
    assert "ngày 20 tháng 11 năm 2021" in decision
    assert "Quyết định số 125/QĐ-UBND ngày 28/10/2021" in decision  # the council's


def test_the_public_page_needs_no_login_and_shows_only_what_was_published(app: Flask) -> None:
    pf.make_par_round(app)
    anonymous = app.test_client()
    assert anonymous.get(PUBLIC).status_code == 404  # nothing published yet
    for unit in pf.UNITS:
        pf.through_approval(app, unit)
    assert anonymous.get(PUBLIC).status_code == 404  # approved is not published
    pf.publish(app)
    page = anonymous.get(PUBLIC).text
    assert "Kết quả Chỉ số cải cách hành chính cấp xã năm 2021" in page
    assert "Phiên bản 1" in page
    assert "Cách tính, nói ngắn gọn" in page
    assert "Khoảng tin cậy 95%" in page
    assert "100 %" in page  # full marks, no survey, rule "rescale"
    assert "Đăng xuất" not in page  # no staff header
    csv_reply = anonymous.get(f"{PUBLIC}/phien-ban/1/chi-so-cchc.csv")
    assert csv_reply.status_code == 200
    table = list(csv.reader(io.StringIO(csv_reply.text.lstrip("\ufeff"))))
    assert table[0][:3] == ["Hạng", "Mã đơn vị", "Tên đơn vị"]
    assert {table[1][1], table[2][1]} == set(pf.UNITS)
    xlsx = anonymous.get(f"{PUBLIC}/phien-ban/1/chi-so-cchc.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert workbook.sheetnames == ["Chỉ số CCHC", "Ghi chú"]
    assert anonymous.get(f"{PUBLIC}/phien-ban/2").status_code == 404
    assert anonymous.get("/cong-khai/KHONG-CO").status_code == 404


def test_a_correction_is_a_new_version_and_the_old_one_is_kept(any_app: Flask) -> None:
    app = any_app  # SQLite and PostgreSQL: the snapshots are JSON columns
    pf.make_par_round(app)
    for unit in pf.UNITS:
        pf.through_approval(app, unit)
    pf.publish(app)
    ((_, _, first, _),) = _publications(app)
    chairman = logged_in_client(app, "chairman")

    reply = chairman.post(f"{ROUND_URL}/correct", data={"reason": "  ", "unit": [UNIT]})
    assert reply.status_code == 422
    assert "Ghi rõ lý do đính chính" in reply.text
    assert pf.status_of(app, UNIT) == "published"

    reason = "Sai sót khi nhập điểm tiêu chí 1.2 của xã Sơn Giang"
    reply = chairman.post(f"{ROUND_URL}/correct", data={"reason": reason, "unit": [UNIT]})
    assert reply.status_code == 302
    assert pf.status_of(app, UNIT) == "submitted"
    assert pf.status_of(app, OTHER) == "approved"
    # The published version stays public while the correction is under way.
    page = app.test_client().get(PUBLIC).text
    assert "đang được đính chính" in page
    assert "Phiên bản 1" in page

    pf.appraise(app, UNIT, lambda item: "0" if item.code == "1.2" else str(item.max_points))
    pf.approve(app, UNIT)
    assert _confirm_and_publish(chairman).status_code == 302
    (v1, v2) = _publications(app)
    assert v1 == (1, "", first, True)  # kept exactly as published, marked superseded
    assert v2[:2] == (2, reason)
    assert v2[3] is False
    assert {r["unit_code"]: r["appraised"] for r in v2[2]["rows"]}[UNIT] == 69.0

    anonymous = app.test_client()
    current = anonymous.get(PUBLIC).text
    assert "Phiên bản 2" in current
    assert f"Lý do: {reason}" in current
    assert "đã được thay thế" in current  # the list of versions
    old = anonymous.get(f"{PUBLIC}/phien-ban/1").text
    assert "Phiên bản này đã được thay thế" in old
    assert [e.detail["version"] for e in _events(app, "par_publication")] == [1, 2]
    (started,) = _events(app, "par_correction_started")
    assert started.detail == {"reason": reason, "returned": [UNIT]}
