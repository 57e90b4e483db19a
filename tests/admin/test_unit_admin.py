"""Units and transaction counts uploaded on the web (CSV or Excel), all-or-nothing."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from survey_app.db import session_scope
from survey_app.units.models import AdminUnit, TransactionCount
from tests.factories.demo import demo_link
from tests.factories.staff import logged_in_client

UNITS = "/staff/admin/units/"
HEADER = "code,name,kind,parent_code,valid_from,valid_to,predecessors\n"


def _post(client: FlaskClient, what: str, name: str, content: bytes, **extra: str) -> TestResponse:
    data = {"what": what, "file": (io.BytesIO(content), name), **extra}
    return client.post(UNITS, data=data, content_type="multipart/form-data")


def _unit(app: Flask, code: str) -> AdminUnit | None:
    with app.app_context(), session_scope() as session:
        unit = session.scalars(sa.select(AdminUnit).where(AdminUnit.code == code)).first()
        if unit is not None:
            session.expunge(unit)
        return unit


def test_units_page_shows_validity_predecessors_and_successors(app: Flask) -> None:
    demo_link(app)
    page = logged_in_client(app, "district_officer").get(UNITS)
    assert page.status_code == 200
    assert "hết hiệu lực từ 01/01/2020" in page.text  # Sơn Quang, merged in 2020
    row = next(line for line in page.text.split("<tr>") if "<td>439-son-quang</td>" in line)
    assert "Xã Quang Diệm" in row  # its successor
    assert "Số liệu minh hoạ" in page.text


def test_a_csv_of_units_is_applied_whole(app: Flask) -> None:
    demo_link(app)
    client = logged_in_client(app, "district_officer")
    content = (HEADER + "439-moi,Xã Mới,xa,439,2025-01-01,,439-son-giang;439-son-ham\n").encode(
        "utf-8-sig"
    )
    reply = _post(client, "units", "don-vi.csv", content)
    assert reply.status_code == 302, reply.text
    unit = _unit(app, "439-moi")
    assert unit is not None
    assert unit.name == "Xã Mới"


def test_a_file_with_errors_lists_them_by_row_and_changes_nothing(app: Flask) -> None:
    demo_link(app)
    client = logged_in_client(app, "district_officer")
    content = (HEADER + "439-a,Xã A,xa,439,2025-01-01,,\n439-b,,lang,439,2025-13-01,,\n").encode()
    reply = _post(client, "units", "don-vi.csv", content)
    assert reply.status_code == 422
    text = reply.text
    assert "Chưa nhập gì: tệp có 3 lỗi" in text
    assert "dòng 3: cột name trống" in text
    assert "dòng 3: kind &#39;lang&#39; không thuộc" in text
    assert _unit(app, "439-a") is None  # the valid row was not applied either


def test_counts_from_an_excel_workbook(app: Flask) -> None:
    demo_link(app)
    client = logged_in_client(app, "district_officer")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["unit_code", "period_start", "period_end", "field", "transactions"])
    sheet.append(["439-son-giang", dt.date(2022, 1, 1), dt.date(2022, 9, 30), "", 812])
    sheet.append(["439-son-giang", dt.date(2022, 1, 1), dt.date(2022, 9, 30), "ho_tich", 300.0])
    buffer = io.BytesIO()
    book.save(buffer)
    reply = _post(client, "counts", "so-lieu.xlsx", buffer.getvalue(), source="Báo cáo 9 tháng")
    assert reply.status_code == 302, reply.text
    with app.app_context(), session_scope() as session:
        counts = session.scalars(
            sa.select(TransactionCount).where(TransactionCount.period_start == dt.date(2022, 1, 1))
        ).all()
        assert sorted((c.field, c.transactions, c.illustrative) for c in counts) == [
            ("", 812, False),
            ("ho_tich", 300, False),
        ]
        assert {c.source for c in counts} == {"Báo cáo 9 tháng"}


def test_unicode_digits_and_garbage_files_are_refused_cleanly(app: Flask) -> None:
    demo_link(app)
    client = logged_in_client(app, "district_officer")
    content = (
        b"unit_code,period_start,period_end,field,transactions\n"
        b"439-son-giang,2022-01-01,2022-09-30,,\xc2\xb2\n"  # a superscript two
    )
    reply = _post(client, "counts", "so-lieu.csv", content)
    assert reply.status_code == 422
    assert "phải là số nguyên" in reply.text
    broken = _post(client, "counts", "so-lieu.xlsx", b"not a workbook")
    assert broken.status_code == 422
    assert "không đọc được tệp Excel" in broken.text
    wrong_type = _post(client, "units", "anh.png", b"\x89PNG")
    assert wrong_type.status_code == 422
    assert "Chỉ nhận tệp .csv hoặc .xlsx" in wrong_type.text
