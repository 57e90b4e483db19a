"""Refusing NUL characters anywhere in a request (path, query string, form names and values).

No page has a use for U+0000, and PostgreSQL cannot store or even compare a text containing it
(psycopg raises before the query is sent): one check here answers 400 for every route instead of
a 500 wherever such a value first meets the database.
"""

from __future__ import annotations

from flask import Flask, abort, request
from werkzeug.datastructures import MultiDict

_NUL = "\x00"


def _has_nul(pairs: MultiDict[str, str]) -> bool:
    return any(_NUL in key or _NUL in value for key, value in pairs.items(multi=True))


def _refuse_nul() -> None:
    if _NUL in request.path or _has_nul(request.args):
        abort(400)
    if request.method in {"POST", "PUT", "PATCH"} and _has_nul(request.form):
        abort(400)


def init_app(app: Flask) -> None:
    app.before_request(_refuse_nul)
