"""PAR Index rounds: per-unit self-assessment, council appraisal, approval and publication.

Scores are stored per scored item of the round's criteria set (a sub-criterion, or a
criterion without sub-criteria), keyed by the item's code; the maxima live in the criteria
file, never here. Points are floats limited to hundredths by the input check
(`survey_app.par.scoring`), which avoids SQLite's lossy Decimal emulation.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.db import Base
from survey_app.rounds.models import SurveyRound
from survey_app.sql_types import Code, CreatedAt, IntPK, Name, Timestamp, UTCDateTime, utcnow
from survey_app.staff.models import User
from survey_app.units.models import AdminUnit

if TYPE_CHECKING:
    from survey_app.par.council_models import ParCouncil
    from survey_app.par.publication_models import ParPublication

PAR_STATUSES = ("draft", "submitted", "appraised", "approved", "published")
NO_SURVEY_RULES = ("rescale", "zero", "mean")


class ParRound(Base):
    """One year's PAR Index for a set of communes, scored against one criteria-set version."""

    __tablename__ = "par_round"
    __table_args__ = (
        CheckConstraint("no_survey_rule IN ('rescale', 'zero', 'mean')", name="rule_known"),
    )

    id: Mapped[IntPK]
    code: Mapped[Code] = mapped_column(unique=True)
    title: Mapped[Name]
    year: Mapped[int]
    criteria_set_id: Mapped[Code]
    criteria_version: Mapped[Code]
    self_assessment_deadline: Mapped[Timestamp]
    # The other dated steps of the district's plan (127/KH-UBND: council by 30/10, appraisal,
    # approval and publication by 20/11); None where the district has not set one.
    council_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    appraisal_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    approval_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    publication_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The survey whose weighted SIPAS index gives the satisfaction component (None: no survey).
    survey_round_id: Mapped[int | None] = mapped_column(ForeignKey("survey_round.id"))
    # What a unit without a survey result gets (analysis.par_index.NO_SURVEY_RULES).
    no_survey_rule: Mapped[str] = mapped_column(String(16))
    # [{"label": "Tốt", "lower": 90, "upper": null}, ...], best first (analysis.par_index.Band).
    bands: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_at: Mapped[CreatedAt]
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # The demo's PAR round (flask setup-demo), marked on every page and removed by clear-demo.
    is_demo: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Set while a published round is being corrected: the reason the next version will carry.
    correction_reason: Mapped[str] = mapped_column(Text, default="")

    survey_round: Mapped[SurveyRound | None] = relationship()
    assessments: Mapped[list[ParAssessment]] = relationship(
        back_populates="round", cascade="all, delete-orphan"
    )
    council: Mapped[ParCouncil | None] = relationship(
        back_populates="round", cascade="all, delete-orphan"
    )
    publications: Mapped[list[ParPublication]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="ParPublication.number"
    )


class ParAssessment(Base):
    """A unit's assessment in a round: its status, and the satisfaction figures frozen at
    approval (so the published index never changes when survey data or weights do)."""

    __tablename__ = "par_assessment"
    __table_args__ = (
        UniqueConstraint("round_id", "unit_id"),
        CheckConstraint(
            "status IN ('draft', 'submitted', 'appraised', 'approved', 'published')",
            name="status_known",
        ),
    )

    id: Mapped[IntPK]
    round_id: Mapped[int] = mapped_column(ForeignKey("par_round.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    # A district officer's reopening gives this unit its own later deadline.
    deadline_extended_to: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    appraised_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    satisfaction_taken_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    satisfaction_index: Mapped[float | None]
    satisfaction_se: Mapped[float | None]
    satisfaction_ci_low: Mapped[float | None]
    satisfaction_ci_high: Mapped[float | None]
    satisfaction_n: Mapped[int | None]
    satisfaction_small_sample: Mapped[bool | None]
    satisfaction_method: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Optimistic locking: a form posted from a stale page, or two people saving at once,
    # is refused instead of silently overwriting the other's scores.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declared API)

    round: Mapped[ParRound] = relationship(back_populates="assessments")
    unit: Mapped[AdminUnit] = relationship()
    scores: Mapped[list[ParScore]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="ParScore.id"
    )


class ParScore(Base):
    """One scored item: the commune's self-score and the council's appraised score."""

    __tablename__ = "par_score"
    __table_args__ = (
        UniqueConstraint("assessment_id", "item_code"),
        CheckConstraint("self_score IS NULL OR self_score >= 0", name="self_nonnegative"),
        CheckConstraint(
            "appraised_score IS NULL OR appraised_score >= 0", name="appraised_nonnegative"
        ),
    )

    id: Mapped[IntPK]
    assessment_id: Mapped[int] = mapped_column(ForeignKey("par_assessment.id", ondelete="CASCADE"))
    item_code: Mapped[Code]
    self_score: Mapped[float | None]
    self_explanation: Mapped[str] = mapped_column(Text, default="")
    appraised_score: Mapped[float | None]
    appraisal_reason: Mapped[str] = mapped_column(Text, default="")

    assessment: Mapped[ParAssessment] = relationship(back_populates="scores")
    evidence: Mapped[list[ParEvidence]] = relationship(
        back_populates="score", cascade="all, delete-orphan", order_by="ParEvidence.id"
    )


class ParEvidence(Base):
    """A document cited as evidence for a self-score: its number and date (no file upload)."""

    __tablename__ = "par_evidence"

    id: Mapped[IntPK]
    score_id: Mapped[int] = mapped_column(ForeignKey("par_score.id", ondelete="CASCADE"))
    document_number: Mapped[str] = mapped_column(String(100))
    document_date: Mapped[dt.date]
    description: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[CreatedAt]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    score: Mapped[ParScore] = relationship(back_populates="evidence")
    created_by: Mapped[User | None] = relationship()


__all__ = [
    "NO_SURVEY_RULES",
    "PAR_STATUSES",
    "ParAssessment",
    "ParEvidence",
    "ParRound",
    "ParScore",
]
