"""Saving scores: the commune's self-assessment and the council's appraisal, item by item.

Each save checks everything first (role, unit, status, deadline, page version, every value)
and changes nothing if anything is refused; otherwise it writes the new values and one audit
entry per changed score with the old value, the new value and the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from sqlalchemy.orm import Session

from survey_app.par.council_rules import require_appraiser
from survey_app.par.criteria_model import ScoredItem
from survey_app.par.models import ParAssessment, ParEvidence, ParScore
from survey_app.par.rules import (
    ParInvalid,
    require_commune_draft,
    require_not_frozen,
    require_role,
    require_status,
    require_version,
    target,
    touch,
)
from survey_app.par.scoring import (
    DESCRIPTION_LIMIT,
    DOCUMENT_NUMBER_LIMIT,
    InputRefused,
    clean_text,
    parse_document_date,
    parse_points,
    same_points,
    stored_points,
)
from survey_app.staff import audit
from survey_app.staff.models import User

# Form field name = f"{part}-{item code}"; the domain reports errors by these names.
SELF_SCORE = "self_score"
EXPLANATION = "explanation"
EVIDENCE_NUMBER = "evidence_number"
EVIDENCE_DATE = "evidence_date"
EVIDENCE_DESCRIPTION = "evidence_description"
REMOVE_EVIDENCE = "remove_evidence"
APPRAISED_SCORE = "appraised_score"
REASON = "reason"
DIFFERENT_SCORE_NEEDS_REASON = "Điểm thẩm định khác điểm tự chấm: ghi rõ lý do."


T = TypeVar("T")


def field_name(part: str, code: str) -> str:
    return f"{part}-{code}"


@dataclass(frozen=True)
class SelfEntry:
    """What the self-assessment form posts for one item (raw text, checked on save)."""

    score: str
    explanation: str
    evidence_number: str = ""
    evidence_date: str = ""
    evidence_description: str = ""
    remove_evidence: tuple[int, ...] = ()


@dataclass(frozen=True)
class AppraisalEntry:
    score: str
    reason: str


def scores_by_code(assessment: ParAssessment) -> dict[str, ParScore]:
    """The assessment's score rows by item code."""
    return {score.item_code: score for score in assessment.scores}


def _score_row(assessment: ParAssessment, rows: dict[str, ParScore], code: str) -> ParScore:
    row = rows.get(code)
    if row is None:
        row = ParScore(item_code=code, self_explanation="", appraisal_reason="")
        assessment.scores.append(row)
        rows[code] = row
    return row


@dataclass(frozen=True)
class _CheckedSelf:
    points: Decimal | None
    explanation: str
    evidence: tuple[str, dt.date, str] | None
    remove: tuple[int, ...]


def _attempt(errors: dict[str, str], name: str, parse: Callable[[], T]) -> T | None:
    """``parse()``, or None with its message recorded under the form field ``name``."""
    try:
        return parse()
    except InputRefused as refused:
        errors[name] = str(refused)
        return None


def _check_self(
    item: ScoredItem, entry: SelfEntry, row: ParScore | None, today: dt.date
) -> tuple[_CheckedSelf | None, dict[str, str]]:
    errors: dict[str, str] = {}
    code = item.code
    points = _attempt(
        errors, field_name(SELF_SCORE, code), lambda: parse_points(entry.score, item.max_points)
    )
    explanation = _attempt(
        errors, field_name(EXPLANATION, code), lambda: clean_text(entry.explanation)
    )
    number = _attempt(
        errors,
        field_name(EVIDENCE_NUMBER, code),
        lambda: clean_text(entry.evidence_number, DOCUMENT_NUMBER_LIMIT),
    )
    description = _attempt(
        errors,
        field_name(EVIDENCE_DESCRIPTION, code),
        lambda: clean_text(entry.evidence_description, DESCRIPTION_LIMIT),
    )
    evidence = None
    if number or entry.evidence_date.strip():
        day = _attempt(
            errors,
            field_name(EVIDENCE_DATE, code),
            lambda: parse_document_date(entry.evidence_date, today),
        )
        if not number:
            errors.setdefault(field_name(EVIDENCE_NUMBER, code), "Nhập số, ký hiệu văn bản.")
        elif day is not None:
            evidence = (number, day, description or "")
    elif description:
        errors[field_name(EVIDENCE_NUMBER, code)] = "Nhập số, ký hiệu và ngày văn bản."
    known = {evidence_row.id for evidence_row in row.evidence} if row is not None else set()
    if any(identifier not in known for identifier in entry.remove_evidence):
        errors[field_name(REMOVE_EVIDENCE, code)] = "Tài liệu cần xoá không thuộc tiêu chí này."
    if errors:
        return None, errors
    return _CheckedSelf(points, explanation or "", evidence, entry.remove_evidence), {}


