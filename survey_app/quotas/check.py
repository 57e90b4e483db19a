"""Is a quota full? Accepted responses counted against a unit's target and its cells' targets.

These functions only count. Making "count, then insert" atomic is the caller's job
(:func:`survey_app.collection.recording.record_response` holds the unit's lock around both).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from survey_app.quotas.cells import cell_condition
from survey_app.quotas.models import QuotaCell
from survey_app.responses.models import Response
from survey_app.rounds.models import RoundUnit


def _accepted(session: Session, round_id: int, unit_id: int, *where: ColumnElement[bool]) -> int:
    query = select(func.count()).where(
        Response.round_id == round_id, Response.unit_id == unit_id, *where
    )
    return int(session.scalar(query) or 0)


def full_quota(session: Session, round_unit: RoundUnit, cells: Mapping[str, str]) -> str | None:
    """Which quota one more response would exceed: "unit", a cell dimension, or None.

    ``cells`` are the respondent's (:func:`survey_app.quotas.cells.respondent_cells`); a cell
    without a target has no quota. A target of 0 is full from the start.
    """
    round_id, unit_id = round_unit.round_id, round_unit.unit_id
    if round_unit.target is not None and _accepted(session, round_id, unit_id) >= round_unit.target:
        return "unit"
    if not cells:
        return None
    targets = session.execute(
        select(QuotaCell.dimension, QuotaCell.cell, QuotaCell.target).where(
            QuotaCell.round_id == round_id,
            QuotaCell.unit_id == unit_id,
            or_(*(and_(QuotaCell.dimension == d, QuotaCell.cell == c) for d, c in cells.items())),
        )
    ).all()
    for dimension, cell, target in sorted(targets):
        if _accepted(session, round_id, unit_id, cell_condition(dimension, cell)) >= target:
            return str(dimension)
    return None


def unit_is_full(session: Session, round_id: int, unit_id: int) -> bool:
    """The unit has reached its own target (checked without a lock: for display only)."""
    target = session.scalar(
        select(RoundUnit.target).where(RoundUnit.round_id == round_id, RoundUnit.unit_id == unit_id)
    )
    return target is not None and _accepted(session, round_id, unit_id) >= target
