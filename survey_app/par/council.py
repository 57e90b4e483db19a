"""Setting up a round's appraisal council: the establishing decision (with its scanned PDF),
the members and their council roles, and which communes each member appraises.

District officers and administrators do this. Every change is checked first and changes
nothing if refused, then written with one audit entry; nothing changes after publication.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from survey_app.par.council_models import (
    COUNCIL_ROLE_LABELS,
    COUNCIL_ROLES,
    ParCouncil,
    ParCouncilAssignment,
    ParCouncilMember,
)
from survey_app.par.models import ParRound
from survey_app.par.rules import (
    ParConflict,
    ParInvalid,
    require_role,
    round_target,
)
from survey_app.par.scoring import InputRefused, clean_text, parse_document_date
from survey_app.staff import audit
from survey_app.staff.models import User

#: Who sets the council up (Phòng Nội vụ leads it, DOMAIN.md §1).
COUNCIL_ADMINS = ("admin", "district_officer")
#: A scanned decision of a few pages is well under this; anything larger is a mistake.
PDF_MAX_BYTES = 5 * 1024 * 1024
#: Council roles a council may hold only once.
SINGLE_ROLES = ("chair", "secretary")


@dataclass(frozen=True)
class UploadedPdf:
    """The decision's file as posted: the browser's file name and its bytes."""

    filename: str
    data: bytes


def require_editable(par_round: ParRound) -> None:
    if par_round.published_at is not None or par_round.publications:
        raise ParConflict(
            "Kết quả đợt này đã được công bố: Hội đồng thẩm định không còn thay đổi được."
        )


def safe_pdf_name(filename: str) -> str:
    """A download name made of letters, digits, dots, dashes and underscores only."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", base.rsplit(".", 1)[0]).strip("-.") or "quyet-dinh"
    return stem[:100] + ".pdf"


def check_pdf(upload: UploadedPdf) -> str:
    """The file's safe name, or InputRefused: a real PDF (by its first bytes, not its name),
    not empty, not larger than PDF_MAX_BYTES."""
    if not upload.filename.lower().endswith(".pdf"):
        raise InputRefused("Chỉ nhận tệp PDF (đuôi .pdf).")
    if not upload.data:
        raise InputRefused("Tệp tải lên rỗng.")
    if len(upload.data) > PDF_MAX_BYTES:
        raise InputRefused(
            f"Tệp quá lớn ({len(upload.data) / 1024 / 1024:.1f} MB); tối đa "
            f"{PDF_MAX_BYTES // 1024 // 1024} MB.".replace(".", ",", 1)
        )
    if not upload.data.startswith(b"%PDF-"):
        raise InputRefused("Tệp không phải là PDF (nội dung không bắt đầu bằng %PDF-).")
    return safe_pdf_name(upload.filename)


def save_decision(
    session: Session,
    par_round: ParRound,
    actor: User,
    *,
    number: str,
    date: str,
    signer: str,
    pdf: UploadedPdf | None,
    today: dt.date,
) -> ParCouncil:
    """Create or update the council's establishing decision (số, ngày, người ký, bản PDF)."""
    require_role(actor, COUNCIL_ADMINS, "thành lập Hội đồng thẩm định")
    require_editable(par_round)
    errors: dict[str, str] = {}
    clean: dict[str, str] = {}
    for name, raw, limit in (("number", number, 100), ("signer", signer, 200)):
        try:
            clean[name] = clean_text(raw, limit)
        except InputRefused as refused:
            errors[name] = str(refused)
            continue
        if not clean[name]:
            errors[name] = "Không được để trống."
    day: dt.date | None = None
    try:
        day = parse_document_date(date, today)
    except InputRefused as refused:
        errors["date"] = str(refused)
    pdf_name = ""
    if pdf is not None:
        try:
            pdf_name = check_pdf(pdf)
        except InputRefused as refused:
            errors["pdf"] = str(refused)
    if errors or day is None:
        raise ParInvalid(errors, "Chưa lưu được quyết định; xem thông báo bên cạnh từng ô.")
    council = par_round.council
    created = council is None
    if council is None:
        council = ParCouncil(
            decision_number=clean["number"], decision_date=day, signer=clean["signer"]
        )
        par_round.council = council
    council.decision_number = clean["number"]
    council.decision_date = day
    council.signer = clean["signer"]
    council.updated_at = dt.datetime.now(dt.UTC)
    detail: dict[str, object] = {
        "number": council.decision_number,
        "date": day.isoformat(),
        "signer": council.signer,
        "created": created,
    }
    if pdf is not None:
        council.decision_pdf = pdf.data
        council.decision_pdf_name = pdf_name
        council.decision_pdf_size = len(pdf.data)
        council.decision_pdf_sha256 = hashlib.sha256(pdf.data).hexdigest()
        detail.update(pdf=pdf_name, pdf_sha256=council.decision_pdf_sha256)
    audit.record(
        session, "par_council_decision", target=round_target(par_round), actor=actor, detail=detail
    )
    return council


