"""The appraisal minute (biên bản thẩm định) of one commune: the council that appraised it,
every score the council changed with its reason, and the totals before and after.

Built from the stored scores and the audit log (who closed the appraisal, when), so the
printed minute and the assessment page never disagree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.par.council_models import ParCouncil, ParCouncilMember
from survey_app.par.council_rules import assigned_members
from survey_app.par.criteria_model import ScoredItem
from survey_app.par.models import ParAssessment
from survey_app.par.rounds import round_criteria
from survey_app.par.rules import target
from survey_app.staff.models import AuditEvent


@dataclass(frozen=True)
class ChangedScore:
    item: ScoredItem
    self_score: float | None
    appraised_score: float | None
    reason: str


@dataclass(frozen=True)
class FieldLine:
    code: str
    label: str
    max_points: Decimal
    self_points: float
    appraised_points: float


@dataclass(frozen=True)
class Minute:
    assessment: ParAssessment
    council: ParCouncil | None
    appraisers: tuple[ParCouncilMember, ...]  # assigned members, else every member
    changes: tuple[ChangedScore, ...]
    fields: tuple[FieldLine, ...]
    self_total: float
    appraised_total: float
    closed_at: dt.datetime | None
    closed_by: str


def _points(values: list[float | None]) -> float:
    # Sum in hundredths (Decimal) so 0.1 + 0.2 prints as 0.3.
    return float(sum((Decimal(str(v)) for v in values if v is not None), Decimal(0)))


def build_minute(session: Session, assessment: ParAssessment) -> Minute:
    criteria = round_criteria(assessment.round)
    scores = {s.item_code: s for s in assessment.scores}
    changes = []
    for item in criteria.items():
        row = scores.get(item.code)
        if row is None or row.appraised_score is None:
            continue
        if row.self_score is None or Decimal(str(row.self_score)) != Decimal(
            str(row.appraised_score)
        ):
            changes.append(
                ChangedScore(item, row.self_score, row.appraised_score, row.appraisal_reason)
            )
    fields = []
    items = criteria.items()
    for field in criteria.fields:
        rows = [scores.get(i.code) for i in items if i.field_code == field.code]
        fields.append(
            FieldLine(
                field.code,
                field.label.get("vi") or "",
                field.max_points,
                _points([r.self_score for r in rows if r is not None]),
                _points([r.appraised_score for r in rows if r is not None]),
            )
        )
    closing = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target == target(assessment), AuditEvent.action == "par_status")
        .order_by(AuditEvent.id.desc())
    ).all()
    closed = next((e for e in closing if e.detail.get("new") == "appraised"), None)
    council = assessment.round.council
    appraisers = tuple(assigned_members(assessment)) or tuple(council.members if council else ())
    return Minute(
        assessment,
        council,
        appraisers,
        tuple(changes),
        tuple(fields),
        _points([f.self_points for f in fields]),
        _points([f.appraised_points for f in fields]),
        closed.at if closed else None,
        closed.actor_name if closed else "",
    )
