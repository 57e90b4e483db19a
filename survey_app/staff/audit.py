"""Writing the audit log. Each entry is committed with the change it records."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy.orm import Session

from survey_app.staff.models import AuditEvent, User


def record(
    session: Session,
    action: str,
    *,
    target: str = "",
    actor: User | None = None,
    actor_name: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit entry to ``session`` (the caller commits it with the change)."""
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = session.get(User, int(current_user.get_id()))
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        actor_name=actor.username if actor else (actor_name or "anonymous"),
        action=action,
        target=target,
        detail=dict(detail or {}),
        remote_addr=(request.remote_addr or "") if has_request_context() else "cli",
    )
    session.add(event)
    return event
