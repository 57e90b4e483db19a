"""Ending every login session of an account: a version number per account, kept server-side.

A login writes the account's ``session_version`` into the signed session cookie; each request
loads the user only if the cookie's version is still the account's (``staff.sessions``).
Logging out, changing the password and disabling the account increment it, so every cookie
issued before, including one copied from another browser, stops working at once.
"""

from __future__ import annotations

from flask import session as cookie_session
from sqlalchemy.orm import Session

from survey_app.staff.accounts import MIN_PASSWORD_LENGTH, AccountProblem, hash_password
from survey_app.staff.models import User

_KEY = "staff_session_version"


def bind(user: User) -> None:
    """Record the account's current version in this login's session cookie."""
    cookie_session[_KEY] = user.session_version


def is_current(user: User) -> bool:
    """Whether this request's session was issued at the account's current version."""
    return cookie_session.get(_KEY) == user.session_version


def end_sessions(user: User) -> None:
    """End every session of ``user`` (the caller commits)."""
    user.session_version = (user.session_version or 0) + 1


def change_password(db: Session, user: User, password: str) -> None:
    """Set a new password and end every session opened with the old one (the caller commits)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountProblem(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = hash_password(password)
    end_sessions(user)
    db.flush()


def set_active(db: Session, user: User, active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions (the caller commits)."""
    if user.active and not active:
        end_sessions(user)
    user.active = active
    db.flush()
