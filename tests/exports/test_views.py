"""Exports: CSV (BOM), XLSX (codebook), SPSS (labels), formulas, filters, audit, scoping."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.db import session_scope
from survey_app.demo.setup import DEMO_ROUND
from survey_app.exports import formats, views
from survey_app.exports.formats import neutralise
from survey_app.results.estimates import ESTIMATE_COLUMNS
from survey_app.results.options import results_options
from survey_app.staff.models import AuditEvent
from tests.conftest import make_app
from tests.factories.responses import insert_responses, synthetic_answers
from tests.factories.staff import logged_in_client
from tests.results.test_results import results_for, seed

EXPORTS = f"/staff/rounds/{DEMO_ROUND}/exports"
HOSTILE = {
    '=HYPERLINK("http://x","bấm")': '\'=HYPERLINK("http://x","bấm")',
    "+84 912": "'+84 912",
    "-2+3": "'-2+3",
    "@SUM(A1)": "'@SUM(A1)",
    "\tTab": "'\tTab",
    "\rCR": "'\rCR",
    "-3": "-3",
    "Tốt, cảm ơn": "Tốt, cảm ơn",
}


def read_csv_export(data: bytes, flavour: str = "vi") -> pd.DataFrame:
    """An export's table as text cells, read as the flavour says (the vi one by default)."""
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark for Excel
    text = data.decode("utf-8-sig")
    assert not text.startswith("#")  # no note lines: Excel would take them for data
    separator = ";" if flavour == "vi" else ","
    return pd.read_csv(io.StringIO(text), sep=separator, dtype=str, keep_default_na=False)


def decimals(cells: pd.Series) -> pd.Series:
    """Cells of the vi flavour ("1,25") as numbers."""
    return pd.to_numeric(cells.str.replace(",", ".", regex=False))


def read_note(data: bytes) -> dict[str, str]:
    """A method-note download (vi flavour): label → value."""
    table = read_csv_export(data)
    assert list(table.columns) == ["Mục", "Nội dung"]
    return dict(zip(table["Mục"], table["Nội dung"], strict=True))


def events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context(), session_scope() as session:
        query = sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(session.scalars(query))


@pytest.fixture
def analyst(app: Flask) -> FlaskClient:
    seed(app)
    return logged_in_client(app, "analyst")


def test_csv_has_bom_note_weights_and_round_trips_in_pandas(any_app: Flask) -> None:
    seed(any_app)
    rng_answers = dict(synthetic_answers(np.random.default_rng(9), 0.5))
    rng_answers["comment"] = 'Tốt, "nhanh"\nxin cảm ơn'
    insert_responses(any_app, "439-son-tay", 1, answers=[rng_answers], seed=99)
    client = logged_in_client(any_app, "analyst")
    reply = client.get(f"{EXPORTS}/responses.csv")
    assert reply.status_code == 200
    assert reply.is_streamed
    assert reply.mimetype == "text/csv"
    assert "attachment" in reply.headers["Content-Disposition"]
    table = read_csv_export(reply.data)
    note = read_note(client.get(f"{EXPORTS}/responses-method-note.csv").data)
    assert "sipas-commune phiên bản 2021.2" in note["Bảng hỏi"]
    assert any("Hiệu chỉnh lặp theo các tổng biên" in value for value in note.values())
    assert len(table) == sum((60, 45, 12, 1))
    # Every response, in id order (no row lost to a driver-side buffer).
    assert table["response_id"].astype(int).tolist() == list(range(1, 119))
    assert list(table.columns[:9]) == [
        "response_id",
        "submission_id",
        "round_code",
        "unit_code",
        "form_id",
        "form_version",
        "submitted_at",
        "channel",
        "duration_seconds",
    ]
    assert table.columns[-1] == "weight"
    assert "dossier_code" not in table.columns
    assert table["comment"].tolist()[-1] == 'Tốt, "nhanh"\nxin cảm ơn'
    weights = decimals(table["weight"])
    assert (weights > 0).all()
    # The export's weights are those the results use.
    results = results_for(any_app, results_options(any_app.config, DEMO_ROUND))
    assert weights.sum() == pytest.approx(results.weights.report["summary"]["sum"])
    any_app.extensions["db_engine"].dispose()


