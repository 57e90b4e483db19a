"""Citizen responses: one row per accepted submission, nothing that identifies the citizen."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.db import Base
from survey_app.models.rounds import SurveyRound
from survey_app.models.types import Code, IntPK, Timestamp
from survey_app.models.units import AdminUnit


class Response(Base):
    """One accepted questionnaire.

    Deliberately absent: IP address, user agent, names. ``submission_id`` is generated into the
    form and makes retries idempotent; ``dossier_hash`` is an HMAC of the dossier code, so the
    code itself is never stored, and its uniqueness per round allows one response per dossier.
    The quota cell columns (sex, age group, procedure field) are copied out of ``answers`` so
    that monitoring can count them with an index instead of parsing JSON.
    """

    __tablename__ = "response"
    __table_args__ = (
        UniqueConstraint("submission_id"),
        UniqueConstraint("round_id", "dossier_hash"),
        Index("ix_response_round_unit_submitted", "round_id", "unit_id", "submitted_at"),
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
