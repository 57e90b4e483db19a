"""Driving Debian's Chromium through the citizen form (Playwright, never a downloaded browser)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from playwright.sync_api import Page, ViewportSize

from tests.factories.browser import CHROMIUM_ARGS, chromium_path
from tests.factories.demo import FULL_ANSWERS

__all__ = ["CHROMIUM_ARGS", "PHONE", "chromium_path"]

PHONE = ViewportSize(width=360, height=740)


def no_horizontal_scroll(page: Page) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= PHONE["width"]


def answer_page(page: Page, answers: Mapping[str, Any] = FULL_ANSWERS) -> list[str]:
    """Tap or type ``answers`` for every question shown; returns the names of those shown."""
    names = []
    for block in page.locator("form fieldset, form div.field").all():
        name = (block.get_attribute("id") or "").removeprefix("q-")
        names.append(name)
        if name not in answers:
            continue  # optional question left blank, as many citizens will
        value = answers[name]
        box = block.locator("input[type=text], input[type=number], textarea")
        if box.count():
            box.fill(str(value))
            continue
        block.locator(f'label.opt:has(input[value="{value}"])').click()
        assert block.locator(f'input[value="{value}"]').is_checked(), name
    return names


def tap(page: Page, button: str) -> None:
    """Tap a form button and wait for the page it leads to (the script may post it later)."""
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()


def answer_all(
    page: Page,
    answers: Mapping[str, Any] = FULL_ANSWERS,
    *,
    send: str = "Gửi phiếu",
    next_: str = "Tiếp tục",
) -> list[str]:
    """Answer every page from the current one and send; returns the headings of the pages."""
    headings = []
    for _ in range(20):
        headings.append(page.locator("h1").inner_text())
        answer_page(page, answers)
        if page.get_by_role("button", name=send, exact=True).count():
            tap(page, send)
            return headings
        tap(page, next_)
    raise AssertionError(f"no last page after {headings}")
