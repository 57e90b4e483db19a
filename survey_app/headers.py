"""Security headers on every response (Flask-Talisman), and no caching of pages.

* Content-Security-Policy: scripts only from this origin (the pages use none, and no inline
  script is allowed); inline styles are allowed because the pages carry their styles inline (one
  request on a slow 3G connection) and set bar widths with ``style``; images from this origin
  and ``data:`` (the empty favicon); forms post only here; no framing (``frame-ancestors
  'none'``, and ``X-Frame-Options: DENY`` for old browsers).
* Referrer-Policy ``no-referrer``: survey tokens and receipt ids are in URLs, and a link followed
  from a page must not carry them to another site.
* ``X-Content-Type-Options: nosniff``; HSTS on HTTPS requests (Talisman sends it only then).
* ``Cache-Control: no-store`` unless a view chose its own: citizen pages hold answers and staff
  pages hold data that a shared or back-button cache must not keep.

HTTPS itself is the front proxy's job (``deploy/nginx``); Talisman does not redirect.
"""

from __future__ import annotations

from flask import Flask, Response
from flask_talisman import Talisman

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


def _no_store(response: Response) -> Response:
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    # One Talisman per app: it keeps a reference to its app, and tests build many apps.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,
        strict_transport_security=True,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="no-referrer",
        # Talisman would otherwise force these cookie settings; they are configuration here.
        session_cookie_secure=bool(app.config["SESSION_COOKIE_SECURE"]),
        session_cookie_http_only=bool(app.config["SESSION_COOKIE_HTTPONLY"]),
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        force_file_save=False,
    )
    app.after_request(_no_store)
