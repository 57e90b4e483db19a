"""One form load, one response: the signed token a questionnaire carries from GET to submit.

When the form is loaded the server picks the submission id and signs it, with the link and the
moment of loading, into the page's ``started_at`` field. Every POST must carry back a token
that names its own link and submission id. Because ``submission_id`` is unique in the
database (``collection.recording``), a load can store at most one response: replaying it
returns the first receipt, and a fresh submission id no longer matches the signature. A new
questionnaire needs a new GET, which the per-client and per-link limits count.

The start time is the token's own signed timestamp, so the duration used by the "too fast"
quality flag comes from the server's clock and cannot be edited in the form.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from survey_app.security import derived_key

_SALT = "survey-form-load:v1"

#: The token's characters (URL-safe base64 and the dots between its parts), checked on the form
#: with ``fullmatch`` semantics. Its length is bounded by the form field.
TOKEN_PATTERN = r"[A-Za-z0-9_.-]{20,300}\Z"


class FormLoadRefused(ValueError):
    """The posted token is forged, belongs to another link or load, or has expired."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        #: "expired" (ask the citizen to open the link again) or "invalid".
        self.reason = reason


@dataclass(frozen=True)
class FormLoad:
    link_id: str
    submission_id: str
    #: Unix time at which the server rendered the first page.
    started_at: int


def _serializer() -> URLSafeTimedSerializer:
    # A key of its own (derived from SECRET_KEY unless FORM_TOKEN_KEY is set), so a form token
    # can never be mistaken for a session cookie or a link signature.
    return URLSafeTimedSerializer(derived_key("FORM_TOKEN_KEY"), salt=_SALT)


def issue(link_id: str, submission_id: str) -> str:
    """The token for a form just loaded from ``link_id``, good for ``submission_id`` only."""
    return _serializer().dumps([link_id, submission_id])


def verify(token: str, link_id: str, submission_id: str) -> FormLoad:
    """The load ``token`` records, if it was issued for this link and submission id."""
    max_age = int(current_app.config["FORM_LOAD_MAX_AGE_SECONDS"])
    try:
        payload, signed_at = _serializer().loads(token, max_age=max_age, return_timestamp=True)
    except SignatureExpired:
        raise FormLoadRefused("expired") from None
    except BadSignature:
        raise FormLoadRefused("invalid") from None
    if payload != [link_id, submission_id]:
        raise FormLoadRefused("invalid")
    return FormLoad(link_id, submission_id, int(signed_at.timestamp()))


def elapsed_seconds(load: FormLoad, now: float | None = None) -> int | None:
    """Seconds from loading to submitting, or None when the clock says something implausible."""
    elapsed = int((time.time() if now is None else now) - load.started_at)
    limit = int(current_app.config["MAX_PLAUSIBLE_DURATION_SECONDS"])
    return elapsed if 0 <= elapsed <= limit else None
