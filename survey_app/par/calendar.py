"""The calendar of a PAR round: every dated step of the district's plan, what is done, what is
due and what is overdue, for the round and for each commune.

The steps follow the seed plan (Hương Sơn 127/KH-UBND): the council established, the
communes' self-assessment, the citizen survey (its window is the linked survey round's), the
council's appraisal, the chairman's approval and the publication. Dates other than the
self-assessment deadline are optional: a step without a date is never overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from survey_app.local_time import service_zone
from survey_app.par.models import ParAssessment, ParRound
from survey_app.par.rules import ParConflict, ParInvalid, effective_deadline, require_role
from survey_app.par.rules import round_target as par_round_target
from survey_app.staff import audit
from survey_app.staff.models import User

#: The editable dates, in the plan's order: (ParRound attribute, label).
DATED_STEPS = (
    ("council_due", "Thành lập Hội đồng thẩm định"),
    ("self_assessment_deadline", "Cấp xã tự đánh giá, nộp báo cáo"),
    ("appraisal_due", "Hội đồng thẩm định xong"),
    ("approval_due", "Chủ tịch UBND huyện phê duyệt"),
    ("publication_due", "Công bố kết quả"),
)
REQUIRED = ("self_assessment_deadline",)
CALENDAR_EDITORS = ("admin", "district_officer")
#: What each commune-level step needs to count as done (assessment statuses).
DONE_STATUSES = {
    "self_assessment_deadline": ("submitted", "appraised", "approved", "published"),
    "appraisal_due": ("appraised", "approved", "published"),
    "approval_due": ("approved", "published"),
    "publication_due": ("published",),
}
STATE_LABELS = {
    "done": "Đã xong",
    "due": "Chưa đến hạn",
    "overdue": "Quá hạn",
    "no_date": "Chưa đặt ngày",
    "open": "Đang diễn ra",
    "not_open": "Chưa bắt đầu",
    "none": "Không áp dụng",
}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    due: dt.datetime | None
    state: str  # a key of STATE_LABELS
    detail: str = ""
    opens: dt.datetime | None = None  # the survey window's start

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def overdue(self) -> bool:
        return self.state == "overdue"


def _state(done: bool, due: dt.datetime | None, now: dt.datetime) -> str:
    if done:
        return "done"
    if due is None:
        return "no_date"
    return "overdue" if now > due else "due"


def round_steps(par_round: ParRound, now: dt.datetime) -> list[Step]:
    """The round's steps in the plan's order, the survey window between self-assessment and
    appraisal; a commune-level step is done when every commune has done it."""
    units = par_round.assessments
    steps = []
    for key, label in DATED_STEPS:
        due: dt.datetime | None = getattr(par_round, key)
        if key == "council_due":
            council = par_round.council
            done = council is not None
            detail = (
                f"Quyết định số {council.decision_number} ngày "
                f"{council.decision_date:%d/%m/%Y}, {len(council.members)} thành viên"
                if council is not None
                else ""
            )
        else:
            finished = sum(1 for a in units if a.status in DONE_STATUSES[key])
            done = bool(units) and finished == len(units)
            detail = f"{finished}/{len(units)} đơn vị"
        steps.append(Step(key, label, due, _state(done, due, now), detail))
        if key == "self_assessment_deadline":
            steps.append(_survey_step(par_round, now))
    return steps


def _survey_step(par_round: ParRound, now: dt.datetime) -> Step:
    survey = par_round.survey_round
    label = "Khảo sát sự hài lòng của người dân, tổ chức"
    if survey is None:
        return Step("survey", label, None, "none", "Đợt này không gắn với đợt khảo sát nào")
    status = survey.status_at(now)
    state = {"closed": "done", "open": "open", "not_open": "not_open"}[status]
    return Step("survey", label, survey.closes_at, state, survey.code, opens=survey.opens_at)


def unit_steps(assessment: ParAssessment, now: dt.datetime) -> list[Step]:
    """One commune's steps: its own self-assessment deadline (after a reopening, the later
    one), then the council's, the chairman's and the publication dates."""
    par_round = assessment.round
    steps = []
    for key, label in DATED_STEPS[1:]:
        due = effective_deadline(assessment) if key == REQUIRED[0] else getattr(par_round, key)
        done = assessment.status in DONE_STATUSES[key]
        steps.append(Step(key, label, due, _state(done, due, now)))
    return steps


def next_step(steps: list[Step]) -> Step | None:
    """The first step not done yet (None: everything is done)."""
    return next((s for s in steps if s.state != "done"), None)


def parse_local_date(raw: str, field: str, errors: dict[str, str]) -> dt.datetime | None:
    """A date typed as dd/mm/yyyy (or yyyy-mm-dd from a date picker): the end of that local day."""
    text = raw.strip()
    if not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        local = dt.datetime.combine(day, dt.time(23, 59), service_zone())
        return local.astimezone(dt.UTC)
    errors[field] = "Ngày phải theo dạng ngày/tháng/năm, ví dụ 05/11/2021."
    return None


def set_calendar(
    session: Session,
    par_round: ParRound,
    actor: User,
    raw: Mapping[str, str],
) -> int:
    """Store the round's dates (each the end of a local day); returns how many changed.

    The self-assessment deadline is required; the dates must follow the plan's order.
    """
    require_role(actor, CALENDAR_EDITORS, "sửa lịch của đợt")
    if par_round.published_at is not None:
        raise ParConflict("Kết quả đã công bố: lịch của đợt không còn thay đổi được.")
    errors: dict[str, str] = {}
    wanted: dict[str, dt.datetime | None] = {}
    for key, _ in DATED_STEPS:
        wanted[key] = parse_local_date(raw.get(key, ""), key, errors)
        if key in REQUIRED and wanted[key] is None and key not in errors:
            errors[key] = "Hạn tự đánh giá là bắt buộc."
    previous: tuple[str, dt.datetime] | None = None
    for key, label in DATED_STEPS:
        moment = wanted[key]
        if moment is None or key in errors:
            continue
        if previous is not None and moment < previous[1]:
            earlier = dict(DATED_STEPS)[previous[0]]
            errors[key] = f"“{label}” không được trước “{earlier}”."
        previous = (key, moment)
    if errors:
        raise ParInvalid(errors, "Chưa lưu được lịch; xem thông báo bên cạnh từng ngày.")
    changes: dict[str, dict[str, str | None]] = {}
    for key, _ in DATED_STEPS:
        old: dt.datetime | None = getattr(par_round, key)
        new = wanted[key]
        if old != new:
            changes[key] = {
                "old": old.isoformat() if old else None,
                "new": new.isoformat() if new else None,
            }
            setattr(par_round, key, new)
    if changes:
        audit.record(
            session, "par_calendar", target=par_round_target(par_round), actor=actor, detail=changes
        )
    return len(changes)
