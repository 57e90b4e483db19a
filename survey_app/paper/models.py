"""Batches of paper questionnaires: which serial numbers went to which unit, when, by whom."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.db import Base
from survey_app.responses.models import Response
from survey_app.rounds.models import SurveyRound
from survey_app.sql_types import CreatedAt, IntPK
from survey_app.staff.models import User
from survey_app.units.models import AdminUnit


class PaperBatch(Base):
    """Serial numbers ``first .. first + count - 1`` of a round, printed for one unit.

    Numbers run across the whole round (never restarting per unit), so a serial alone names
    its round's unit; ``uq_paper_batch_round_id`` on (round, first) and the per-round counter
    on the round keep two batches from ever sharing a number.
    """

    __tablename__ = "paper_batch"
    __table_args__ = (
        UniqueConstraint("round_id", "first_serial"),
        CheckConstraint("count > 0", name="count_positive"),
        CheckConstraint("first_serial > 0", name="first_positive"),
    )

    id: Mapped[IntPK]
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"))
    first_serial: Mapped[int]
    count: Mapped[int]
    created_at: Mapped[CreatedAt]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    round: Mapped[SurveyRound] = relationship()
    unit: Mapped[AdminUnit] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def last_serial(self) -> int:
        return self.first_serial + self.count - 1


class PaperEntry(Base):
    """A paper form typed in: its serial, the response it became, who typed it and when.

    Unique per (round, serial): a serial is entered once; a second attempt is refused and told
    who entered it and when.
    """

    __tablename__ = "paper_entry"
    __table_args__ = (UniqueConstraint("round_id", "serial"), UniqueConstraint("response_id"))

    id: Mapped[IntPK]
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id", ondelete="CASCADE"))
    serial: Mapped[int]
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id"))
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    entered_at: Mapped[CreatedAt]

    response: Mapped[Response] = relationship()
    entered_by: Mapped[User | None] = relationship()
