"""Authorisation on the server: role checks and unit scoping for every staff route."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import NoReturn, ParamSpec, TypeVar, cast

import flask_login
from flask import abort
from flask_login import current_user

from survey_app.db import get_session
from survey_app.staff import audit
from survey_app.staff.models import User

P = ParamSpec("P")
R = TypeVar("R")

#: Who may see district-wide monitoring, results and exports.
DISTRICT_ROLES = ("admin", "district_officer", "analyst", "council_member", "chairman")
#: Who may see anything in the staff area (commune officers see their own unit only).
STAFF_ROLES = (*DISTRICT_ROLES, "commune_officer")


def login_required(view: Callable[P, R]) -> Callable[P, R]:
    """Flask-Login's ``login_required`` with its type spelled out (the library has no hints)."""
    return cast(Callable[P, R], flask_login.login_required(view))


def user() -> User:
    found = get_session().get(User, int(current_user.get_id()))
    if found is None or not found.active:
        abort(401)
    return found


def roles_required(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Allow the listed roles; others get 403 and an audit entry."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        @login_required
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if user().role not in roles:
                deny("role", view=view.__name__)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def deny(reason: str, **detail: object) -> None:
    """Refuse with 403 and write the attempt to the audit log."""
    session = get_session()
    audit.record(session, "access_denied", target=reason, detail=detail)
    session.commit()
    abort(403)


def unknown_unit(unit_code: str) -> NoReturn:
    """Answer a unit code that names no unit here: 404, or for a commune officer 403 + audit.

    A commune officer probing for other codes is refused and recorded like asking for another
    unit, on every page alike (monitoring, results, PAR).
    """
    if unit_scope() is not None:
        deny("unit", unit_code=unit_code[:64])
    abort(404)


def unit_scope() -> int | None:
    """The only unit the current user may see, or None for district-wide roles."""
    current = user()
    return current.unit_id if current.role == "commune_officer" else None


def require_unit_access(unit_id: int) -> None:
    """A commune officer asking for another unit is refused (and audited), whatever the URL."""
    scope = unit_scope()
    if scope is not None and scope != unit_id:
        deny("unit", unit_id=unit_id)
