"""Staff tables on a 360 px phone: they scroll inside their box, the page never sideways.

Debian's Chromium at 360 × 740 (as in tests/collection/test_browser.py) opens the monitoring,
targets, results and ranking pages of the demo as a district officer, and checks that
``document.scrollingElement.scrollWidth`` stays within the screen while each wide table can
still be scrolled (its own scrollWidth is larger than its box).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, sync_playwright

from survey_app.demo.par_round import DEMO_PAR_ROUND
from survey_app.demo.setup import DEMO_ROUND
from tests.collection.browsing import PHONE
from tests.factories.browser import CHROMIUM_ARGS, chromium_path, served_app
from tests.factories.staff import PASSWORD, make_user


@pytest.fixture
def live_app(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    with served_app(sqlite_url, tmp_path) as served:
        yield served


R = DEMO_ROUND
PAGES = (
    f"/staff/rounds/{R}/monitoring/",
    f"/staff/rounds/{R}/monitoring/439-pho-chau",
    f"/staff/rounds/{R}/targets/",
    f"/staff/rounds/{R}/results/",
    f"/staff/rounds/{R}/results/439-pho-chau",
    f"/staff/par/{DEMO_PAR_ROUND}/table",
    "/staff/admin/audit",
)


def page_width(page: Page) -> int:
    width: int = page.evaluate("document.scrollingElement.scrollWidth")
    return width


def widest_table_overflow(page: Page) -> int:
    """How far the widest table's content reaches beyond its own box (0: it fits)."""
    overflow: int = page.evaluate(
        "Math.max(0, ...Array.from(document.querySelectorAll('main table'),"
        " t => t.scrollWidth - t.clientWidth))"
    )
    return overflow


@pytest.mark.browser
def test_wide_tables_scroll_inside_their_box_on_a_phone(
    live_app: tuple[Flask, str], tmp_path: Path
) -> None:
    app, base = live_app
    result = app.test_cli_runner().invoke(
        args=["setup-demo", "--qr-dir", str(tmp_path / "qr"), "--sample-responses", "150"]
    )
    assert result.exit_code == 0, result.output
    make_user(app, "admin.phone", "admin")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=PHONE)
            page.goto(f"{base}/staff/login")
            page.fill("input[name=username]", "admin.phone")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/staff/")
            assert page_width(page) <= PHONE["width"]
            scrolled_inside = set()
            for path in PAGES:
                reply = page.goto(base + path)
                assert reply is not None
                assert reply.status == 200, path
                wide = page.evaluate(
                    "Array.from(document.querySelectorAll('body *')).filter(e =>"
                    " e.getBoundingClientRect().right > 361).slice(0, 8).map(e => e.tagName + '.'"
                    " + e.className + ' ' + Math.round(e.getBoundingClientRect().right))"
                )
                assert page_width(page) <= PHONE["width"], (path, wide)
                if widest_table_overflow(page) > 0:
                    scrolled_inside.add(path)
            # The widest tables are really wider than the phone: they scroll in their box.
            assert {PAGES[0], PAGES[3], PAGES[5]} <= scrolled_inside, scrolled_inside
        finally:
            browser.close()
