"""Refusing NUL characters anywhere in a request (path, query string, form names and values),
and ids in URLs beyond what the database's integer columns hold.

No page has a use for U+0000, and PostgreSQL cannot store or even compare a text containing it
(psycopg raises before the query is sent): one check here answers 400 for every route instead of
a 500 wherever such a value first meets the database.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from survey_app.bounds import ID_MAX

_NUL = "\x00"


def _has_nul(pairs: MultiDict[str, str]) -> bool:
    return any(_NUL in key or _NUL in value for key, value in pairs.items(multi=True))


def _refuse_nul() -> None:
    if _NUL in request.path or _has_nul(request.args):
        abort(400)
    if request.method in {"POST", "PUT", "PATCH"} and _has_nul(request.form):
        abort(400)


class BoundedInteger(IntegerConverter):
    """``<int:...>`` route parts, at most ID_MAX: a larger one matches no route (404) instead of
    overflowing PostgreSQL's ``integer`` when the view looks the row up (500)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


def init_app(app: Flask) -> None:
    # Before any blueprint registers its rules, so every <int:...> in the app is bounded.
    app.url_map.converters["int"] = BoundedInteger
    app.before_request(_refuse_nul)
