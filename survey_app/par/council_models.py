"""The appraisal council (Hội đồng thẩm định) of a PAR round: its establishing decision, its
members with their council role, and which communes each member appraises.

A round has at most one council. Members are staff accounts with the ``council_member`` role;
their council role decides who closes an appraisal (chủ tịch or thư ký). Assignments are
optional: a commune nobody is assigned to may be appraised by any member.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from survey_app.db import Base
from survey_app.sql_types import CreatedAt, IntPK, Name, UTCDateTime, utcnow
from survey_app.staff.models import User

if TYPE_CHECKING:
    from survey_app.par.models import ParAssessment, ParRound

COUNCIL_ROLES = ("chair", "vice_chair", "member", "secretary")
COUNCIL_ROLE_LABELS = {
    "chair": "Chủ tịch Hội đồng",
    "vice_chair": "Phó Chủ tịch Hội đồng",
    "member": "Thành viên",
    "secretary": "Thư ký",
}
#: Who closes an appraisal (complete-appraisal) for the council.
CLOSING_ROLES = ("chair", "secretary")


class ParCouncil(Base):
    """The council of one PAR round and the decision that set it up."""

    __tablename__ = "par_council"

    id: Mapped[IntPK]
    round_id: Mapped[int] = mapped_column(
        ForeignKey("par_round.id", ondelete="CASCADE"), unique=True
    )
    decision_number: Mapped[str] = mapped_column(String(100))
    decision_date: Mapped[dt.date]
    signer: Mapped[Name]
    # The scanned decision. Kept in the database rather than on disk: no file names from the
    # browser ever reach the file system, and backups of the database carry it along.
    # Deferred so that listing councils never loads the megabytes.
    decision_pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    decision_pdf_name: Mapped[str] = mapped_column(String(200), default="")
    decision_pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    decision_pdf_size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    round: Mapped[ParRound] = relationship(back_populates="council")
    members: Mapped[list[ParCouncilMember]] = relationship(
        back_populates="council", cascade="all, delete-orphan", order_by="ParCouncilMember.id"
    )


class ParCouncilMember(Base):
    """A staff account sitting on the council, with its council role and position."""

    __tablename__ = "par_council_member"
    __table_args__ = (
        UniqueConstraint("council_id", "user_id"),
        CheckConstraint(
            "council_role IN ('chair', 'vice_chair', 'member', 'secretary')", name="role_known"
        ),
    )

    id: Mapped[IntPK]
    council_id: Mapped[int] = mapped_column(ForeignKey("par_council.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    council_role: Mapped[str] = mapped_column(String(16))
    # Chức vụ, đơn vị công tác: printed on the minutes ("Trưởng phòng Nội vụ").
    position: Mapped[str] = mapped_column(String(200), default="")

    council: Mapped[ParCouncil] = relationship(back_populates="members")
    user: Mapped[User] = relationship()
    assignments: Mapped[list[ParCouncilAssignment]] = relationship(
        back_populates="member", cascade="all, delete-orphan"
    )

    @property
    def role_label(self) -> str:
        return COUNCIL_ROLE_LABELS[self.council_role]


class ParCouncilAssignment(Base):
    """A member assigned to appraise one commune's assessment."""

    __tablename__ = "par_council_assignment"
    __table_args__ = (UniqueConstraint("member_id", "assessment_id"),)

    id: Mapped[IntPK]
    member_id: Mapped[int] = mapped_column(ForeignKey("par_council_member.id", ondelete="CASCADE"))
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("par_assessment.id", ondelete="CASCADE"), index=True
    )

    member: Mapped[ParCouncilMember] = relationship(back_populates="assignments")
    assessment: Mapped[ParAssessment] = relationship()


__all__ = [
    "CLOSING_ROLES",
    "COUNCIL_ROLES",
    "COUNCIL_ROLE_LABELS",
    "ParCouncil",
    "ParCouncilAssignment",
    "ParCouncilMember",
]
