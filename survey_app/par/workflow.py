"""Status changes of PAR assessments: submit, complete appraisal, approve, return, reopen,
publish. Each checks the rules of `survey_app.par.rules` first, then changes the status and
writes the audit entry (the caller commits both together)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal

from sqlalchemy.orm import Session

from survey_app.par.council_rules import require_closer
from survey_app.par.criteria_model import ScoredItem
from survey_app.par.entry import (
    APPRAISED_SCORE,
    EVIDENCE_NUMBER,
    REASON,
    SELF_SCORE,
    field_name,
    scores_by_code,
)
from survey_app.par.models import ParAssessment, ParRound
from survey_app.par.rules import (
    STATUS_LABELS,
    ParConflict,
    ParInvalid,
    record_status,
    require_commune_draft,
    require_not_frozen,
    require_role,
    require_status,
    require_version,
    round_target,
    show_moment,
    touch,
)
from survey_app.par.satisfaction import SatisfactionFigures, freeze, thaw
from survey_app.par.scoring import InputRefused, clean_text, same_points
from survey_app.results.estimates import ResultsProblem
from survey_app.staff import audit
from survey_app.staff.models import User


def submit(
    session: Session,
    assessment: ParAssessment,
    actor: User,
    items: Sequence[ScoredItem],
    now: dt.datetime,
    expected_version: int | None = None,
) -> None:
    """Send the self-assessment to the council: every item scored, evidence where required."""
    require_commune_draft(
        actor,
        assessment,
        now,
        expected_version,
        role_action="nộp hồ sơ tự đánh giá",
        status_action="nộp",
    )
    rows = scores_by_code(assessment)
    errors: dict[str, str] = {}
    for item in items:
        row = rows.get(item.code)
        if row is None or row.self_score is None:
            errors[field_name(SELF_SCORE, item.code)] = "Chưa có điểm tự chấm."
        elif item.evidence_required and row.self_score > 0 and not row.evidence:
            errors[field_name(EVIDENCE_NUMBER, item.code)] = (
                "Tiêu chí này cần tài liệu kiểm chứng (số, ngày văn bản)."
            )
    if errors:
        raise ParInvalid(errors, "Chưa thể nộp: còn tiêu chí thiếu điểm hoặc tài liệu kiểm chứng.")
    record_status(session, actor, assessment, "submitted", "")
    assessment.submitted_at = now
    touch(assessment, now)


def complete_appraisal(
    session: Session,
    assessment: ParAssessment,
    actor: User,
    items: Sequence[ScoredItem],
    now: dt.datetime,
    expected_version: int | None = None,
) -> None:
    """Close the appraisal: every item has an appraised score, and a reason where it differs."""
    require_not_frozen(assessment)
    require_role(actor, ("council_member",), "thẩm định")
    require_closer(actor, assessment)
    require_status(assessment, ("submitted",), "hoàn tất thẩm định")
    require_version(assessment, expected_version)
    rows = scores_by_code(assessment)
    errors: dict[str, str] = {}
    for item in items:
        row = rows.get(item.code)
        if row is None or row.appraised_score is None:
            errors[field_name(APPRAISED_SCORE, item.code)] = "Chưa có điểm thẩm định."
        elif not same_points(row.self_score, Decimal(str(row.appraised_score))) and not (
            row.appraisal_reason.strip()
        ):
            errors[field_name(REASON, item.code)] = (
                "Điểm thẩm định khác điểm tự chấm: ghi rõ lý do."
            )
    if errors:
        raise ParInvalid(errors, "Chưa thể hoàn tất: còn tiêu chí thiếu điểm thẩm định hoặc lý do.")
    record_status(session, actor, assessment, "appraised", "")
    assessment.appraised_at = now
    touch(assessment, now)


def _reason(raw: str, field: str = "reason") -> str:
    try:
        reason = clean_text(raw)
    except InputRefused as refused:
        raise ParInvalid({field: str(refused)}) from None
    if not reason:
        raise ParInvalid({field: "Ghi rõ lý do."})
    return reason


def approve(
    session: Session,
    assessment: ParAssessment,
    actor: User,
    figures: Callable[[], SatisfactionFigures],
    now: dt.datetime,
    expected_version: int | None = None,
) -> SatisfactionFigures:
    """The chairman approves the appraised assessment; the unit's satisfaction figures are
    fetched (only now, after the checks) and copied onto it. Figures that cannot be computed
    (no responses, no transaction counts...) refuse the approval with the reason."""
    require_not_frozen(assessment)
    require_role(actor, ("chairman",), "phê duyệt")
    require_status(assessment, ("appraised",), "phê duyệt")
    require_version(assessment, expected_version)
    survey_round = assessment.round.survey_round
    if survey_round is not None and survey_round.status_at(now) != "closed":
        raise ParConflict(
            f"Đợt khảo sát {survey_round.code} chưa kết thúc "
            f"({show_moment(survey_round.closes_at)}): chỉ phê duyệt khi đã có kết quả khảo sát "
            "cuối cùng."
        )
    try:
        taken = figures()
    except ResultsProblem as problem:
        raise ParConflict(f"Chưa tính được kết quả khảo sát: {problem}") from None
    freeze(assessment, taken, now)
    record_status(
        session,
        actor,
        assessment,
        "approved",
        "",
        satisfaction_index=taken.index,
        satisfaction_n=taken.n,
    )
    assessment.approved_at = now
    touch(assessment, now)
    return taken


def return_to_council(
    session: Session,
    assessment: ParAssessment,
    actor: User,
    reason: str,
    now: dt.datetime,
    expected_version: int | None = None,
) -> None:
    """The chairman sends an appraised or approved assessment back for a new appraisal."""
    require_not_frozen(assessment)
    require_role(actor, ("chairman",), "trả lại hồ sơ")
    require_status(assessment, ("appraised", "approved"), "trả lại hồ sơ")
    require_version(assessment, expected_version)
    clean = _reason(reason)
    thaw(assessment)
    assessment.appraised_at = None
    assessment.approved_at = None
    record_status(session, actor, assessment, "submitted", clean)
    touch(assessment, now)


def reopen(
    session: Session,
    assessment: ParAssessment,
    actor: User,
    reason: str,
    new_deadline: dt.datetime,
    now: dt.datetime,
    expected_version: int | None = None,
) -> None:
    """A district officer gives the commune its self-assessment back with a later deadline."""
    require_not_frozen(assessment)
    require_role(actor, ("district_officer",), "mở lại hồ sơ")
    require_status(assessment, ("draft", "submitted", "appraised"), "mở lại hồ sơ")
    require_version(assessment, expected_version)
    clean = _reason(reason)
    if new_deadline <= now:
        raise ParInvalid({"deadline": "Hạn mới phải sau thời điểm hiện tại."})
    old_deadline = assessment.deadline_extended_to
    assessment.deadline_extended_to = new_deadline
    assessment.submitted_at = None
    assessment.appraised_at = None
    record_status(
        session,
        actor,
        assessment,
        "draft",
        clean,
        old_deadline=old_deadline.isoformat() if old_deadline else None,
        new_deadline=new_deadline.isoformat(),
    )
    touch(assessment, now)


def publish_round(session: Session, par_round: ParRound, actor: User, now: dt.datetime) -> int:
    """The chairman publishes every (approved) assessment of the round; scores freeze."""
    if par_round.published_at is not None:
        raise ParConflict("Đợt này đã được công bố.")
    require_role(actor, ("chairman",), "công bố kết quả")
    if not par_round.assessments:
        raise ParConflict("Đợt này chưa có đơn vị nào.")
    waiting = [a for a in par_round.assessments if a.status != "approved"]
    if waiting:
        names = ", ".join(
            f"{a.unit.name} ({STATUS_LABELS[a.status].lower()})"
            for a in sorted(waiting, key=lambda a: a.unit.code)
        )
        raise ParConflict(f"Chưa thể công bố: còn đơn vị chưa được phê duyệt: {names}.")
    for assessment in par_round.assessments:
        record_status(session, actor, assessment, "published", "")
        touch(assessment, now)
    par_round.published_at = now
    par_round.published_by_id = actor.id
    audit.record(
        session,
        "par_round_published",
        target=round_target(par_round),
        actor=actor,
        detail={"units": len(par_round.assessments)},
    )
    return len(par_round.assessments)
