"""Limits on stored responses per client address and per commune link (Flask-Limiter).

Only responses actually stored are counted (``note_stored``), so moving between pages, a
validation error or a retry that gets its first receipt costs nothing; once a limit is reached
every POST to the form is answered 429 until the window moves on.

The defaults (config ``SUBMIT_LIMIT_PER_CLIENT`` and ``SUBMIT_LIMIT_PER_LINK``) let well over
100 citizens behind one commune-office NAT answer in an hour, while a script replaying new form
loads from one address is stopped at that many. Counters live in ``RATELIMIT_STORAGE_URI``:
Redis whenever more than one process serves the app, or each process would count apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from flask import Response as FlaskResponse
from flask import current_app, g, request

from survey_app.security import limiter

V = TypeVar("V", bound=Callable[..., object])


def note_stored() -> None:
    """Count this request against the limits: it stored a new response."""
    g.survey_response_stored = True


def _was_stored(_response: FlaskResponse) -> bool:
    return bool(g.get("survey_response_stored", False))


def _per_client() -> str:
    return str(current_app.config["SUBMIT_LIMIT_PER_CLIENT"])


def _per_link() -> str:
    return str(current_app.config["SUBMIT_LIMIT_PER_LINK"])


def _link_key() -> str:
    # The link id is the token's part before the dot; an invalid token is refused (404) before
    # anything is stored, so it never counts.
    token = str((request.view_args or {}).get("token", ""))
    return "survey-link:" + token.partition(".")[0][:32]


_client_limit = limiter.limit(
    _per_client, methods=["POST"], deduct_when=_was_stored, scope="survey-submit-client"
)
_link_limit = limiter.limit(
    _per_link,
    key_func=_link_key,
    methods=["POST"],
    deduct_when=_was_stored,
    scope="survey-submit-link",
)


def limited(view: V) -> V:
    """Apply both limits to a view that records responses."""
    # Flask-Limiter's decorators keep the view's signature but are typed loosely.
    return cast(V, _client_limit(_link_limit(view)))
