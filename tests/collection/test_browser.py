"""End to end in Debian's headless Chromium at a phone viewport: link → pages → submit → receipt.

The app runs for real on a loopback port (werkzeug server in a thread, CSRF on, a fresh SQLite
file), and Playwright drives the system Chromium through ``executable_path``: never a browser
downloaded by a test tool.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Page, ViewportSize, sync_playwright
from werkzeug.serving import make_server

from survey_app.db import session_scope
from survey_app.responses.models import Response
from tests.conftest import make_app
from tests.factories.demo import FULL_ANSWERS, DemoLink, demo_link

PHONE = ViewportSize(width=360, height=740)
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {path!r}: install Debian's package "
            "(apt-get install chromium) or set CHROMIUM_PATH; the browser test is not optional."
        )
    return path


@pytest.fixture
def live_app(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """The app served on a free loopback port with CSRF enforced, as in production."""
    app = make_app(sqlite_url, tmp_path, TESTING=False, WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        app.extensions["db_engine"].dispose()


def no_horizontal_scroll(page: Page) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= PHONE["width"]


def answer_page(page: Page) -> list[str]:
    """Tap the label of FULL_ANSWERS' choice for every question shown; returns their names."""
    names = []
    for fieldset in page.locator("form fieldset").all():
        name = (fieldset.get_attribute("id") or "").removeprefix("q-")
        names.append(name)
        if name not in FULL_ANSWERS:
            continue  # optional question left blank, as many citizens will
        code = FULL_ANSWERS[name]
        fieldset.locator(f'label.opt:has(input[value="{code}"])').click()
        assert fieldset.locator(f'input[value="{code}"]').is_checked(), name
    return names


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
            assert page.title() == questionnaire.title["vi"]
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
                submit = page.get_by_role("button", name="Gửi phiếu")
                if submit.count():
                    submit.click()
                    break
                page.get_by_role("button", name="Tiếp tục").click()

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
