"""Refusing bad input on staff routes: a 400 page that says what was wrong, and an audit entry.

Tampered filters and options are answered with a clear message (never a stack trace, never
data) and recorded, so that probing shows up in the audit log.
"""

from __future__ import annotations

from flask import render_template, request

from survey_app.db import get_session
from survey_app.staff import audit


def refuse(message: str, *, status: int = 400, **detail: object) -> tuple[str, int]:
    """Render the problem page with ``message`` and audit the refused request."""
    session = get_session()
    audit.record(
        session,
        "request_refused",
        target=request.path[:200],
        # Values cut short: a probing request must not bloat the audit log.
        detail={
            "message": message,
            "args": {key[:64]: value[:200] for key, value in request.args.items()},
            **detail,
        },
    )
    session.commit()
    return render_template("staff/problem.html", message=message, status=status), status
