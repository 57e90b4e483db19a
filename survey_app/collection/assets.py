"""The citizen pages' static files, addressed by content so they can be cached for good.

``asset_url("survey.js")`` is ``/s/assets/survey.js?v=<first 12 hex of its SHA-256>``: a
changed file gets a new address, so a phone may keep the old one a year without ever running
stale code, and :func:`asset_response` marks exactly the current version immutable.

Served from memory by a view rather than by Flask's static route: ``send_file`` streams, and
a streamed response is not compressed here (``COMPRESS_STREAMS`` is off because Flask-Compress
leaves the streamed file open), while these three files shrink to a third with brotli.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import abort, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

STATIC_DIR = Path(__file__).resolve().parent.parent / "static" / "collection"
ONE_YEAR = 365 * 24 * 3600
MIMETYPES = {
    "survey.js": "text/javascript",
    "outbox-worker.js": "text/javascript",
    "citizen.css": "text/css",
}


@cache
def _asset(name: str) -> tuple[bytes, str]:
    data = (STATIC_DIR / name).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:12]


def asset_url(name: str) -> str:
    return url_for("survey.asset", name=name, v=_asset(name)[1])


def asset_response(name: str) -> WerkzeugResponse:
    if name not in MIMETYPES:
        abort(404)
    data, version = _asset(name)
    response = WerkzeugResponse(data, mimetype=MIMETYPES[name])
    if request.args.get("v") == version:
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"  # an old or missing version: ask again
    return response
