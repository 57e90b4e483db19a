"""A dropped connection in Debian's Chromium (Playwright ``set_offline``): the answers are kept,
the citizen is told so in Vietnamese, and the send is retried and delivered exactly once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from playwright.sync_api import BrowserContext, Page, sync_playwright

from survey_app.db import session_scope
from survey_app.responses.models import Response
from tests.collection.browsing import CHROMIUM_ARGS, PHONE, answer_page, chromium_path, tap
from tests.factories.demo import FULL_ANSWERS, demo_link

OFFLINE_MESSAGE = "Mất kết nối mạng. Các câu trả lời của Ông/Bà vẫn được giữ trên máy này"


@pytest.fixture
def context() -> Iterator[BrowserContext]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
        finally:
            browser.close()


def _rows(app: Flask) -> list[Response]:
    with app.app_context(), session_scope() as session:
        return list(session.scalars(sa.select(Response)))


def _to_last_page(page: Page) -> None:
    for _ in range(12):
        answer_page(page)
        if page.get_by_role("button", name="Gửi phiếu", exact=True).count():
            return
        tap(page, "Tiếp tục")
    raise AssertionError("no last page")


@pytest.mark.browser
def test_send_while_offline_is_kept_retried_and_stored_once(
    live_any_app: tuple[Flask, str], context: BrowserContext, tmp_path: Path
) -> None:
    app, base_url = live_any_app
    link = demo_link(app)
    page = context.new_page()
    page.set_default_timeout(8000)
    page.goto(f"{base_url}/s/{link.token}")
    _to_last_page(page)
    context.set_offline(True)
    page.get_by_role("button", name="Gửi phiếu", exact=True).click()
    message = page.locator("#offline")
    message.wait_for(state="visible")
    assert OFFLINE_MESSAGE in message.inner_text()
    page.screenshot(path=str(tmp_path / "offline.png"))
    page.wait_for_timeout(2500)  # a few retries fail while the line is down
    assert "/r/" not in page.url
    assert _rows(app) == []
    context.set_offline(False)
    page.wait_for_url("**/r/**", timeout=20000)
    rows = _rows(app)
    assert len(rows) == 1
    assert rows[0].receipt_code == page.locator("#receipt-code").inner_text()
    assert rows[0].answers == FULL_ANSWERS
    assert page.evaluate("Object.keys(localStorage).length") == 0  # the draft is cleared


@pytest.mark.browser
def test_next_while_offline_waits_and_keeps_the_page(
    live_app: tuple[Flask, str], context: BrowserContext
) -> None:
    app, base_url = live_app
    link = demo_link(app)
    page = context.new_page()
    page.set_default_timeout(8000)
    page.goto(f"{base_url}/s/{link.token}")
    answer_page(page)
    context.set_offline(True)
    page.get_by_role("button", name="Tiếp tục", exact=True).click()
    page.locator("#offline").wait_for(state="visible")
    assert OFFLINE_MESSAGE in page.locator("#offline").inner_text()
    assert page.locator('input[name=field][value="ho_tich"]').is_checked()
    with page.expect_navigation(timeout=20000):
        context.set_offline(False)
    assert page.locator('input[name="page"]').input_value() == "1"
    assert page.locator("input[type=hidden][name=field]").input_value() == "ho_tich"


@pytest.mark.browser
def test_background_sync_delivers_after_the_tab_is_closed(
    live_app: tuple[Flask, str], context: BrowserContext
) -> None:
    """Chromium's Background Sync, fired through DevTools (as the browser does when the
    connection returns): the service worker sends the queued answers with no page open."""
    app, base_url = live_app
    link = demo_link(app)
    page = context.new_page()
    page.set_default_timeout(8000)
    page.goto(f"{base_url}/s/{link.token}")
    _to_last_page(page)
    context.set_offline(True)
    page.get_by_role("button", name="Gửi phiếu", exact=True).click()
    page.locator("#offline").wait_for(state="visible")
    # Queued in IndexedDB and a sync registered with the worker.
    for _ in range(50):
        if context.service_workers:
            break
        page.wait_for_timeout(100)
    assert context.service_workers
    assert _rows(app) == []
    other = context.new_page()  # a DevTools session needs a page; this one is not the form
    page.close()  # from here on, only the worker can deliver
    context.set_offline(False)
    other.goto(f"{base_url}/healthz")
    devtools = context.new_cdp_session(other)
    registrations: list[str] = []
    devtools.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.extend(r["registrationId"] for r in event["registrations"]),
    )
    devtools.send("ServiceWorker.enable")
    for _ in range(50):
        if registrations:
            break
        other.wait_for_timeout(100)
    assert registrations
    # Chromium may already have fired the sync by itself when the line came back; firing it
    # again is harmless (the same submission id), and makes the test independent of timing.
    devtools.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": base_url,
            "registrationId": registrations[0],
            "tag": "survey-outbox",
            "lastChance": False,
        },
    )
    deadline = time.monotonic() + 10
    while not _rows(app) and time.monotonic() < deadline:
        other.wait_for_timeout(200)
    rows = _rows(app)
    assert len(rows) == 1
    assert rows[0].answers == FULL_ANSWERS
