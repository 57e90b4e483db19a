"""The appraisal council's pages: the council of a round (decision, members, who appraises
which commune), the decision's PDF, and a commune's printable appraisal minute.

District officers and administrators set the council up; every district role sees it. The
domain functions (`survey_app.par.council`) check the roles again and audit every change.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.local_time import local_today
from survey_app.par import council as par_council
from survey_app.par import pages as par_pages
from survey_app.par.council_models import COUNCIL_ROLE_LABELS, COUNCIL_ROLES
from survey_app.par.minutes import build_minute
from survey_app.par.models import ParRound
from survey_app.par.rounds import round_criteria
from survey_app.par.rules import ParInvalid, ParProblem, round_target
from survey_app.par.view_support import Page, run_change
from survey_app.staff import audit, authz
from survey_app.staff.models import User
from survey_app.units.naming import committee_name, full_name

bp = Blueprint("par_council", __name__, url_prefix="/staff/par", cli_group=None)

#: The decision's PDF (≤ par_council.PDF_MAX_BYTES) plus the form around it.
UPLOAD_LIMIT = par_council.PDF_MAX_BYTES + 64 * 1024
ADMINS = par_council.COUNCIL_ADMINS


@bp.url_value_preprocessor
def _allow_upload(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Before CSRF's before_request reads (and size-checks) the multipart body.
    request.max_content_length = UPLOAD_LIMIT


def _candidates() -> list[User]:
    query = select(User).where(User.role == "council_member", User.active.is_(True))
    return list(get_session().scalars(query.order_by(User.full_name)))


def render_council(
    par_round: ParRound, errors: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    council = par_round.council
    seated = {m.user_id for m in council.members} if council else set()
    assessments = sorted(par_round.assessments, key=lambda a: a.unit.code)
    return (
        render_template(
            "par/council.html",
            par_round=par_round,
            council=council,
            assessments=assessments,
            assigned={
                (m.id, a.assessment_id)
                for m in (council.members if council else [])
                for a in m.assignments
            },
            candidates=[u for u in _candidates() if u.id not in seated],
            role_labels=COUNCIL_ROLE_LABELS,
            council_roles=COUNCIL_ROLES,
            can_edit=authz.user().role in ADMINS and par_round.published_at is None,
            errors=errors or {},
            form=request.form if request.method == "POST" else {},
            pdf_max_mb=par_council.PDF_MAX_BYTES // 1024 // 1024,
        ),
        status,
    )


def _change(round_code: str, change: Any, done: str) -> Page:
    par_round = par_pages.round_or_404(round_code)

    def refused(problem: ParProblem, status: int) -> Page:
        flash(str(problem), "error")
        errors = problem.errors if isinstance(problem, ParInvalid) else {}
        return render_council(par_round, errors, status)

    page = run_change(par_round, lambda: change(par_round), refused)
    if page is not None:
        return page
    flash(done, "info")
    return redirect(url_for("par_council.council", round_code=round_code))


def _check_names(allowed: set[str]) -> None:
    if set(request.form) - allowed - {"csrf_token"} or set(request.files) - {"pdf"}:
        abort(400)


@bp.get("/<round_code>/council/")
@authz.roles_required(*authz.DISTRICT_ROLES)
def council(round_code: str) -> Page:
    return render_council(par_pages.round_or_404(round_code))


@bp.post("/<round_code>/council/decision")
@authz.roles_required(*ADMINS)
def save_decision(round_code: str) -> Page:
    _check_names({"number", "date", "signer"})
    upload = request.files.get("pdf")
    pdf = None
    if upload is not None:
        # Read and close at once: a large upload is spooled to a temporary file.
        try:
            if upload.filename:
                pdf = par_council.UploadedPdf(upload.filename, upload.read())
        finally:
            upload.close()
    return _change(
        round_code,
        lambda r: par_council.save_decision(
            get_session(),
            r,
            authz.user(),
            number=request.form.get("number", ""),
            date=request.form.get("date", ""),
            signer=request.form.get("signer", ""),
            pdf=pdf,
            today=local_today(),
        ),
        "Đã lưu quyết định thành lập Hội đồng thẩm định.",
    )


@bp.get("/<round_code>/council/decision.pdf")
@authz.roles_required(*authz.DISTRICT_ROLES)
def decision_pdf(round_code: str) -> Response:
    par_round = par_pages.round_or_404(round_code)
    council = par_round.council
    if council is None or council.decision_pdf is None:
        abort(404)
    session = get_session()
    audit.record(
        session,
        "par_council_pdf_download",
        target=round_target(par_round),
        detail={"pdf": council.decision_pdf_name, "sha256": council.decision_pdf_sha256},
    )
    session.commit()
    return Response(
        council.decision_pdf,
        mimetype="application/pdf",
        headers={
            # Downloaded, never rendered inline from our origin, and never sniffed as HTML.
            "Content-Disposition": f'attachment; filename="{council.decision_pdf_name}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


@bp.post("/<round_code>/council/members")
@authz.roles_required(*ADMINS)
def add_member(round_code: str) -> Page:
    _check_names({"user_id", "council_role", "position"})
    raw = request.form.get("user_id", "")
    user = get_session().get(User, int(raw)) if raw.isdigit() else None
    return _change(
        round_code,
        lambda r: par_council.add_member(
            get_session(),
            r,
            authz.user(),
            user=user,
            council_role=request.form.get("council_role", ""),
            position=request.form.get("position", ""),
        ),
        "Đã thêm thành viên Hội đồng.",
    )


@bp.post("/<round_code>/council/members/<int:member_id>/remove")
@authz.roles_required(*ADMINS)
def remove_member(round_code: str, member_id: int) -> Page:
    _check_names(set())
    return _change(
        round_code,
        lambda r: par_council.remove_member(get_session(), r, authz.user(), member_id),
        "Đã bỏ thành viên khỏi Hội đồng.",
    )


@bp.post("/<round_code>/council/assignments")
@authz.roles_required(*ADMINS)
def save_assignments(round_code: str) -> Page:
    wanted: dict[int, set[str]] = {}
    for name in request.form:
        if name == "csrf_token":
            continue
        prefix, _, member_id = name.partition("-")
        if prefix != "assign" or not member_id.isdigit():
            abort(400)
        wanted[int(member_id)] = set(request.form.getlist(name))
    return _change(
        round_code,
        lambda r: par_council.save_assignments(get_session(), r, authz.user(), wanted),
        "Đã lưu phân công thẩm định.",
    )


@bp.get("/<round_code>/<unit_code>/minutes")
@authz.roles_required(*authz.STAFF_ROLES)
def minutes(round_code: str, unit_code: str) -> Page:
    assessment = par_pages.assessment_or_404(round_code, unit_code)
    closed = assessment.status in ("appraised", "approved", "published")
    if not closed and authz.unit_scope() is not None:
        # The commune sees the council's scores only once the appraisal is closed.
        flash("Chưa có biên bản: Hội đồng chưa hoàn tất thẩm định đơn vị này.", "error")
        return redirect(url_for("par.assessment", round_code=round_code, unit_code=unit_code))
    return render_template(
        "par/minutes.html",
        draft=not closed,
        minute=build_minute(get_session(), assessment),
        criteria=round_criteria(assessment.round),
        committee=committee_name(assessment.unit),
        unit_full_name=full_name(assessment.unit),
    )
