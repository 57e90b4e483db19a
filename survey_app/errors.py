"""Friendly error pages: a citizen sees a clear Vietnamese message, never a stack trace."""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from survey_app import request_ids
from survey_app.i18n import translate

# status → (title key, body key)
_PAGES = {
    400: ("bad_request_title", "bad_request_body"),
    404: ("not_found_title", "not_found_body"),
    405: ("method_title", "bad_request_body"),
    413: ("too_large_title", "too_large_body"),
    429: ("rate_limited_title", "rate_limited_body"),
}


def render_message(status: int, title_key: str, body_key: str, **values: object) -> tuple[str, int]:
    html = render_template(
        "message.html", title=translate(title_key), body=translate(body_key, **values)
    )
    return html, status


def _handle_http(error: HTTPException) -> tuple[str, int]:
    status = error.code or 500
    if status == 404 and error.description == "invalid_link":
        return render_message(404, "invalid_link_title", "invalid_link_body")
    title_key, body_key = _PAGES.get(status, ("bad_request_title", "bad_request_body"))
    return render_message(status, title_key, body_key)


def _handle_csrf(_error: CSRFError) -> tuple[str, int]:
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        # No session cookie at all: the browser blocks cookies, and retrying cannot help.
        return render_message(400, "bad_request_title", "cookies_needed_body")
    return render_message(400, "bad_request_title", "csrf_body")


def _handle_unexpected(error: Exception) -> tuple[str, int]:
    # Flask logs nothing once a handler takes the exception: log it here, with the traceback and
    # the request id that the page shows. The route pattern, not the path: a path holds survey
    # tokens and submission ids, which must not tie a log line to a response.
    request_id = request_ids.current()
    rule = request.url_rule.rule if request.url_rule is not None else "(no route)"
    current_app.logger.error(
        "Unhandled exception, request id %s: %s %s",
        request_id,
        request.method,
        rule,
        exc_info=error,
    )
    html = render_template(
        "message.html",
        title=translate("server_error_title"),
        body=translate("server_error_body") + " " + translate("error_reference", id=request_id),
    )
    return html, 500


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(Exception, _handle_unexpected)
