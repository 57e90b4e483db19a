"""Paper questionnaires: serials with a check digit, batches that never overlap, A4 sheets
generated from the round's questionnaire with skip rules in words and a QR of the serial."""

from __future__ import annotations

import io
import re
import threading

import pytest
import sqlalchemy as sa
import zxingcpp
from flask import Flask
from PIL import Image

from survey_app.db import session_scope
from survey_app.demo.setup import DEMO_ROUND
from survey_app.paper.layout import number_questions, paper_sections
from survey_app.paper.models import PaperBatch
from survey_app.paper.serials import (
    SerialProblem,
    issue_batch,
    luhn_digit,
    parse_serial,
    serial_text,
)
from survey_app.rounds.qr import qr_png
from survey_app.rounds.services import round_by_code
from survey_app.staff.models import User
from survey_app.units.models import AdminUnit
from tests.conftest import make_app
from tests.factories.demo import demo_link
from tests.factories.staff import logged_in_client, make_user

PAPER = f"/staff/rounds/{DEMO_ROUND}/paper/"


def test_luhn_digits_match_the_published_example() -> None:
    # ISO/IEC 7812's worked example: 7992739871 has check digit 3.
    assert luhn_digit(7992739871) == 3
    assert serial_text(125) == "0001250"[:6] + str(luhn_digit(125))
    assert parse_serial(serial_text(125)) == 125


def test_every_single_digit_typo_and_neighbour_swap_is_caught() -> None:
    for number in (1, 42, 1250, 987654):
        text = serial_text(number)
        for position in range(7):
            for digit in "0123456789":
                typo = text[:position] + digit + text[position + 1 :]
                if typo != text:
                    assert parse_serial(typo) is None, typo
        for position in range(6):
            swapped = text[:position] + text[position + 1] + text[position] + text[position + 2 :]
            # Luhn misses only the 09 ↔ 90 swap.
            if swapped != text and {text[position], text[position + 1]} != {"0", "9"}:
                assert parse_serial(swapped) is None, swapped
    assert parse_serial("12 3") is None
    assert parse_serial("００００１２５") is None  # full-width digits are not typed serials


def test_skip_rules_are_written_in_words(app: Flask) -> None:
    questionnaire = app.extensions["questionnaires"].get("sipas-commune", "2021.1")
    numbers = number_questions(questionnaire)
    skips = {
        item.question.name: item.skip
        for part in paper_sections(questionnaire)
        for block in part.blocks
        for item in block.questions
    }
    made = numbers["feedback_made"]
    assert skips["feedback_1"] == f"Chỉ trả lời nếu ở câu {made} Ông/Bà chọn “Có”."
    assert skips["access_1"] is None
    grids = [b for part in paper_sections(questionnaire) for b in part.blocks if b.grid_choices]
    assert grids  # the rating items are printed as grids
    assert all(len(block.questions) >= 2 for block in grids)


def test_officer_issues_and_prints_a_batch(app: Flask) -> None:
    demo_link(app)
    officer = logged_in_client(app, "district_officer")
    assert officer.get(PAPER).status_code == 200
    reply = officer.post(PAPER, data={"unit": "439-son-giang", "count": "3"})
    assert reply.status_code == 302, reply.text
    sheet = officer.get(reply.headers["Location"])
    assert sheet.status_code == 200
    serials = re.findall(r"Số (\d{7})</div>", sheet.text)
    assert serials == [serial_text(1), serial_text(2), serial_text(3)]
    assert sheet.text.count('<section class="sheet">') == 3
    assert "UBND xã Sơn Giang" in sheet.text
    assert "Chỉ trả lời nếu ở câu" in sheet.text
    second = officer.post(PAPER, data={"unit": "439-pho-chau", "count": "2"})
    page = officer.get(second.headers["Location"])
    assert re.findall(r"Số (\d{7})</div>", page.text) == [serial_text(4), serial_text(5)]
    assert "UBND thị trấn Phố Châu" in page.text


def test_the_qr_on_a_sheet_reads_back_as_its_serial() -> None:
    image = Image.open(io.BytesIO(qr_png(serial_text(77))))
    assert [result.text for result in zxingcpp.read_barcodes(image)] == [serial_text(77)]


def test_bad_counts_are_refused_in_vietnamese(app: Flask) -> None:
    demo_link(app)
    officer = logged_in_client(app, "district_officer")
    for count in ("0", "501", "99999999999999999999", "²", "-1"):
        reply = officer.post(PAPER, data={"unit": "439-son-giang", "count": count})
        assert reply.status_code == 422, count
    assert "Từ 1 đến 500 phiếu mỗi lần in." in reply.text
    with app.app_context(), session_scope() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PaperBatch)) == 0


def test_commune_officer_prints_for_their_own_unit_only(app: Flask) -> None:
    demo_link(app)
    own = logged_in_client(app, "commune_officer", "439-son-giang")
    assert own.post(PAPER, data={"unit": "439-pho-chau", "count": "1"}).status_code == 422
    reply = own.post(PAPER, data={"unit": "439-son-giang", "count": "1"})
    assert reply.status_code == 302
    district = logged_in_client(app, "district_officer")
    other = district.post(PAPER, data={"unit": "439-pho-chau", "count": "1"})
    neighbour = logged_in_client(app, "commune_officer", "439-son-ham")
    assert neighbour.get(other.headers["Location"]).status_code == 403


@pytest.mark.postgres
def test_concurrent_batches_never_share_a_serial(postgres_url: str, tmp_path: object) -> None:
    app = make_app(postgres_url, tmp_path)  # type: ignore[arg-type]
    try:
        demo_link(app)
        make_user(app, "printer", "district_officer")
        errors: list[BaseException] = []

        def issue() -> None:
            try:
                with app.app_context(), session_scope() as session:
                    survey_round = round_by_code(session, DEMO_ROUND)
                    unit = session.scalars(
                        sa.select(AdminUnit).where(AdminUnit.code == "439-son-giang")
                    ).one()
                    actor = session.scalars(sa.select(User)).one()
                    assert survey_round is not None
                    for _ in range(5):
                        issue_batch(session, survey_round, unit, 7, actor)
                        session.commit()
            except BaseException as error:  # reported to the main thread
                errors.append(error)

        threads = [threading.Thread(target=issue) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with app.app_context(), session_scope() as session:
            ranges = sorted(
                (b.first_serial, b.last_serial) for b in session.scalars(sa.select(PaperBatch))
            )
        assert len(ranges) == 20
        covered = [n for first, last in ranges for n in range(first, last + 1)]
        assert covered == list(range(1, 141))
    finally:
        app.extensions["db_engine"].dispose()


def test_a_unit_outside_the_round_gets_no_serials(app: Flask) -> None:
    demo_link(app)
    make_user(app, "printer", "district_officer")
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        merged = session.scalars(
            sa.select(AdminUnit).where(AdminUnit.code == "439-son-quang")
        ).one()
        actor = session.scalars(sa.select(User)).one()
        with pytest.raises(SerialProblem, match="không tham gia"):
            issue_batch(session, survey_round, merged, 5, actor)
