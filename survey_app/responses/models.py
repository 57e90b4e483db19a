"""Citizen responses: one row per accepted submission, nothing that identifies the citizen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint, false, text
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.db import Base
from survey_app.local_time import local_date
from survey_app.rounds.models import SurveyRound
from survey_app.sql_types import Code, IntPK, Timestamp
from survey_app.units.models import AdminUnit

#: The channel of synthetic responses made by `flask setup-demo`.
DEMO_CHANNEL = "demo"


def _local_date_of_submission(context: DefaultExecutionContext) -> dt.date:
    """Default of ``local_date``: the local day of ``submitted_at``, whoever inserts the row."""
    # SQLAlchemy leaves get_current_parameters unannotated.
    parameters = context.get_current_parameters()  # type: ignore[no-untyped-call]
    submitted_at: dt.datetime = parameters["submitted_at"]
    return local_date(submitted_at)


class Response(Base):
    """One accepted questionnaire.

    Deliberately absent: IP address, user agent, names. ``submission_id`` is generated into the
    form and makes retries idempotent; ``dossier_hash`` is an HMAC of the dossier code, so the
    code itself is never stored, and its uniqueness per round allows one response per dossier.
    The quota cell columns (sex, age group, procedure field) are copied out of ``answers`` so
    that monitoring can count them with an index instead of parsing JSON; ``local_date`` and
    ``straightlined`` are derived at insert for the same reason.
    """

    __tablename__ = "response"
    __table_args__ = (
        UniqueConstraint("submission_id"),
        UniqueConstraint("round_id", "dossier_hash"),
        Index("ix_response_round_unit_submitted", "round_id", "unit_id", "submitted_at"),
        # Monitoring and quota checks count by these columns. With every column of a query in
        # its index, PostgreSQL answers the dashboard's GROUP BYs from the index alone.
        Index("ix_response_round_unit_cells", "round_id", "unit_id", "field", "sex", "age_group"),
        Index("ix_response_round_unit_day", "round_id", "unit_id", "local_date"),
        # Quality flags are rare: too-fast answers are a short range of durations, and the
        # partial indexes hold only the flagged rows.
        Index("ix_response_round_duration", "round_id", "duration_seconds", "unit_id"),
        Index(
            "ix_response_straightlined",
            "round_id",
            "unit_id",
            postgresql_where=text("straightlined"),
            sqlite_where=text("straightlined = 1"),
        ),
        Index(
            "ix_response_over_quota",
            "round_id",
            "unit_id",
            postgresql_where=text("over_quota"),
            sqlite_where=text("over_quota = 1"),
        ),
    )

    id: Mapped[IntPK]
    submission_id: Mapped[str] = mapped_column(String(36))
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"))
    form_id: Mapped[Code]
    form_version: Mapped[Code]
    submitted_at: Mapped[Timestamp]
    duration_seconds: Mapped[int | None]
    channel: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    dossier_hash: Mapped[str | None] = mapped_column(String(64))
    sex: Mapped[str | None] = mapped_column(String(16))
    age_group: Mapped[str | None] = mapped_column(String(16))
    field: Mapped[str | None] = mapped_column(String(64))
    over_quota: Mapped[bool] = mapped_column(default=False)
    # The calendar day in the service's time zone (config TIMEZONE), fixed when stored, so that
    # responses per day are counted from an index instead of converting every timestamp.
    local_date: Mapped[dt.date] = mapped_column(default=_local_date_of_submission)
    # Every scored item answered with the same code (survey_app.responses.quality), fixed when
    # stored: the dashboard counts a column instead of reading every JSON document.
    straightlined: Mapped[bool] = mapped_column(default=False, server_default=false())
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)

    round: Mapped[SurveyRound] = relationship()
    unit: Mapped[AdminUnit] = relationship()

    @property
    def receipt_code(self) -> str:
        """A short code the citizen can quote; derived, so it needs no column."""
        return self.submission_id.replace("-", "")[:10].upper()

    @property
    def submitted_on(self) -> dt.date:
        return self.submitted_at.date()