def save_self_assessment(
    session: Session,
    assessment: ParAssessment,
    actor: User,
    items: Sequence[ScoredItem],
    entries: Mapping[str, SelfEntry],
    now: dt.datetime,
    expected_version: int | None = None,
) -> int:
    """Store the commune's self-scores, explanations and evidence for ``items``.

    Only the unit's own commune officer, while the assessment is a draft and before its
    deadline. Returns the number of items whose score or evidence changed.
    """
    require_commune_draft(
        actor,
        assessment,
        now,
        expected_version,
        role_action="tự chấm điểm",
        status_action="sửa điểm tự chấm",
    )
    rows = scores_by_code(assessment)
    today = now.astimezone(dt.UTC).date()
    checked: dict[str, _CheckedSelf] = {}
    errors: dict[str, str] = {}
    for item in items:
        result, item_errors = _check_self(
            item, entries.get(item.code, SelfEntry("", "")), rows.get(item.code), today
        )
        errors.update(item_errors)
        if result is not None:
            checked[item.code] = result
    if errors:
        raise ParInvalid(errors)
    changed = 0
    where = target(assessment)
    for item in items:
        values = checked[item.code]
        row = _score_row(assessment, rows, item.code)
        item_changed = False
        if not same_points(row.self_score, values.points):
            audit.record(
                session,
                "par_score",
                target=where,
                actor=actor,
                detail={
                    "item": item.code,
                    "score": "self",
                    "old": row.self_score,
                    "new": stored_points(values.points),
                    "reason": values.explanation,
                },
            )
            row.self_score = stored_points(values.points)
            item_changed = True
        row.self_explanation = values.explanation
        for evidence_row in [e for e in row.evidence if e.id in values.remove]:
            audit.record(
                session,
                "par_evidence_removed",
                target=where,
                actor=actor,
                detail={
                    "item": item.code,
                    "document_number": evidence_row.document_number,
                    "document_date": evidence_row.document_date.isoformat(),
                },
            )
            row.evidence.remove(evidence_row)
            item_changed = True
        if values.evidence is not None:
            number, day, description = values.evidence
            row.evidence.append(
                ParEvidence(
                    document_number=number,
                    document_date=day,
                    description=description,
                    created_by_id=actor.id,
                )
            )
            audit.record(
                session,
                "par_evidence_added",
                target=where,
                actor=actor,
                detail={"item": item.code, "document_number": number, "document_date": str(day)},
            )
            item_changed = True
        changed += item_changed
    touch(assessment, now)
    return changed


def save_appraisal(
    session: Session,
    assessment: ParAssessment,
    actor: User,
    items: Sequence[ScoredItem],
    entries: Mapping[str, AppraisalEntry],
    now: dt.datetime,
    expected_version: int | None = None,
) -> int:
    """Store the council's appraised scores for ``items``; a reason is required wherever the
    appraised score differs from the self-score. Returns the number of changed scores.

    Once the appraisal is complete (status appraised) a score can be changed but not erased.
    """
    require_not_frozen(assessment)
    require_role(actor, ("council_member",), "thẩm định")
    require_appraiser(actor, assessment)
    require_status(assessment, ("submitted", "appraised"), "thẩm định")
    require_version(assessment, expected_version)
    rows = scores_by_code(assessment)
    checked: dict[str, tuple[Decimal | None, str]] = {}
    errors: dict[str, str] = {}
    for item in items:
        entry = entries.get(item.code, AppraisalEntry("", ""))
        score_field, reason_field = (
            field_name(APPRAISED_SCORE, item.code),
            field_name(REASON, item.code),
        )
        try:
            points = parse_points(entry.score, item.max_points)
        except InputRefused as refused:
            errors[score_field] = str(refused)
            continue
        try:
            reason = clean_text(entry.reason)
        except InputRefused as refused:
            errors[reason_field] = str(refused)
            continue
        row = rows.get(item.code)
        self_score = row.self_score if row is not None else None
        if points is None and assessment.status == "appraised":
            errors[score_field] = "Hồ sơ đã thẩm định xong: nhập điểm thẩm định."
        elif points is not None and not same_points(self_score, points) and not reason:
            errors[reason_field] = DIFFERENT_SCORE_NEEDS_REASON
        checked[item.code] = (points, reason)
    if errors:
        raise ParInvalid(errors)
    changed = 0
    for item in items:
        points, reason = checked[item.code]
        row = _score_row(assessment, rows, item.code)
        if not same_points(row.appraised_score, points):
            audit.record(
                session,
                "par_score",
                target=target(assessment),
                actor=actor,
                detail={
                    "item": item.code,
                    "score": "appraised",
                    "old": row.appraised_score,
                    "new": stored_points(points),
                    "self_score": row.self_score,
                    "reason": reason,
                },
            )
            row.appraised_score = stored_points(points)
            changed += 1
        row.appraisal_reason = reason
    touch(assessment, now)
    return changed
