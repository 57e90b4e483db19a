"""Survey rounds and the signed links that let a citizen answer for one commune."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.db import Base
from survey_app.sql_types import Code, CreatedAt, IntPK, Name, Timestamp, UTCDateTime
from survey_app.units.models import AdminUnit

QUOTA_POLICIES = ("accept_flag", "close")
#: Flags marked by default; a round holds nothing for review until its policy says so.
DEFAULT_QUALITY_FLAGS = ("speeder", "straightline")
DEFAULT_FLAGS_SQL = text('\'["speeder", "straightline"]\'')


class SurveyRound(Base):
    """A questionnaire version, an open period and a set of units, e.g. SIPAS 2021 Hương Sơn."""

    __tablename__ = "survey_round"
    __table_args__ = (
        CheckConstraint("closes_at > opens_at", name="open_period"),
        CheckConstraint("quota_policy IN ('accept_flag', 'close')", name="quota_policy_known"),
    )

    id: Mapped[IntPK]
    code: Mapped[Code] = mapped_column(unique=True)
    title: Mapped[Name]
    form_id: Mapped[Code]
    form_version: Mapped[Code]
    opens_at: Mapped[Timestamp]
    closes_at: Mapped[Timestamp]
    # The transaction period whose counts are the population for weighting.
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    # What happens when a unit's or cell's quota is full: accept and flag, or thank and close.
    quota_policy: Mapped[str] = mapped_column(String(16), default="accept_flag")
    created_at: Mapped[CreatedAt]
    # Demo rounds (flask setup-demo) are kept apart: their synthetic responses never reach a
    # real round's results, and `flask clear-demo` removes them before a real year.
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Archived rounds leave the staff lists; their data stays for later comparison.
    archived_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The quality policy (survey_app.responses.review): which flags apply, whether flagged
    # responses are held for review (True) or only marked, and the speeder threshold.
    quality_flags: Mapped[list[str]] = mapped_column(
        JSON, default=lambda: ["speeder", "straightline"]
    )
    quality_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    quality_min_seconds: Mapped[int] = mapped_column(default=60, server_default="60")
    # The last serial number of paper questionnaires issued in the round (survey_app.paper).
    paper_serials_issued: Mapped[int] = mapped_column(default=0, server_default="0")

    units: Mapped[list[RoundUnit]] = relationship(
        back_populates="round", cascade="all, delete-orphan"
    )

    def status_at(self, moment: dt.datetime) -> str:
        if moment < self.opens_at:
            return "not_open"
        if moment >= self.closes_at:
            return "closed"
        return "open"


class RoundUnit(Base):
    """A unit taking part in a round, with its response target (set by the sampling plan)."""

    __tablename__ = "round_unit"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("survey_round.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), primary_key=True)
    target: Mapped[int | None]

    round: Mapped[SurveyRound] = relationship(back_populates="units")
    unit: Mapped[AdminUnit] = relationship()


class SurveyLink(Base):
    """The opaque id behind a signed QR token; revoking the row kills the printed link."""

    __tablename__ = "survey_link"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"))
    created_at: Mapped[CreatedAt]
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    round: Mapped[SurveyRound] = relationship()
    unit: Mapped[AdminUnit] = relationship()


__all__ = ["QUOTA_POLICIES", "RoundUnit", "SurveyLink", "SurveyRound"]
