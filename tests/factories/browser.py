"""Debian's Chromium driven by Playwright against the app served on a loopback port.

The app runs for real (werkzeug server in a thread, CSRF on, a fresh SQLite file) and
Playwright starts the system Chromium through ``executable_path``: never a browser downloaded by
a test tool.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import make_app

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


@contextmanager
def served_app(database_url: str, tmp_path: Path, **overrides: Any) -> Iterator[tuple[Flask, str]]:
    """The app on a free loopback port with CSRF enforced, as in production; its base URL."""
    app = make_app(database_url, tmp_path, TESTING=False, WTF_CSRF_ENABLED=True, **overrides)
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
