"""Who may change a PAR assessment, in which status, until when: the checks every change runs.

The workflow (statuses in order)::

    draft ──submit──► submitted ──complete appraisal──► appraised ──approve──► approved
      ▲                  │    ▲                            │                     │
      └──reopen──────────┘    └────────return (chairman)───┴─────────────────────┘
    (district officer; a new deadline for that unit)           publish round ──► published

These checks live in the domain layer so that a hand-made POST is refused exactly like a
button the page does not show. Published assessments are frozen for everybody.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from survey_app.local_time import service_zone
from survey_app.par.models import ParAssessment, ParRound
from survey_app.staff import audit
from survey_app.staff.models import User

STATUS_LABELS = {
    "draft": "Đang soạn",
    "submitted": "Đã nộp, chờ thẩm định",
    "appraised": "Đã thẩm định, chờ phê duyệt",
    "approved": "Đã phê duyệt",
    "published": "Đã công bố",
}
RULE_LABELS = {
    "rescale": "quy đổi điểm thẩm định sang thang 100 (điểm thẩm định / điểm tối đa × 100)",
    "zero": "phần điều tra xã hội học được 0 điểm",
    "mean": "lấy chỉ số hài lòng trung bình của các đơn vị có khảo sát",
}


class ParProblem(ValueError):
    """A change that is refused; the message (Vietnamese) says why and what to do."""


class ParForbidden(ParProblem):
    """The user's role or unit does not allow this (403, audited)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ParConflict(ParProblem):
    """Not in this status, past the deadline, frozen, or changed meanwhile (409)."""


class ParInvalid(ParProblem):
    """Values that cannot be stored, by form field name (422); nothing was changed."""

    def __init__(self, errors: Mapping[str, str], message: str = "") -> None:
        super().__init__(message or "Có giá trị không hợp lệ; xem thông báo bên cạnh từng ô.")
        self.errors = dict(errors)


def target(assessment: ParAssessment) -> str:
    """The audit target naming this assessment."""
    return f"par:{assessment.round.code}:{assessment.unit.code}"


def effective_deadline(assessment: ParAssessment) -> dt.datetime:
    """The round's self-assessment deadline, or the unit's later one after a reopening."""
    deadline = assessment.round.self_assessment_deadline
    extended = assessment.deadline_extended_to
    return max(deadline, extended) if extended is not None else deadline


def show_moment(moment: dt.datetime | None) -> str:
    if moment is None:
        return "—"
    local = moment.astimezone(service_zone())
    offset = local.utcoffset() or dt.timedelta()
    return local.strftime("%H:%M ngày %d/%m/%Y") + f" (GMT{offset.total_seconds() / 3600:+g})"


def require_role(actor: User, roles: tuple[str, ...], what: str) -> None:
    if actor.role not in roles:
        raise ParForbidden(f"Vai trò của bạn không được {what}.", reason=f"par_role:{what}")


def require_own_unit(actor: User, assessment: ParAssessment) -> None:
    """A commune officer acts for their own unit only, whatever the URL says."""
    if actor.role != "commune_officer" or actor.unit_id != assessment.unit_id:
        raise ParForbidden("Bạn chỉ được tự đánh giá cho đơn vị của mình.", reason="par_unit")


def require_not_frozen(assessment: ParAssessment) -> None:
    if assessment.status == "published" or assessment.round.published_at is not None:
        raise ParConflict("Kết quả đã được công bố: điểm đã chốt, không ai được sửa.")


def require_status(assessment: ParAssessment, statuses: tuple[str, ...], what: str) -> None:
    if assessment.status not in statuses:
        allowed = ", ".join(STATUS_LABELS[s].lower() for s in statuses)
        raise ParConflict(
            f"Không thể {what} khi hồ sơ đang ở trạng thái “{STATUS_LABELS[assessment.status]}” "
            f"(chỉ khi: {allowed})."
        )


def require_version(assessment: ParAssessment, expected: int | None) -> None:
    """Refuse a form posted from a page older than the last saved change."""
    if expected is not None and expected != assessment.version:
        raise ParConflict(
            "Hồ sơ vừa được người khác thay đổi. Vui lòng tải lại trang và nhập lại thay đổi."
        )


def require_before_deadline(assessment: ParAssessment, now: dt.datetime) -> None:
    deadline = effective_deadline(assessment)
    if now > deadline:
        raise ParConflict(
            f"Đã quá hạn tự đánh giá ({show_moment(deadline)}). Chỉ Phòng Nội vụ có thể mở lại "
            "hồ sơ và cho hạn mới."
        )


def require_commune_draft(
    actor: User,
    assessment: ParAssessment,
    now: dt.datetime,
    expected_version: int | None,
    *,
    role_action: str,
    status_action: str,
) -> None:
    """The guards of every change a commune makes to its self-assessment.

    Not frozen, the unit's own commune officer, still a draft, before the deadline, and posted
    from the latest version of the page. ``*_action`` name the change in the refusals.
    """
    require_not_frozen(assessment)
    require_role(actor, ("commune_officer",), role_action)
    require_own_unit(actor, assessment)
    require_status(assessment, ("draft",), status_action)
    require_before_deadline(assessment, now)
    require_version(assessment, expected_version)


def may_edit_self(actor: User, assessment: ParAssessment, now: dt.datetime) -> bool:
    """Whether the self-assessment form is offered (the same rules as saving)."""
    return (
        actor.role == "commune_officer"
        and actor.unit_id == assessment.unit_id
        and assessment.status == "draft"
        and assessment.round.published_at is None
        and now <= effective_deadline(assessment)
    )


def touch(assessment: ParAssessment, now: dt.datetime) -> None:
    """Mark the assessment changed, so its version moves on and stale pages are refused."""
    assessment.updated_at = now


def record_status(
    session: Session,
    actor: User,
    assessment: ParAssessment,
    new: str,
    reason: str,
    **extra: Any,
) -> None:
    """Change the status and write who, old and new status and the reason to the audit log."""
    old = assessment.status
    assessment.status = new
    audit.record(
        session,
        "par_status",
        target=target(assessment),
        actor=actor,
        detail={"old": old, "new": new, "reason": reason, **extra},
    )


def round_target(par_round: ParRound) -> str:
    return f"par:{par_round.code}"
