"""CSV flavours (vi for Excel in Vietnamese, plain for programs), note downloads, XLSX types."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import openpyxl
import pandas as pd
import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey_app.demo.setup import DEMO_ROUND
from survey_app.exports.formats import sheet_title
from survey_app.results.estimates import ESTIMATE_COLUMNS
from tests.exports.test_views import events
from tests.factories.staff import logged_in_client
from tests.results.test_results import seed

EXPORTS = f"/staff/rounds/{DEMO_ROUND}/exports"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def analyst(app: Flask) -> FlaskClient:
    seed(app)
    return logged_in_client(app, "analyst")


def read_vi(data: bytes) -> pd.DataFrame:
    """As Excel in Vietnamese reads it: ';' between fields, decimal comma."""
    assert data.startswith(b"\xef\xbb\xbf")
    return pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")


def read_plain(data: bytes) -> pd.DataFrame:
    assert data.startswith(b"\xef\xbb\xbf")
    return pd.read_csv(io.BytesIO(data), sep=",", decimal=".", encoding="utf-8-sig")


def test_both_flavours_of_responses_hold_the_same_values(analyst: FlaskClient) -> None:
    vi_bytes = analyst.get(f"{EXPORTS}/responses.csv").data
    plain_bytes = analyst.get(f"{EXPORTS}/responses.csv?flavour=plain").data
    text = vi_bytes.decode("utf-8-sig")
    assert text.startswith("response_id;submission_id;round_code;")  # header first, no notes
    assert "#" not in text.split("\r\n", 1)[0]
    assert plain_bytes.decode("utf-8-sig").startswith("response_id,submission_id,")
    vi, plain = read_vi(vi_bytes), read_plain(plain_bytes)
    assert len(vi) == len(plain) == 117
    assert vi["response_id"].tolist() == plain["response_id"].tolist()
    # Weights are numbers in both, equal to the last digit (no rounding on the way).
    assert vi["weight"].dtype == "float64"
    assert vi["weight"].tolist() == plain["weight"].tolist()
    assert (vi["weight"] > 1).all()  # ~N/n: a dot read as a thousands mark would not do this
    assert "," in text.split("\r\n")[1].rsplit(";", 1)[1]  # the weight has a decimal comma
    assert vi["access_1"].tolist() == plain["access_1"].tolist()
    # vi: local time, day first; plain: ISO-8601 UTC. The same moments.
    local = pd.to_datetime(vi["submitted_at"], format="%d/%m/%Y %H:%M:%S")
    utc = pd.to_datetime(plain["submitted_at"], utc=True).dt.tz_convert(ZONE).dt.tz_localize(None)
    assert local.tolist() == utc.tolist()
    assert plain["submitted_at"].iloc[0].endswith("+00:00")


def test_both_flavours_of_estimates_hold_the_same_numbers(analyst: FlaskClient) -> None:
    vi = read_vi(analyst.get(f"{EXPORTS}/estimates.csv").data)
    plain = read_plain(analyst.get(f"{EXPORTS}/estimates.csv?flavour=plain").data)
    assert list(vi.columns) == list(plain.columns) == list(ESTIMATE_COLUMNS)
    for column in ("estimate", "se", "ci_low", "ci_high", "deff"):
        assert vi[column].dtype == "float64"
        pd.testing.assert_series_equal(vi[column], plain[column])
    units = vi[vi["level"] == "unit"]["estimate"].dropna()
    assert ((units > 0) & (units <= 1)).all()


def test_method_note_is_its_own_download_in_either_flavour(
    analyst: FlaskClient, app: Flask
) -> None:
    vi = read_vi(analyst.get(f"{EXPORTS}/responses-method-note.csv?unit=439-son-giang").data)
    assert list(vi.columns) == ["Mục", "Nội dung"]
    note = dict(zip(vi["Mục"], vi["Nội dung"], strict=True))
    assert "sipas-commune phiên bản 2021.2" in note["Bảng hỏi"]
    assert "unit=439-son-giang" in note["Bộ lọc"]
    plain = read_plain(analyst.get(f"{EXPORTS}/estimates-method-note.csv?flavour=plain").data)
    assert "Tham số tái lập" in plain["Mục"].tolist()
    kinds = [(e.detail["kind"], e.detail["flavour"]) for e in events(app, "export")]
    assert kinds == [("responses_method_note", "vi"), ("estimates_method_note", "plain")]


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("responses.csv?flavour=excel", "&#39;flavour&#39; không hợp lệ"),
        ("estimates.csv?flavour=", None),
        ("responses.xlsx?flavour=vi", "&#39;flavour&#39; chỉ dùng cho tệp CSV"),
        ("estimates-method-note.csv?flavour=us", "&#39;flavour&#39; không hợp lệ"),
    ],
)
def test_unknown_flavours_are_refused(analyst: FlaskClient, path: str, message: str | None) -> None:
    reply = analyst.get(f"{EXPORTS}/{path}")
    if message is None:  # empty: the default flavour
        assert reply.status_code == 200
        assert reply.data.decode("utf-8-sig").startswith("unit_code;")
        return
    assert reply.status_code == 400
    assert message in reply.text


def test_xlsx_sheets_are_vietnamese_and_numbers_are_numbers(analyst: FlaskClient) -> None:
    data = analyst.get(f"{EXPORTS}/responses.xlsx?unit=439-son-tay").data
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Phiếu trả lời", "Bảng mã biến", "Ghi chú phương pháp"]
    sheet = workbook["Phiếu trả lời"]
    header = [cell.value for cell in sheet[1]]
    row = sheet[2]
    cell = dict(zip(header, row, strict=True))
    assert cell["weight"].data_type == "n"
    assert isinstance(cell["weight"].value, float)
    assert isinstance(cell["response_id"].value, int)
    assert isinstance(cell["access_1"].value, int)  # a 1–5 answer code, summable
    assert cell["field"].data_type == "s"  # a text code stays text
    submitted = cell["submitted_at"].value
    assert isinstance(submitted, dt.datetime)
    assert cell["submitted_at"].number_format == "dd/mm/yyyy hh:mm:ss"
    codebook = {r[0]: r for r in workbook["Bảng mã biến"].values}
    assert codebook["submitted_at"][1] == "Thời điểm gửi (giờ địa phương)"
    # The local time of the same response in the plain CSV.
    plain = read_plain(analyst.get(f"{EXPORTS}/responses.csv?unit=439-son-tay&flavour=plain").data)
    first = pd.Timestamp(plain["submitted_at"].iloc[0]).tz_convert(ZONE).tz_localize(None)
    assert submitted == first.to_pydatetime()
    estimates = openpyxl.load_workbook(io.BytesIO(analyst.get(f"{EXPORTS}/estimates.xlsx").data))
    assert estimates.sheetnames == ["Ước lượng", "Ghi chú phương pháp"]
    values = [r[6] for r in estimates["Ước lượng"].iter_rows(min_row=2, values_only=True)]
    # Numbers, never text (a share of exactly 1 comes back from the file as the int 1).
    assert all(isinstance(v, int | float) for v in values if v is not None)
    assert any(isinstance(v, float) for v in values)


def test_sheet_titles_keep_diacritics_within_excels_rules() -> None:
    assert sheet_title("Chỉ số CCHC") == "Chỉ số CCHC"
    assert sheet_title("Ghi chú phương pháp") == "Ghi chú phương pháp"
    assert sheet_title("Kết quả: xã/phường [2021]?") == "Kết quả xã phường 2021"
    long = sheet_title("Chỉ số hài lòng của người dân theo từng thủ tục hành chính")
    assert len(long) <= 31
    assert long == "Chỉ số hài lòng của người dân"
    assert sheet_title("'Trích'") == "Trích"
    assert sheet_title("***") == "Trang"
    workbook = openpyxl.Workbook()
    for name in ("Chỉ số CCHC", long):
        workbook.create_sheet(name)  # openpyxl refuses a name Excel would refuse
