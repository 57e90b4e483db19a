"""Published versions of a PAR round's ranking.

Each publication stores the whole table as it was published (a JSON snapshot), so the public
page, the approval decision and their downloads read the same figures for ever. A correction
after publication adds the next numbered version with its reason; the earlier one is kept and
marked superseded, never changed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.db import Base
from survey_app.sql_types import IntPK, Timestamp, UTCDateTime
from survey_app.staff.models import User

if TYPE_CHECKING:
    from survey_app.par.models import ParRound


class ParPublication(Base):
    """Version ``number`` of a round's published ranking."""

    __tablename__ = "par_publication"
    __table_args__ = (UniqueConstraint("round_id", "number"),)

    id: Mapped[IntPK]
    round_id: Mapped[int] = mapped_column(ForeignKey("par_round.id", ondelete="CASCADE"))
    number: Mapped[int]
    published_at: Mapped[Timestamp]
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    # Empty for the first version; why the table was corrected for later ones.
    reason: Mapped[str] = mapped_column(Text, default="")
    # The chairman's approval decision (quyết định phê duyệt), when it has a number already.
    decision_number: Mapped[str] = mapped_column(String(100), default="")
    decision_date: Mapped[dt.date | None]
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    round: Mapped[ParRound] = relationship(back_populates="publications")
    published_by: Mapped[User | None] = relationship()


__all__ = ["ParPublication"]
