"""Who in the council appraises a commune and who closes the appraisal.

An appraisal needs the round's council: its members appraise (only the members assigned to a
commune, when the district split the work), and its chair or secretary completes it. These
checks run in the domain functions (`entry.save_appraisal`, `workflow.complete_appraisal`) so
a hand-made POST is refused like a hidden button.
"""

from __future__ import annotations

from survey_app.par.council_models import (
    CLOSING_ROLES,
    COUNCIL_ROLE_LABELS,
    ParCouncilMember,
)
from survey_app.par.models import ParAssessment, ParRound
from survey_app.par.rules import ParConflict, ParForbidden
from survey_app.staff.models import User

NO_COUNCIL = (
    "Chưa thành lập Hội đồng thẩm định cho đợt này: Phòng Nội vụ nhập quyết định thành lập và "
    "danh sách thành viên ở trang Hội đồng thẩm định."
)


def membership(par_round: ParRound, user: User) -> ParCouncilMember | None:
    council = par_round.council
    if council is None:
        return None
    return next((m for m in council.members if m.user_id == user.id), None)


def assigned_members(assessment: ParAssessment) -> list[ParCouncilMember]:
    """The members assigned to this commune (empty: any member may appraise it)."""
    council = assessment.round.council
    if council is None:
        return []
    return [
        m for m in council.members if any(a.assessment_id == assessment.id for a in m.assignments)
    ]


def require_appraiser(actor: User, assessment: ParAssessment) -> ParCouncilMember:
    """A member of the round's council, assigned to this commune if anyone is."""
    if assessment.round.council is None:
        raise ParConflict(NO_COUNCIL)
    member = membership(assessment.round, actor)
    if member is None:
        raise ParForbidden(
            "Bạn không có tên trong Hội đồng thẩm định của đợt này.", reason="par_not_in_council"
        )
    assigned = assigned_members(assessment)
    if assigned and member not in assigned:
        names = ", ".join(m.user.full_name for m in assigned)
        raise ParForbidden(
            f"Đơn vị này được phân công cho {names}; bạn không được thẩm định đơn vị này.",
            reason="par_not_assigned",
        )
    return member


def require_closer(actor: User, assessment: ParAssessment) -> ParCouncilMember:
    """The council's chair or secretary."""
    if assessment.round.council is None:
        raise ParConflict(NO_COUNCIL)
    member = membership(assessment.round, actor)
    if member is None or member.council_role not in CLOSING_ROLES:
        roles = " hoặc ".join(COUNCIL_ROLE_LABELS[r] for r in CLOSING_ROLES)
        raise ParForbidden(
            f"Chỉ {roles} Hội đồng được hoàn tất thẩm định.", reason="par_not_council_closer"
        )
    return member


def may_appraise(actor: User, assessment: ParAssessment) -> bool:
    """Whether the appraisal form is offered (the same rules as saving)."""
    if actor.role != "council_member" or assessment.status not in ("submitted", "appraised"):
        return False
    try:
        require_appraiser(actor, assessment)
    except (ParConflict, ParForbidden):
        return False
    return True


def may_close(actor: User, assessment: ParAssessment) -> bool:
    if actor.role != "council_member" or assessment.status != "submitted":
        return False
    try:
        require_closer(actor, assessment)
    except (ParConflict, ParForbidden):
        return False
    return True
