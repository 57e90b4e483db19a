"""Staff accounts: creation, password checks that reveal nothing, role and unit scoping."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from survey_app.sql_types import utcnow
from survey_app.staff.models import ROLES, User
from survey_app.units.models import AdminUnit

MIN_PASSWORD_LENGTH = 10

# Checked against when the username is unknown, so that a wrong username costs the same time
# as a wrong password and response timing does not reveal which usernames exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password-but-same-cost")


class AccountProblem(ValueError):
    """A user that cannot be created or changed as asked."""


def hash_password(password: str) -> str:
    # Werkzeug's default is scrypt (memory-hard), salted, with parameters stored in the hash.
    return generate_password_hash(password)


def create_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    full_name: str = "",
    unit_code: str | None = None,
) -> User:
    username = username.strip().lower()
    if role not in ROLES:
        raise AccountProblem(f"role '{role}' is not one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountProblem(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User.id).where(func.lower(User.username) == username)) is not None:
        raise AccountProblem(f"user '{username}' already exists")
    unit = None
    if role == "commune_officer":
        if not unit_code:
            raise AccountProblem("a commune officer needs --unit (the commune's unit code)")
        unit = session.scalars(select(AdminUnit).where(AdminUnit.code == unit_code)).first()
        if unit is None:
            raise AccountProblem(f"no unit with code '{unit_code}'")
    elif unit_code:
        raise AccountProblem("only commune officers are bound to a unit")
    user = User(
        username=username,
        full_name=full_name or username,
        role=role,
        unit=unit,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with these credentials, else None (same cost either way)."""
    user = session.scalars(
        select(User).where(func.lower(User.username) == username.strip().lower())
    ).first()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user
