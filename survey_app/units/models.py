"""Administrative units as effective-dated data: mergers and abolitions are rows, not code."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from survey_app.db import Base
from survey_app.sql_types import Code, IntPK, Name

UNIT_KINDS = ("xa", "phuong", "thi_tran", "huyen", "tinh")

unit_predecessor = Table(
    "unit_predecessor",
    Base.metadata,
    Column("unit_id", ForeignKey("admin_unit.id", ondelete="CASCADE"), primary_key=True),
    Column("predecessor_id", ForeignKey("admin_unit.id", ondelete="CASCADE"), primary_key=True),
)


class AdminUnit(Base):
    """A commune-level (or higher) unit valid over ``[valid_from, valid_to)``."""

    __tablename__ = "admin_unit"
    __table_args__ = (
        CheckConstraint("kind IN ('xa', 'phuong', 'thi_tran', 'huyen', 'tinh')", name="kind_known"),
        CheckConstraint("valid_to IS NULL OR valid_to > valid_from", name="valid_period"),
    )

    id: Mapped[IntPK]
    code: Mapped[Code] = mapped_column(unique=True)
    name: Mapped[Name]
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("admin_unit.id"), index=True)
    valid_from: Mapped[dt.date]
    valid_to: Mapped[dt.date | None]

    parent: Mapped[AdminUnit | None] = relationship(remote_side="AdminUnit.id")
    predecessors: Mapped[list[AdminUnit]] = relationship(
        secondary=unit_predecessor,
        primaryjoin=lambda: AdminUnit.id == unit_predecessor.c.unit_id,
        secondaryjoin=lambda: AdminUnit.id == unit_predecessor.c.predecessor_id,
    )

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


class TransactionCount(Base):
    """Procedures completed at a unit's one-stop office in a period (the population N).

    ``field`` is the procedure field code, or '' for the unit's total (an empty string rather
    than NULL so that the uniqueness constraint holds on every backend).
    """

    __tablename__ = "transaction_count"
    __table_args__ = (
        UniqueConstraint("unit_id", "period_start", "period_end", "field"),
        CheckConstraint("transactions >= 0", name="nonnegative"),
        CheckConstraint("period_end >= period_start", name="period_order"),
    )

    id: Mapped[IntPK]
    unit_id: Mapped[int] = mapped_column(ForeignKey("admin_unit.id", ondelete="CASCADE"))
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    field: Mapped[str] = mapped_column(String(64), default="")
    transactions: Mapped[int]
    # Demo figures are made up; they must say so wherever they are shown.
    illustrative: Mapped[bool] = mapped_column(default=False)
    source: Mapped[str] = mapped_column(String(200), default="")

    unit: Mapped[AdminUnit] = relationship()


__all__ = ["UNIT_KINDS", "AdminUnit", "TransactionCount", "unit_predecessor"]
