"""Quota cells: a unit's response target split by procedure field or by sex × age group."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.db import Base

#: "field": one cell per procedure field code; "sex_age": one cell per "<sex>:<age_group>".
QUOTA_DIMENSIONS = ("field", "sex_age")


class QuotaCell(Base):
    """The target of one cell of one unit in one round (the unit's own target is on RoundUnit).

    Cells of a dimension normally sum to the unit's target (largest-remainder allocation), but
    a district officer may edit them independently; each is checked on its own.
    """

    __tablename__ = "quota_cell"
    __table_args__ = (
        ForeignKeyConstraint(
            ["round_id", "unit_id"],
            ["round_unit.round_id", "round_unit.unit_id"],
            ondelete="CASCADE",
        ),
        CheckConstraint("dimension IN ('field', 'sex_age')", name="dimension_known"),
        CheckConstraint("target >= 0", name="target_nonnegative"),
    )

    round_id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)
    dimension: Mapped[str] = mapped_column(String(16), primary_key=True)
    cell: Mapped[str] = mapped_column(String(64), primary_key=True)
    target: Mapped[int]


__all__ = ["QUOTA_DIMENSIONS", "QuotaCell"]
