"""Staff accounts and the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.db import Base
from survey_app.sql_types import CreatedAt, IntPK, Name, UTCDateTime
from survey_app.units.models import AdminUnit

ROLES = (
    "admin",
    "district_officer",
    "council_member",
    "chairman",
    "analyst",
    "commune_officer",
)


class User(Base):
    """A staff member. A commune officer is bound to exactly one unit; nobody else is."""

    __tablename__ = "staff_user"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'district_officer', 'council_member', 'chairman', 'analyst', "
            "'commune_officer')",
            name="role_known",
        ),
        CheckConstraint(
            "(role = 'commune_officer') = (unit_id IS NOT NULL)", name="unit_iff_commune_officer"
        ),
    )

    id: Mapped[IntPK]
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[Name]
    role: Mapped[str] = mapped_column(String(32))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    # Incremented to end every login session of the account (staff.session_versions).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[CreatedAt]
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Accounts made by `flask setup-demo`; `flask clear-demo` removes them before a real year.
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=false())

    unit: Mapped[AdminUnit | None] = relationship()

    # Flask-Login's user protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)


class AuditEvent(Base):
    """Who did what, when: logins (also failed), exports, quota, score and user changes."""

    __tablename__ = "audit_event"

    id: Mapped[IntPK]
    at: Mapped[CreatedAt] = mapped_column(index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # Kept as text too, so the record survives renames and failed logins of unknown names.
    actor_name: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64), index=True)
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Staff addresses only, for security review; citizens' addresses are never recorded.
    remote_addr: Mapped[str] = mapped_column(String(64), default="")