def _council(par_round: ParRound) -> ParCouncil:
    if par_round.council is None:
        raise ParConflict("Chưa có quyết định thành lập Hội đồng: nhập quyết định trước.")
    return par_round.council


def add_member(
    session: Session,
    par_round: ParRound,
    actor: User,
    *,
    user: User | None,
    council_role: str,
    position: str,
) -> ParCouncilMember:
    """Seat an account on the council. Only active ``council_member`` accounts; one chair and
    one secretary at most."""
    require_role(actor, COUNCIL_ADMINS, "sửa thành phần Hội đồng thẩm định")
    require_editable(par_round)
    council = _council(par_round)
    errors: dict[str, str] = {}
    if user is None:
        errors["user"] = "Chọn một tài khoản."
    elif user.role != "council_member" or not user.active:
        errors["user"] = (
            "Chỉ tài khoản đang hoạt động có vai trò “Thành viên Hội đồng thẩm định” mới vào "
            "được Hội đồng; Quản trị viên tạo hoặc đổi vai trò tài khoản."
        )
    elif any(m.user_id == user.id for m in council.members):
        errors["user"] = f"{user.full_name} đã là thành viên Hội đồng."
    if council_role not in COUNCIL_ROLES:
        errors["council_role"] = "Chọn vai trò trong Hội đồng."
    elif council_role in SINGLE_ROLES and any(
        m.council_role == council_role for m in council.members
    ):
        errors["council_role"] = f"Hội đồng đã có {COUNCIL_ROLE_LABELS[council_role].lower()}."
    clean_position = ""
    try:
        clean_position = clean_text(position, 200)
    except InputRefused as refused:
        errors["position"] = str(refused)
    if errors or user is None:
        raise ParInvalid(errors, "Chưa thêm được thành viên; xem thông báo bên cạnh từng ô.")
    member = ParCouncilMember(user=user, council_role=council_role, position=clean_position)
    council.members.append(member)
    audit.record(
        session,
        "par_council_member_added",
        target=round_target(par_round),
        actor=actor,
        detail={"user": user.username, "council_role": council_role, "position": clean_position},
    )
    return member


def remove_member(
    session: Session, par_round: ParRound, actor: User, member_id: int
) -> ParCouncilMember:
    require_role(actor, COUNCIL_ADMINS, "sửa thành phần Hội đồng thẩm định")
    require_editable(par_round)
    council = _council(par_round)
    member = next((m for m in council.members if m.id == member_id), None)
    if member is None:
        raise ParConflict("Thành viên này không (còn) thuộc Hội đồng.")
    units = sorted(a.assessment.unit.code for a in member.assignments)
    council.members.remove(member)
    audit.record(
        session,
        "par_council_member_removed",
        target=round_target(par_round),
        actor=actor,
        detail={
            "user": member.user.username,
            "council_role": member.council_role,
            "assignments_dropped": units,
        },
    )
    return member


def save_assignments(
    session: Session,
    par_round: ParRound,
    actor: User,
    wanted: Mapping[int, set[str]],
) -> int:
    """Replace who appraises which commune: ``wanted`` maps member id → unit codes (members
    left out get none). Returns the number of assignments added or removed."""
    require_role(actor, COUNCIL_ADMINS, "phân công thẩm định")
    require_editable(par_round)
    council = _council(par_round)
    members = {m.id: m for m in council.members}
    by_code = {a.unit.code: a for a in par_round.assessments}
    unknown_members = set(wanted) - set(members)
    unknown_units = set().union(*wanted.values()) - set(by_code) if wanted else set()
    if unknown_members or unknown_units:
        raise ParInvalid(
            {"assignments": "Có thành viên hoặc đơn vị không thuộc đợt này; tải lại trang."}
        )
    changes = 0
    for member_id, member in members.items():
        codes = wanted.get(member_id, set())
        have = {a.assessment.unit.code: a for a in member.assignments}
        added = sorted(codes - set(have))
        removed = sorted(set(have) - codes)
        for code in removed:
            member.assignments.remove(have[code])
        for code in added:
            member.assignments.append(ParCouncilAssignment(assessment=by_code[code]))
        if added or removed:
            changes += len(added) + len(removed)
            audit.record(
                session,
                "par_council_assignment",
                target=round_target(par_round),
                actor=actor,
                detail={"user": member.user.username, "added": added, "removed": removed},
            )
    return changes