def test_formula_text_is_neutralised_in_csv_and_xlsx(app: Flask) -> None:
    rows = []
    for text in HOSTILE:
        answers = synthetic_answers(np.random.default_rng(1), 0.5)
        rows.append(dict(answers, comment=text))
    insert_responses(app, "439-son-giang", 0, answers=rows)
    client = logged_in_client(app, "district_officer")
    table = read_csv_export(client.get(f"{EXPORTS}/responses.csv").data)
    assert table["comment"].tolist() == list(HOSTILE.values())
    plain = read_csv_export(client.get(f"{EXPORTS}/responses.csv?flavour=plain").data, "plain")
    assert plain["comment"].tolist() == list(HOSTILE.values())
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"{EXPORTS}/responses.xlsx").data))
    sheet = workbook["Phiếu trả lời"]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    comments = [row[header.index("comment")] for row in sheet.iter_rows(min_row=2)]
    # Without lxml the XML round trip turns a carriage return into a line feed, with lxml it
    # survives; either way the quote prefix is what counts.
    expected = [value.replace("\r", "\n") for value in HOSTILE.values()]
    assert [str(cell.value).replace("\r", "\n") for cell in comments] == expected
    assert {cell.data_type for cell in comments} == {"s"}  # no formula cell


def test_neutralise_keeps_plain_numbers_and_ordinary_text() -> None:
    assert neutralise("=1+1") == "'=1+1"
    assert neutralise("-1.5e3") == "-1.5e3"
    assert neutralise("") == ""
    assert neutralise("ho_tich") == "ho_tich"


def test_xlsx_has_data_codebook_and_method_sheets(analyst: FlaskClient) -> None:
    reply = analyst.get(f"{EXPORTS}/responses.xlsx?unit=439-pho-chau")
    assert reply.status_code == 200
    assert int(reply.headers["Content-Length"]) == len(reply.data)
    workbook = openpyxl.load_workbook(io.BytesIO(reply.data), read_only=True)
    assert workbook.sheetnames == ["Phiếu trả lời", "Bảng mã biến", "Ghi chú phương pháp"]
    data = list(workbook["Phiếu trả lời"].values)
    assert data[0][-1] == "weight"
    assert len(data) == 1 + 45
    assert {row[3] for row in data[1:]} == {"439-pho-chau"}
    codebook = {row[0]: row for row in workbook["Bảng mã biến"].values}
    assert codebook["variable"] == ("variable", "label_vi", "label_en", "type", "choices")
    access = codebook["access_1"]
    assert access[1].startswith("Thông tin về thủ tục hành chính")
    assert access[2].startswith("Information on the procedure")
    assert access[3] == "select_one"
    assert access[4].startswith("1=Rất không hài lòng; 2=")
    assert "9=" in access[4]
    assert "(missing)" in access[4]
    assert codebook["weight"][3] == "decimal"
    method = dict(workbook["Ghi chú phương pháp"].values)
    assert "2021.2" in method["Bảng hỏi"]
    assert "unit=439-pho-chau" in method["Bộ lọc"]
    workbook.close()


def test_sav_has_variable_and_value_labels(analyst: FlaskClient, tmp_path: Path) -> None:
    reply = analyst.get(f"{EXPORTS}/responses.sav?unit=439-son-giang")
    assert reply.status_code == 200
    path = tmp_path / "export.sav"
    path.write_bytes(reply.data)
    data, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert len(data) == 60
    assert meta.column_names[:4] == ["response_id", "submission_id", "round_code", "unit_code"]
    assert "access_1" in meta.column_names
    assert meta.column_names[-1] == "weight"
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert str(labels["access_1"]).startswith("Thông tin về thủ tục hành chính")
    assert meta.variable_value_labels["access_1"][1.0] == "Rất không hài lòng"
    assert meta.variable_value_labels["access_1"][9.0].startswith("Không")
    assert meta.missing_ranges["access_1"] == [{"lo": 9.0, "hi": 9.0}]
    assert meta.readstat_variable_types["field"] == "string"
    assert set(data["field"]) <= {"ho_tich", "chung_thuc", "ldtbxh", "dat_dai", "xay_dung"}
    assert (data["weight"] > 0).all()
    note = " ".join(meta.notes)
    assert "sipas-commune phiên bản 2021.2" in note
    assert "Kish deff" in note


