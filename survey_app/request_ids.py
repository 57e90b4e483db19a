"""A request id for every request: in the ``X-Request-ID`` header, in the log line of any
failure and on the error page, so that an officer can quote it and we can find the traceback.

A well-formed id set by the proxy in front (nginx's ``$request_id``) is kept, so the proxy's
log and ours name the same request; anything else is replaced by a random one.
"""

from __future__ import annotations

import re
import secrets

from flask import Flask, Response, g, request

HEADER = "X-Request-ID"
# fullmatch: a header value must not smuggle newlines or text into the log line.
_WELL_FORMED = re.compile(r"[A-Za-z0-9-]{8,64}")


def current() -> str:
    """This request's id (made on first use, so that errors raised early have one too)."""
    request_id: str | None = g.get("request_id")
    if request_id is None:
        offered = request.headers.get(HEADER, "")
        request_id = offered if _WELL_FORMED.fullmatch(offered) else secrets.token_hex(8)
        g.request_id = request_id
    return request_id


def _add_header(response: Response) -> Response:
    response.headers[HEADER] = current()
    return response


def init_app(app: Flask) -> None:
    app.after_request(_add_header)
