"""The app served for real on a loopback port, for the tests that drive Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, sync_playwright

from tests.factories.browser import CHROMIUM_ARGS, chromium_path, served_app


def _serve(database_url: str, tmp_path: Path, **overrides: Any) -> Iterator[tuple[Flask, str]]:
    with served_app(database_url, tmp_path, **overrides) as served:
        yield served


@pytest.fixture
def live_app(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """The app on a free loopback port with CSRF enforced, as in production (SQLite)."""
    yield from _serve(sqlite_url, tmp_path, KIOSK_RETURN_SECONDS=2)


@pytest.fixture
def live_any_app(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """The same on SQLite and on PostgreSQL, for browser tests that check what was stored."""
    yield from _serve(database_url, tmp_path, KIOSK_RETURN_SECONDS=2)


@pytest.fixture
def live_kiosk_app(sqlite_url: str, tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """Kiosk timings short enough to watch an abandoned questionnaire being wiped."""
    yield from _serve(sqlite_url, tmp_path, KIOSK_IDLE_SECONDS=2, KIOSK_IDLE_WARNING_SECONDS=2)


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless (never a browser downloaded by a test tool)."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
