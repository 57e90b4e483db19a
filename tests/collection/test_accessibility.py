"""axe-core (WCAG 2.0/2.1 A and AA rules) on every citizen page, in Vietnamese and English,
with errors shown and without, in Debian's Chromium; and tap targets of at least 44×44 px."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, Page

from survey_app.db import session_scope
from survey_app.rounds.links import kiosk_code, resolve_token
from tests.collection.browsing import PHONE, answer_all, answer_page, tap
from tests.factories.demo import FULL_ANSWERS, demo_link

WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
WORDS = {
    "vi": {"next": "Tiếp tục", "send": "Gửi phiếu"},
    "en": {"next": "Next", "send": "Submit"},
}


def _violations(page: Page) -> list[dict[str, Any]]:
    results = Axe().run(page, options=WCAG_AA)
    found: list[dict[str, Any]] = results.response["violations"]
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in found]


def _small_targets(page: Page) -> list[str]:
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll('a, button, label.opt, input:not([type=hidden]),'
                + ' textarea')].filter(el => el.offsetParent !== null).filter(el => {
                const box = el.getBoundingClientRect();
                const inLabel = el.closest('label.opt') && el.tagName === 'INPUT';
                return !inLabel && (box.width < 44 || box.height < 44);
            }).map(el => el.outerHTML.slice(0, 80))"""
        )
    )


@pytest.mark.browser
@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_citizen_page_has_no_axe_violations(
    live_app: tuple[Flask, str], browser: Browser, language: str
) -> None:
    app, base_url = live_app
    link = demo_link(app)
    with app.test_request_context(), session_scope() as session:
        survey_link = resolve_token(session, link.token)
        assert survey_link is not None
        kiosk = kiosk_code(survey_link)
    words = WORDS[language]
    page = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.set_default_timeout(8000)
    # The checks can fail: a page with the old faults (unnamed progress bar, thin borders).
    page.set_content(
        '<html lang="vi"><title>x</title><main><div role="progressbar" aria-valuenow="1">'
        '</div><a href="#" style="font-size:9px">English</a></main></html>'
    )
    assert {v["id"] for v in _violations(page)} >= {"aria-progressbar-name"}
    assert _small_targets(page)
    report: dict[str, list[dict[str, Any]]] = {}
    titles: list[str] = []

    def check(name: str) -> None:
        page.wait_for_load_state("load")
        report[name] = _violations(page) + [
            {"id": "target-size-44", "nodes": small} for small in [_small_targets(page)] if small
        ]
        titles.append(page.title())

    page.goto(f"{base_url}/s/{link.token}?lang={language}&kiosk={kiosk}")
    check("first page")
    tap(page, words["next"])
    check("first page, error")
    assert page.title().startswith("Lỗi: " if language == "vi" else "Error: ")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    answer_page(page)
    tap(page, words["next"])
    check("second page")
    tap(page, words["next"])
    check("second page, errors")
    for _ in range(10):
        answer_page(page)
        if page.get_by_role("button", name=words["send"], exact=True).count():
            break
        tap(page, words["next"])
    check("last page")
    tap(page, words["send"])
    page.wait_for_url("**/r/**")
    page.locator("#kiosk-stay").click()  # stop the return to a fresh form while axe reads
    check("kiosk receipt")
    page.goto(f"{base_url}/s/{link.token}?lang={language}")
    answer_all(page, FULL_ANSWERS, send=words["send"], next_=words["next"])
    page.wait_for_url("**/r/**")
    check("receipt")
    page.goto(f"{base_url}/s/{link.token}?lang={language}&stale=1")
    check("fresh questionnaire after a stale page")
    page.goto(f"{base_url}/s/AAAAAAAAAAAA.AAAAAAAAAAAAAAAA?lang={language}")
    check("invalid link")

    assert report == {name: [] for name in report}
    assert len(set(titles[:5])) == 5, titles
