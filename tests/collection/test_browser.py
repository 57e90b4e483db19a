"""End to end in Debian's headless Chromium at a phone viewport: link → pages → submit → receipt.

The app runs for real on a loopback port (werkzeug server in a thread, CSRF on, a fresh SQLite
file), and Playwright drives the system Chromium through ``executable_path``: never a browser
downloaded by a test tool.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import sync_playwright

from survey_app.db import session_scope
from survey_app.responses.models import Response
from tests.collection.browsing import (
    CHROMIUM_ARGS,
    PHONE,
    answer_page,
    chromium_path,
    no_horizontal_scroll,
    tap,
)
from tests.factories.demo import FULL_ANSWERS, DemoLink, demo_link


@pytest.mark.browser
def test_citizen_answers_on_a_phone_and_gets_a_receipt(
    live_app: tuple[Flask, str], tmp_path: Path
) -> None:
    app, base_url = live_app
    link: DemoLink = demo_link(app)
    questionnaire = app.extensions["questionnaires"].get("sipas-commune", "2021.1")
    section_by_label = {section.label["vi"]: section.name for section in questionnaire.sections}

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
            page.set_default_timeout(5000)
            page.goto(f"{base_url}/s/{link.token}")

            assert page.locator("html").get_attribute("lang") == "vi"
            first = questionnaire.sections[0].label["vi"]
            assert (
                page.title()
                == f"{first} (Trang 1/{len(questionnaire.sections)}) – Khảo sát sự hài lòng"
            )
            assert page.get_by_role("button", name="Tiếp tục").is_visible()
            assert page.get_by_text("Trang 1/").is_visible()
            assert page.locator('input[name="csrf_token"]').get_attribute("value")
            page.screenshot(path=str(tmp_path / "first_page.png"))

            visited: list[str] = []
            answered: list[str] = []
            for _ in questionnaire.sections:
                visited.append(section_by_label[page.locator("h1").inner_text()])
                assert no_horizontal_scroll(page), visited[-1]
                answered += answer_page(page)
                if page.get_by_role("button", name="Gửi phiếu").count():
                    tap(page, "Gửi phiếu")
                    break
                tap(page, "Tiếp tục")

            page.wait_for_url("**/r/**")
            assert page.locator("h1").inner_text() == "Cảm ơn Ông/Bà!"
            receipt_code = page.locator("#receipt-code").inner_text()
            assert no_horizontal_scroll(page)
            page.screenshot(path=str(tmp_path / "receipt.png"))
        finally:
            browser.close()

    # feedback_made = "2" (Không): the feedback page is skipped, every other page is shown.
    assert visited == [s.name for s in questionnaire.sections if s.name != "feedback"]
    assert set(FULL_ANSWERS) <= set(answered)
    with app.app_context(), session_scope() as session:
        stored = list(session.scalars(sa.select(Response)))
    assert len(stored) == 1
    assert stored[0].receipt_code == receipt_code
    assert stored[0].answers == FULL_ANSWERS
