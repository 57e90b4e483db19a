"""Staff pages read as a Vietnamese office expects: no English, the unit's own kind, one role.

The demo (``flask setup-demo``) is loaded as an officer would see it, every staff page of the
survey is rendered, and its visible text (code values in ``<code>`` left aside) is scanned for
English words that used to leak into labels and notes.
"""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from survey_app.demo.setup import DEMO_ROUND
from tests.factories.staff import login, make_user

#: English words seen on staff pages before (labels, the method note, option lists), and the
#: everyday words around them. Codes, file formats and statistics symbols (n, SE, deff, QR,
#: CSV) are not words here. All lower case; Vietnamese without diacritics never spells them.
_ENGLISH = (
    "method note raking ipf flagged flag suppressed suppress none poststratify rake round "
    "rounds questionnaire weighting weights weight trimming trim bounds design responses "
    "response transactions transaction filters filter format latest reproduce index "
    "warning adjustment cutoff illustrative mean survey target targets cell cells unit "
    "units the and of with all converged yes no true false strata normal small samples "
    "sample export exports login logout action actions details detail user users page "
    "next previous error received submitted created changed computed denied refused "
    "published anonymous"
)
ENGLISH_WORDS = frozenset(_ENGLISH.split())
#: Page text only: scripts, styles and code values (parameters, codes) are not prose.
# The printed posters are the citizens' bilingual A4 sheet (English for visitors, on purpose).
_HIDDEN = re.compile(
    r"<(script|style|code|svg)\b.*?</\1>|<section class=\"poster-sheet\">.*?</section>",
    re.S | re.I,
)
_TAG = re.compile(r"<[^>]+>")
# A token with "_", "/", "." or "-" inside is a code or a path ("survey_app/demo"), not prose.
_TOKEN = re.compile(r"[A-Za-z][\w./:-]*[\w]|[A-Za-z]")
R = DEMO_ROUND


def visible_text(html: str) -> str:
    return unescape(_TAG.sub(" ", _HIDDEN.sub(" ", html)))


def english_words(html: str) -> set[str]:
    words = {token.lower() for token in _TOKEN.findall(visible_text(html)) if token.isalpha()}
    return words & ENGLISH_WORDS


@pytest.fixture
def demo(app: Flask, tmp_path: Path) -> tuple[Flask, dict[str, str]]:
    """The demo as ``setup-demo`` leaves it, and the demo staff's printed passwords."""
    result = app.test_cli_runner().invoke(
        args=["setup-demo", "--qr-dir", str(tmp_path / "qr"), "--sample-responses", "200"]
    )
    assert result.exit_code == 0, result.output
    passwords = dict(re.findall(r"^  (\S+)\s+(\S+)  \(", result.output, re.M))
    assert "noivu" in passwords
    return app, passwords


def client_for(app: Flask, username: str, password: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username, password) == 302
    return client


DISTRICT_PAGES = (
    "/staff/",
    f"/staff/rounds/{R}/monitoring/",
    f"/staff/rounds/{R}/monitoring/439-pho-chau",
    f"/staff/rounds/{R}/targets/",
    f"/staff/rounds/{R}/targets/439-pho-chau",
    f"/staff/rounds/{R}/results/",
    f"/staff/rounds/{R}/results/439-pho-chau",
    f"/staff/rounds/{R}/results/?adjustment=poststratify&trim_lower=0.3&trim_upper=3",
    f"/staff/rounds/{R}/exports/",
    f"/staff/rounds/{R}/posters/",
)
ADMIN_PAGES = ("/staff/admin/users", "/staff/admin/audit")


def test_no_english_on_the_staff_pages_of_the_demo(demo: tuple[Flask, dict[str, str]]) -> None:
    app, passwords = demo
    officer = client_for(app, "noivu", passwords["noivu"])
    admin = client_for(app, "admin", passwords["admin"])
    found = {}
    for client, paths in ((officer, DISTRICT_PAGES), (admin, ADMIN_PAGES)):
        for path in paths:
            reply = client.get(path)
            assert reply.status_code == 200, path
            words = english_words(reply.text)
            if words:
                found[path] = sorted(words)
    assert found == {}


def test_the_scan_catches_english_outside_code() -> None:
    assert english_words("<dt>Ghi chú phương pháp (method note)</dt>") == {"method", "note"}
    assert english_words("<dd>hội tụ có; <span>flagged</span></dd>") == {"flagged"}
    assert english_words("<dd><code>adjustment=rake</code></dd>") == set()
    assert english_words('<a href="/x?round=1" title="t">Xuất dữ liệu</a>') == set()


def test_a_thi_tran_officer_is_called_by_the_unit_kind(demo: tuple[Flask, dict[str, str]]) -> None:
    app, _ = demo
    make_user(app, "canbo.phochau", "commune_officer", "439-pho-chau")
    client = client_for(app, "canbo.phochau", "correct horse battery")
    home = client.get("/staff/").text
    assert "Cán bộ thị trấn" in home
    assert "Cán bộ xã" not in home
    for path in (
        f"/staff/rounds/{R}/monitoring/439-pho-chau",
        f"/staff/rounds/{R}/results/439-pho-chau",
    ):
        reply = client.get(path)
        assert reply.status_code == 200
        assert english_words(reply.text) == set(), path
        assert "Cán bộ xã" not in reply.text


@pytest.mark.parametrize(
    ("username", "shown"),
    [
        ("noivu", "Phòng Nội vụ Hương Sơn"),
        ("chutich", "Chủ tịch UBND huyện"),
        ("xa.songiang", "Cán bộ xã Sơn Giang"),
        ("phantich", "Chuyên viên phân tích"),
    ],
)
def test_the_header_names_the_role_once(
    demo: tuple[Flask, dict[str, str]], username: str, shown: str
) -> None:
    app, passwords = demo
    page = client_for(app, username, passwords[username]).get("/staff/").text
    who = re.search(r'<span class="who">(.*?)<form', page, re.S)
    assert who is not None
    assert " ".join(who.group(1).split()) == shown


def test_numbers_and_dates_on_pages_are_vietnamese(demo: tuple[Flask, dict[str, str]]) -> None:
    app, passwords = demo
    officer = client_for(app, "noivu", passwords["noivu"])
    results = visible_text(officer.get(f"/staff/rounds/{R}/results/").text)
    # The method note: totals grouped with dots, decimals with commas, days day first.
    note = results[results.index("Ghi chú phương pháp") :]
    assert re.search(r"tổng \d{1,3}(\.\d{3})+\)", note), note[:600]
    assert re.search(r"cỡ mẫu hiệu dụng \d{1,3}(\.\d{3})*,\d\b", note), note[:600]
    assert re.search(r"từ 01/01/2021 đến 30/09/2021", note)
    versionless = note.replace("2021.1", "").replace("2021.2", "")
    assert not re.search(r"\b\d+\.\d{1,2}\b(?!\.)", versionless), note[:600]
    assert "95 %" in results
    monitoring = visible_text(officer.get(f"/staff/rounds/{R}/monitoring/").text)
    assert re.search(r"\d+,\d phiếu/ngày", monitoring)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", monitoring)
