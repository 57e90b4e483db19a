"""A shared tablet in Debian's Chromium: citizen B after citizen A, kiosk mode, and nothing
typed lost to a reload or a change of language."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import Browser, Error, Page, expect

from survey_app.db import session_scope
from survey_app.responses.models import Response
from survey_app.rounds.links import kiosk_code, resolve_token
from tests.collection.browsing import (
    PHONE,
    answer_all,
    answer_page,
    tap,
)
from tests.factories.demo import FULL_ANSWERS, demo_link

A_ANSWERS = dict(FULL_ANSWERS, dossier_code="HS-A-2021-0042", comment="Bí mật của người A")
B_ANSWERS = dict(FULL_ANSWERS, field="dat_dai", overall="2", sex="1", comment="Ý kiến của B")


def _rows(app: Flask) -> list[Response]:
    with app.app_context(), session_scope() as session:
        return list(session.scalars(sa.select(Response).order_by(Response.id)))


def _new_page(browser: Browser, javascript: bool = True) -> Page:
    context = browser.new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, java_script_enabled=javascript
    )
    page = context.new_page()
    page.set_default_timeout(8000)
    return page


def _settled_html(page: Page) -> str:
    for _ in range(20):
        try:
            page.wait_for_load_state("load")
            return page.content()
        except Error:
            page.wait_for_timeout(200)  # still navigating (a redirect to a fresh form)
    raise AssertionError(f"{page.url} never settled")


def _shows_nothing_of_a(page: Page, receipt_a: str) -> None:
    html = _settled_html(page)
    for secret in ("HS-A-2021-0042", "Bí mật của người A", receipt_a):
        assert secret not in html, page.url
    if page.locator("form#survey").count():
        assert page.locator("form#survey input:checked").count() == 0, page.url
        assert page.locator("form#survey input[type=text]").evaluate_all(
            "boxes => boxes.every(box => box.value === '')"
        )


@pytest.mark.browser
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_next_citizen_pressing_back_reads_nothing_and_gets_their_own_receipt(
    live_any_app: tuple[Flask, str], browser: Browser, javascript: bool
) -> None:
    app, base_url = live_any_app
    link = demo_link(app)
    page = _new_page(browser, javascript)
    page.goto(f"{base_url}/s/{link.token}")
    answer_all(page, A_ANSWERS)
    page.wait_for_url("**/r/**")
    receipt_a = page.locator("#receipt-code").inner_text()

    # Citizen B takes the tablet and presses Back until the browser can go no further.
    for _ in range(12):
        try:
            moved = page.go_back()
        except Error:
            moved = True  # a page that was a POST answer is not kept: Chromium's error page
        _shows_nothing_of_a(page, receipt_a)
        if page.url.endswith(link.token) or moved is None:
            break
    # Back has reached the first page: a fresh questionnaire, served again, nothing restored.
    assert page.url.endswith(link.token)
    assert page.locator('input[name="page"]').input_value() == "0"
    answer_all(page, B_ANSWERS)
    page.wait_for_url("**/r/**")
    receipt_b = page.locator("#receipt-code").inner_text()

    rows = _rows(app)
    assert [row.receipt_code for row in rows] == [receipt_a, receipt_b]
    assert rows[0].answers["comment"] == "Bí mật của người A"
    assert rows[1].answers["comment"] == "Ý kiến của B"
    assert rows[1].answers["field"] == "dat_dai"


@pytest.mark.browser
def test_stale_last_page_sends_its_own_response(
    live_any_app: tuple[Flask, str], browser: Browser
) -> None:
    """A's last page kept open in a second tab (a stale page that shows): B changes it and
    sends; B gets B's receipt and A's row is untouched. (A's dossier code on such a page is
    refused as already rated, with everything kept: test_survey_flow.py.)"""
    app, base_url = live_any_app
    link = demo_link(app)
    a_answers = {k: v for k, v in A_ANSWERS.items() if k != "dossier_code"}
    page = _new_page(browser)
    page.goto(f"{base_url}/s/{link.token}")
    for _ in range(12):
        if page.get_by_role("button", name="Gửi phiếu", exact=True).count():
            break
        answer_page(page, a_answers)
        tap(page, "Tiếp tục")
    answer_page(page, a_answers)
    stale = page.context.new_page()
    stale.goto(f"{base_url}/healthz")
    stale.set_content(page.content())  # the same form, fields and all, as a cached copy would
    tap(page, "Gửi phiếu")
    receipt_a = page.locator("#receipt-code").inner_text()
    answer_page(stale, dict(a_answers, comment="Ý kiến của B"))
    with stale.expect_navigation(url="**/r/**"):
        stale.get_by_role("button", name="Gửi phiếu", exact=True).click()
    receipt_b = stale.locator("#receipt-code").inner_text()
    assert receipt_b != receipt_a
    rows = _rows(app)
    assert [row.answers["comment"] for row in rows] == ["Bí mật của người A", "Ý kiến của B"]


@pytest.mark.browser
def test_kiosk_returns_to_a_fresh_questionnaire(
    live_app: tuple[Flask, str], browser: Browser
) -> None:
    app, base_url = live_app
    link = demo_link(app)
    with app.test_request_context(), session_scope() as session:
        survey_link = resolve_token(session, link.token)
        assert survey_link is not None
        code = kiosk_code(survey_link)
    page = _new_page(browser)
    page.goto(f"{base_url}/s/{link.token}?kiosk={code}")
    answer_all(page, A_ANSWERS)
    page.wait_for_url("**/r/**")
    receipt_a = page.locator("#receipt-code").inner_text()
    assert page.get_by_text("Phiếu mới cho người tiếp theo sẽ tự mở sau 2 giây").is_visible()
    assert page.get_by_role("link", name="Bắt đầu phiếu mới").is_visible()
    page.wait_for_url(f"**/s/{link.token}?**kiosk={code}**", timeout=6000)
    assert page.locator('input[name="page"]').input_value() == "0"
    _shows_nothing_of_a(page, receipt_a)
    # The next citizen's receipt returns as well: the flag stays with the form.
    answer_all(page, B_ANSWERS)
    page.wait_for_url("**/r/**")
    assert page.get_by_role("button", name="Ở lại trang này").is_visible()
    page.get_by_role("button", name="Ở lại trang này").click()
    page.wait_for_timeout(3000)
    assert "/r/" in page.url
    assert len(_rows(app)) == 2


@pytest.mark.browser
def test_reload_and_language_switch_keep_every_answer(
    live_app: tuple[Flask, str], browser: Browser
) -> None:
    app, base_url = live_app
    link = demo_link(app)
    page = _new_page(browser)
    page.goto(f"{base_url}/s/{link.token}")
    page.locator('label.opt:has(input[name=field][value="xay_dung"])').click()
    page.locator("#dossier_code").fill("HS-77")
    page.reload()
    assert page.locator('input[name=field][value="xay_dung"]').is_checked()
    assert page.locator("#dossier_code").input_value() == "HS-77"
    tap(page, "Tiếp tục")
    page.locator('label.opt:has(input[name=access_1][value="5"])').click()
    tap(page, "English")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Access to public administrative services"
    assert page.locator('input[name=access_1][value="5"]').is_checked()
    page.locator('label.opt:has(input[name=access_2][value="3"])').click()
    page.reload()
    assert page.locator('input[name=access_2][value="3"]').is_checked()
    tap(page, "Back")
    assert page.locator('input[name=field][value="xay_dung"]').is_checked()
    assert page.locator("#dossier_code").input_value() == "HS-77"


@pytest.mark.browser
def test_kiosk_wipes_an_abandoned_questionnaire_after_a_warning(
    live_kiosk_app: tuple[Flask, str], browser: Browser
) -> None:
    app, base_url = live_kiosk_app
    link = demo_link(app)
    with app.test_request_context(), session_scope() as session:
        survey_link = resolve_token(session, link.token)
        assert survey_link is not None
        code = kiosk_code(survey_link)
    page = _new_page(browser)
    page.goto(f"{base_url}/s/{link.token}?kiosk={code}")
    page.locator('label.opt:has(input[name=field][value="xay_dung"])').click()
    page.locator("#dossier_code").fill("HS-A-2021-0042")
    warning = page.locator("#kiosk-idle")
    warning.wait_for(state="visible", timeout=6000)
    assert "các câu trả lời sẽ được xóa" in warning.inner_text()
    page.get_by_role("button", name="Tôi vẫn đang trả lời").click()  # any touch counts
    assert warning.is_hidden()
    assert page.locator("#dossier_code").input_value() == "HS-A-2021-0042"
    # Walked away: the warning comes back, then a fresh questionnaire replaces it.
    warning.wait_for(state="visible", timeout=6000)
    # Polled from Python: a string predicate would be eval'd in the page, which the CSP forbids.
    expect(page.locator("#dossier_code")).to_have_value("", timeout=8000)
    page.wait_for_load_state("load")
    _shows_nothing_of_a(page, "no receipt yet")
    assert page.locator('input[name="page"]').input_value() == "0"
    assert page.evaluate("Object.keys(localStorage).length") == 0
