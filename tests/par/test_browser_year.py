"""The PAR year in Debian's headless Chromium at laptop size, CSRF on: the district officer
sets up the council, the assigned member appraises, the secretary closes, the chairman
approves in bulk, confirms and publishes, and anyone reads the public page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, ViewportSize, sync_playwright

from survey_app.db import session_scope
from survey_app.demo.setup import DEMO_ROUND
from survey_app.par.publication_models import ParPublication
from survey_app.rounds.models import SurveyRound
from survey_app.sql_types import utcnow
from tests.factories import par as pf
from tests.factories.browser import CHROMIUM_ARGS, chromium_path, served_app
from tests.factories.responses import insert_responses
from tests.factories.staff import PASSWORD, make_user


@pytest.fixture
def live_app(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    with served_app(sqlite_url, tmp_path) as served:
        yield served


LAPTOP = ViewportSize(width=1366, height=768)
UNIT, OTHER = pf.UNITS
SECRETARY = "helper.council_member.district"  # the account pf.appraise acts as


def _prepare(app: Flask) -> None:
    """Both communes submitted; the survey (45 responses each) closed."""
    insert_responses(app, UNIT, 45, seed=3, lean=0.8)
    insert_responses(app, OTHER, 45, seed=5, lean=0.3)
    pf.make_par_round(app, survey_round_code=DEMO_ROUND, council=False)
    for unit in pf.UNITS:
        pf.self_assess(app, unit)
        pf.submit(app, unit)
    with app.app_context(), session_scope() as session:
        survey = session.scalars(sa.select(SurveyRound).where(SurveyRound.code == DEMO_ROUND)).one()
        survey.opens_at = utcnow() - dt.timedelta(days=60)
        survey.closes_at = utcnow() - dt.timedelta(days=1)
        pf.actor(session, "council_member")  # the secretary's account
    make_user(app, "noivu", "district_officer")
    make_user(app, "tv.giang", "council_member")
    make_user(app, "chutich", "chairman")


def _login(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/staff/login")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"]')
    page.wait_for_url("**/staff/**")


def _flash(page: Page) -> str:
    return " ".join(page.locator("p.flash").all_inner_texts())


@pytest.mark.browser
def test_the_par_year_in_a_browser(live_app: tuple[Flask, str]) -> None:
    app, base = live_app
    _prepare(app)
    round_url = f"{base}/staff/par/{pf.ROUND}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=LAPTOP)
            page.set_default_timeout(10000)

            # 1. Phòng Nội vụ: the decision, two members, Sơn Giang assigned to one of them.
            _login(page, base, "noivu")
            page.goto(f"{round_url}/")
            page.get_by_role("link", name="Hội đồng thẩm định").click()
            page.fill('input[name="number"]', "125/QĐ-UBND")
            page.fill('input[name="date"]', "28/10/2021")
            page.fill('input[name="signer"]', "Chủ tịch UBND huyện Hương Sơn")
            page.set_input_files(
                'input[name="pdf"]',
                files=[
                    {
                        "name": "qd-125.pdf",
                        "mimeType": "application/pdf",
                        "buffer": b"%PDF-1.4\n%%EOF\n",
                    }
                ],
            )
            page.get_by_role("button", name="Lưu quyết định thành lập").click()
            assert "Đã lưu quyết định" in _flash(page)
            for username, role in (("tv.giang", "member"), (SECRETARY, "secretary")):
                option = page.locator('select[name="user_id"] option', has_text=f"({username})")
                page.select_option('select[name="user_id"]', value=option.get_attribute("value"))
                page.select_option('select[name="council_role"]', value=role)
                page.get_by_role("button", name="Thêm thành viên").click()
                assert "Đã thêm thành viên" in _flash(page)
            member_box = page.locator(f'input[type="checkbox"][value="{UNIT}"]').first
            member_box.check()
            page.get_by_role("button", name="Lưu phân công").click()
            assert "Đã lưu phân công" in _flash(page)

            # 2. The assigned member appraises Sơn Giang, field by field (1.2 lowered).
            _login(page, base, "tv.giang")
            page.goto(f"{round_url}/{UNIT}/")
            fields = page.get_by_role("link", name="Thẩm định", exact=True).all()
            hrefs = [link.get_attribute("href") for link in fields]
            assert hrefs
            for href in hrefs:
                page.goto(f"{base}{href}")
                for fieldset in page.locator("form fieldset").all():
                    self_score = fieldset.locator('p:has-text("Điểm tự chấm:") strong').inner_text()
                    code = (fieldset.get_attribute("id") or "").removeprefix("item-")
                    value = "0" if code == "1.2" else self_score
                    fieldset.locator(f'input[name="appraised_score-{code}"]').fill(value)
                    if code == "1.2":
                        fieldset.locator(f'textarea[name="reason-{code}"]').fill(
                            "Thiếu báo cáo quý III"
                        )
                page.get_by_role("button", name="Lưu").click()
                assert "Đã lưu điểm thẩm định" in _flash(page), _flash(page)
            page.goto(f"{round_url}/{UNIT}/")
            assert page.get_by_role("button", name="Hoàn tất thẩm định").count() == 0
        finally:
            browser.close()

    # Sơn Hàm is not assigned: the secretary appraises it through the domain (the same
    # rules), so the browser walk stays about the pages that are new.
    pf.appraise(app, OTHER, complete=False)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=LAPTOP)
            page.set_default_timeout(10000)
            # 3. The secretary closes both appraisals and reads the minute.
            _login(page, base, SECRETARY)
            for unit in pf.UNITS:
                page.goto(f"{round_url}/{unit}/")
                page.get_by_role("button", name="Hoàn tất thẩm định").click()
                assert "Đã hoàn tất thẩm định" in _flash(page)
            page.goto(f"{round_url}/{UNIT}/minutes")
            assert "BIÊN BẢN THẨM ĐỊNH" in page.content()
            assert "Thiếu báo cáo quý III" in page.content()

            # 4. The chairman approves both in one action, confirms and publishes.
            _login(page, base, "chutich")
            page.goto(f"{round_url}/")
            page.get_by_role("link", name="Phê duyệt 2 đơn vị đã thẩm định xong").click()
            page.get_by_role("button", name="Phê duyệt các đơn vị đã chọn").click()
            assert "Đã phê duyệt 2 đơn vị" in _flash(page)
            page.get_by_role("link", name="Xem lại và công bố kết quả").click()
            assert "phiên bản 1" in page.content()
            page.fill('input[name="decision_number"]', "3520/QĐ-UBND")
            page.fill('input[name="decision_date"]', "20/11/2021")
            page.get_by_role("button", name="Công bố phiên bản 1").click()
            assert (
                page.locator("form p.error").inner_text()
                == "Đánh dấu ô xác nhận trước khi công bố."
            )
            page.check('input[name="confirm"]')
            page.get_by_role("button", name="Công bố phiên bản 1").click()

            # 5. The public page, without logging in.
            page.wait_for_url(f"**/cong-khai/{pf.ROUND}")
            page.context.clear_cookies()
            page.goto(f"{base}/cong-khai/{pf.ROUND}")
            text = page.locator("main").inner_text()
            assert "Phiên bản 1" in text
            assert "Quyết định số 3520/QĐ-UBND ngày 20/11/2021" in text
            assert "n=45" in text
            assert "Cách tính, nói ngắn gọn" in text
            with page.expect_download() as download:
                page.get_by_role("link", name="XLSX").click()
            assert download.value.suggested_filename.endswith("phien-ban-1.xlsx")
        finally:
            browser.close()

    with app.app_context(), session_scope() as session:
        (publication,) = session.scalars(sa.select(ParPublication)).all()
        rows = {row["unit_code"]: row for row in publication.snapshot["rows"]}
    assert rows[UNIT]["appraised"] == 69.0
    assert rows[UNIT]["satisfaction"]["n"] == 45
    assert rows[OTHER]["satisfaction"]["n"] == 45