def test_estimates_exports_match_the_results(analyst: FlaskClient, app: Flask) -> None:
    reply = analyst.get(f"{EXPORTS}/estimates.csv?adjustment=none")
    table = read_csv_export(reply.data)
    note = read_note(analyst.get(f"{EXPORTS}/estimates-method-note.csv?adjustment=none").data)
    assert "adjustment=none" in note["Tham số tái lập"]
    assert list(table.columns) == list(ESTIMATE_COLUMNS)
    expected = results_for(app, results_options(app.config, DEMO_ROUND, {"adjustment": "none"}))
    assert len(table) == len(expected.estimates)
    giang = table[(table["unit_code"] == "439-son-giang") & (table["level"] == "unit")]
    unit = expected.table.get("439-son-giang")
    assert unit is not None
    assert decimals(giang["estimate"]).iloc[0] == pytest.approx(unit.index)
    workbook = openpyxl.load_workbook(
        io.BytesIO(analyst.get(f"{EXPORTS}/estimates.xlsx?unit=439-son-tay").data)
    )
    rows = list(workbook["Ước lượng"].values)
    assert rows[0] == ESTIMATE_COLUMNS
    assert {row[0] for row in rows[1:]} == {"439-son-tay"}
    assert workbook.sheetnames == ["Ước lượng", "Ghi chú phương pháp"]


def test_filters_by_unit_and_date(app: Flask) -> None:
    insert_responses(app, "439-son-giang", 30, seed=1, step=dt.timedelta(hours=12))
    insert_responses(app, "439-pho-chau", 10, seed=2)
    client = logged_in_client(app, "district_officer")
    table = read_csv_export(
        client.get(f"{EXPORTS}/responses.csv?unit=439-son-giang&from=2021-10-03&to=2021-10-05").data
    )
    # The vi flavour writes local times, day first.
    days = pd.to_datetime(table["submitted_at"], format="%d/%m/%Y %H:%M:%S").dt.date
    assert set(table["unit_code"]) == {"439-son-giang"}
    assert days.min() == dt.date(2021, 10, 3)
    assert days.max() == dt.date(2021, 10, 5)
    assert len(table) == 6
    detail = events(app, "export")[-1].detail
    assert detail["filters"] == {"unit": "439-son-giang", "from": "2021-10-03", "to": "2021-10-05"}
    assert detail["rows"] == 6
    assert detail["format"] == "csv"
    assert detail["kind"] == "responses"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("unit=439-nowhere", "đơn vị &#39;439-nowhere&#39; không thuộc đợt khảo sát này"),
        ("from=2021-02-30", "&#39;from&#39; phải là ngày dạng YYYY-MM-DD"),
        ("to=tomorrow", "&#39;to&#39; phải là ngày dạng YYYY-MM-DD"),
        ("from=2021-10-05&to=2021-10-01", "khoảng ngày bị đảo"),
        ("unit_id=3", "tham số không được hỗ trợ: unit_id"),
        ("unit=439-son-tay&unit=439-pho-chau", "tham số lặp lại: unit"),
        ("trim_upper=-1", "&#39;trim_upper&#39; là bội số"),
    ],
)
def test_bad_filters_are_400_with_a_message_and_audited(
    analyst: FlaskClient, app: Flask, query: str, message: str
) -> None:
    reply = analyst.get(f"{EXPORTS}/responses.csv?{query}")
    assert reply.status_code == 400
    assert message in reply.text
    assert "response_id" not in reply.text
    refused = events(app, "request_refused")
    assert len(refused) == 1
    assert refused[0].detail["format"] == "csv"
    assert events(app, "export") == []


def test_unknown_format_is_404(analyst: FlaskClient) -> None:
    assert analyst.get(f"{EXPORTS}/responses.json").status_code == 404
    assert analyst.get(f"{EXPORTS}/estimates.sav").status_code == 404


def test_every_export_is_audited(analyst: FlaskClient, app: Flask) -> None:
    for path in ("responses.csv", "responses.xlsx", "responses.sav", "estimates.csv"):
        assert analyst.get(f"{EXPORTS}/{path}").status_code == 200
    logged = events(app, "export")
    assert [(e.detail["kind"], e.detail["format"]) for e in logged] == [
        ("responses", "csv"),
        ("responses", "xlsx"),
        ("responses", "sav"),
        ("estimates", "csv"),
    ]
    assert all(e.actor_name == "analyst.district" and e.target == DEMO_ROUND for e in logged)
    assert [e.detail["rows"] for e in logged[:3]] == [117, 117, 117]


