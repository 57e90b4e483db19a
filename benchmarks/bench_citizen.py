"""Bytes and requests per citizen page, in Debian's Chromium, with and without compression.

One command: ``.venv/bin/python benchmarks/bench_citizen.py [--chromium /usr/bin/chromium]``.

Serves the app on a loopback port (werkzeug in a thread, CSRF on, a fresh SQLite file, the
demo round), then drives headless Chromium at a 360×740 phone viewport through one complete
questionnaire (every page, the final send, the receipt) with JavaScript on, as a citizen's
phone would. A WSGI middleware counts every response's status line, headers and body as the
server sent them (after compression) and every request, to the page the citizen was on when
it was made; requests the browser answered from its cache never reach it.

Two runs in the same process: ``COMPRESS_REGISTER=False`` (the baseline: nothing compressed)
and the app as configured (Flask-Compress, brotli or gzip, whichever Chromium asks for). The
first page costs one or two more requests than the rest: the static script and the service
worker it registers (both cached for a year afterwards, so a second citizen does not pay them).
Target: a complete questionnaire at most 25 KB transferred in all.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any, NamedTuple

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from playwright.sync_api import Page, sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from survey_app import create_app, migrate  # noqa: E402
from tests.collection.browsing import CHROMIUM_ARGS, PHONE, answer_page  # noqa: E402
from tests.factories.demo import demo_link  # noqa: E402

BUDGET_BYTES = 25 * 1024


class Row(NamedTuple):
    label: str
    requests: int
    size: int
    encoding: str
    paths: str


def _app(directory: Path, compress: bool) -> Any:
    url = f"sqlite:///{directory / 'survey.sqlite3'}"
    migrate.upgrade(url)
    config = {
        "SECRET_KEY": "bench-secret",
        "DATABASE_URL": url,
        "TESTING": False,
        "WTF_CSRF_ENABLED": True,
        "PUBLIC_BASE_URL": "http://127.0.0.1",
        "COMPRESS_REGISTER": compress,
    }
    app = create_app(config)
    app.instance_path = str(directory / "instance")
    return app


class WireMeter:
    """WSGI middleware: every response's status line, headers and body as the server sent them
    (after compression), counted to the page the citizen is on."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.label = "page 1"
        self.requests: dict[str, int] = defaultdict(int)
        self.sizes: dict[str, int] = defaultdict(int)
        self.encodings: dict[str, set[str]] = defaultdict(set)
        self.paths: dict[str, list[str]] = defaultdict(list)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        label = self.label
        self.requests[label] += 1
        self.paths[label].append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO'][:24]}")

        def counting_start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
            self.sizes[label] += len(head.encode("latin-1")) + 2
            encoding = {k.lower(): v for k, v in headers}.get("content-encoding", "none")
            self.encodings[label].add(encoding)
            return start_response(status, headers, *args)

        for chunk in self.app(environ, counting_start):
            self.sizes[label] += len(chunk)
            yield chunk


def _walk(page: Page, meter: WireMeter, base_url: str, token: str) -> list[Row]:
    labels = ["page 1"]
    page.goto(f"{base_url}/s/{token}")
    page.wait_for_timeout(500)  # the service worker registered by page 1
    for number in range(2, 20):
        answer_page(page)
        last = page.get_by_role("button", name="Gửi phiếu", exact=True)
        is_last = last.count() > 0
        meter.label = "send + receipt" if is_last else f"page {number}"
        labels.append(meter.label)
        with page.expect_navigation(url="**/r/**" if is_last else None):
            (last if is_last else page.get_by_role("button", name="Tiếp tục")).click()
        page.wait_for_timeout(300)
        if is_last:
            break
    return [
        Row(
            label,
            meter.requests[label],
            meter.sizes[label],
            ",".join(sorted(meter.encodings[label])),
            ", ".join(meter.paths[label]),
        )
        for label in labels
    ]


def measure(chromium: str, compress: bool) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        app = _app(Path(tmp), compress)
        token = demo_link(app).token
        meter = WireMeter(app.wsgi_app)
        app.wsgi_app = meter  # type: ignore[method-assign]
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
                try:
                    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
                    return _walk(page, meter, f"http://127.0.0.1:{server.server_port}", token)
                finally:
                    browser.close()
        finally:
            server.shutdown()
            thread.join(timeout=10)
            server.server_close()
            app.extensions["db_engine"].dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    plain = measure(args.chromium, compress=False)
    packed = measure(args.chromium, compress=True)
    print(f"{'page':<16}{'requests':>9}{'plain B':>10}{'compressed B':>14}{'ratio':>7}  encoding")
    for raw, row in zip(plain, packed, strict=True):
        print(
            f"{row.label:<16}{row.requests:>9}{raw.size:>10}{row.size:>14}"
            f"{row.size / raw.size:>7.2f}  {row.encoding}  ({row.paths})"
        )
    total_plain = sum(row.size for row in plain)
    total = sum(row.size for row in packed)
    requests = sum(row.requests for row in packed)
    print(
        f"{'total':<16}{requests:>9}{total_plain:>10}{total:>14}{total / total_plain:>7.2f}"
        f"  budget {BUDGET_BYTES} B: {'met' if total <= BUDGET_BYTES else 'MISSED'}"
    )
    return 0 if total <= BUDGET_BYTES else 1


if __name__ == "__main__":
    raise SystemExit(main())