def test_commune_officer_exports_only_their_unit(app: Flask) -> None:
    seed(app)
    client = logged_in_client(app, "commune_officer", "439-son-tay")
    table = read_csv_export(client.get(f"{EXPORTS}/responses.csv").data)
    assert set(table["unit_code"]) == {"439-son-tay"}
    assert len(table) == 12
    estimates = read_csv_export(client.get(f"{EXPORTS}/estimates.csv").data)
    assert set(estimates["unit_code"]) == {"439-son-tay"}
    for path in ("responses.csv?unit=439-son-giang", "estimates.xlsx?unit=439-son-giang"):
        assert client.get(f"{EXPORTS}/{path}").status_code == 403
    denied = events(app, "access_denied")
    assert len(denied) == 2
    assert all(e.actor_name == "commune-officer.439-son-tay" for e in denied)
    assert [e.detail["filters"]["unit"] for e in events(app, "export")] == [
        "439-son-tay",
        "439-son-tay",
    ]
    page = client.get(f"{EXPORTS}/")
    assert "439-son-giang" not in page.text
    assert 'value="439-son-tay"' in page.text


@pytest.mark.parametrize("role", ["council_member", "chairman"])
def test_raw_responses_are_not_for_the_council(app: Flask, role: str) -> None:
    seed(app)
    client = logged_in_client(app, role)
    assert client.get(f"{EXPORTS}/responses.csv").status_code == 403
    assert client.get(f"{EXPORTS}/estimates.csv").status_code == 200


def test_size_limits_of_xlsx_and_sav(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app(sqlite_url, tmp_path, EXPORT_SAV_MAX_ROWS=10)
    seed(app)
    client = logged_in_client(app, "analyst")
    reply = client.get(f"{EXPORTS}/responses.sav")
    assert reply.status_code == 400
    assert "giới hạn 10 phiếu" in reply.text
    assert client.get(f"{EXPORTS}/responses.sav?unit=439-son-tay").status_code == 400
    monkeypatch.setattr(views, "XLSX_MAX_ROWS", 50)
    assert client.get(f"{EXPORTS}/responses.xlsx").status_code == 400
    assert client.get(f"{EXPORTS}/responses.xlsx?unit=439-pho-chau").status_code == 200
    app.extensions["db_engine"].dispose()


def test_raw_export_still_works_when_weights_cannot_be_computed(app: Flask) -> None:
    answers: list[dict[str, Any]] = [
        {k: v for k, v in synthetic_answers(np.random.default_rng(i), 0.5).items() if k != "field"}
        for i in range(5)
    ]
    insert_responses(app, "439-son-giang", 0, answers=answers)
    client = logged_in_client(app, "analyst")
    table = read_csv_export(client.get(f"{EXPORTS}/responses.csv").data)
    assert len(table) == 5
    assert (table["weight"] == "").all()
    note = read_note(client.get(f"{EXPORTS}/responses-method-note.csv").data)
    assert "không có lĩnh vực" in note["Trọng số không tính được"]
    design_only = read_csv_export(client.get(f"{EXPORTS}/responses.csv?adjustment=none").data)
    assert (decimals(design_only["weight"]) > 0).all()


def test_csv_streams_in_chunks(analyst: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(formats, "CSV_CHUNK_ROWS", 10)
    reply = analyst.get(f"{EXPORTS}/responses.csv", buffered=False)
    chunks = list(reply.response)
    reply.close()
    assert len(chunks) == 13  # the header, then 117 rows in chunks of 10


def test_estimates_export_has_the_rank_intervals(analyst: FlaskClient, app: Flask) -> None:
    reply = analyst.get(f"{EXPORTS}/estimates.csv")
    table = read_csv_export(reply.data)
    expected = results_for(app, results_options(app.config, DEMO_ROUND))
    units = table[(table["level"] == "unit") & (table["unit_code"] != "")]
    ranked = [unit for unit in expected.table.units if unit.rank is not None]
    assert ranked
    for unit in ranked:
        row = units[units["unit_code"] == unit.unit_code].iloc[0]
        assert [row["rank"], row["rank_low"], row["rank_high"]] == [
            str(unit.rank),
            str(unit.rank_low),
            str(unit.rank_high),
        ]
    # Items and factors have no rank: empty cells, not zeros.
    assert (table.loc[table["level"] == "item", "rank"] == "").all()
