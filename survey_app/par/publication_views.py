"""Approval and publication pages: approving every commune whose appraisal is complete in one
action, the confirmation that shows exactly what publishing will freeze, the printable
approval decision (quyết định phê duyệt), and corrections after publication.

The chairman acts; every district role reads the decision. The domain functions
(`approval`, `publication`) check the role again and audit each change.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from survey_app.db import get_session
from survey_app.par import forms as par_forms
from survey_app.par import pages as par_pages
from survey_app.par import publication as par_publication
from survey_app.par.approval import approve_many, ready_for_approval
from survey_app.par.models import ParRound
from survey_app.par.rules import STATUS_LABELS, ParInvalid, ParProblem
from survey_app.par.satisfaction import SatisfactionFigures, figures_from, round_table
from survey_app.par.view_support import Page, run_change
from survey_app.results.estimates import ResultsProblem
from survey_app.sql_types import utcnow
from survey_app.staff import authz

bp = Blueprint("par_publication", __name__, url_prefix="/staff/par", cli_group=None)


def render_approvals(
    par_round: ParRound, errors: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    ready = ready_for_approval(par_round)
    figures: dict[str, SatisfactionFigures] = {}
    problem = ""
    if ready:
        try:
            table = round_table(get_session(), par_round)
            figures = {a.unit.code: figures_from(table, a.unit.code) for a in ready}
        except ResultsProblem as error:
            problem = str(error)
    survey = par_round.survey_round
    return (
        render_template(
            "par/approve_many.html",
            par_round=par_round,
            ready=ready,
            figures=figures,
            problem=problem,
            survey_open=survey is not None and survey.status_at(utcnow()) != "closed",
            others=sorted(
                (a for a in par_round.assessments if a.status != "appraised"),
                key=lambda a: a.unit.code,
            ),
            status_labels=STATUS_LABELS,
            errors=errors or {},
        ),
        status,
    )


@bp.get("/<round_code>/approve-many")
@authz.roles_required("chairman")
def approvals(round_code: str) -> Page:
    return render_approvals(par_pages.round_or_404(round_code))


@bp.post("/<round_code>/approve-many")
@authz.roles_required("chairman")
def approve_selected(round_code: str) -> Page:
    par_round = par_pages.round_or_404(round_code)
    par_forms.check_names({"unit"})
    codes = request.form.getlist("unit")
    count: list[int] = []

    def refused(problem: ParProblem, status: int) -> Page:
        flash(str(problem), "error")
        errors = problem.errors if isinstance(problem, ParInvalid) else {}
        return render_approvals(par_round, errors, status)

    page = run_change(
        par_round,
        lambda: count.append(approve_many(get_session(), par_round, authz.user(), codes, utcnow())),
        refused,
    )
    if page is not None:
        return page
    flash(f"Đã phê duyệt {count[0]} đơn vị.", "info")
    return redirect(url_for("par.round_overview", round_code=round_code))


def render_confirmation(
    par_round: ParRound, errors: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    waiting = sorted(
        (a for a in par_round.assessments if a.status != "approved"), key=lambda a: a.unit.code
    )
    data: dict[str, Any] | None = None
    if not waiting and par_round.published_at is None:
        data = par_publication.pending_snapshot(get_session(), par_round)
    previous = par_publication.latest(par_round)
    return (
        render_template(
            "par/publish_confirm.html",
            par_round=par_round,
            waiting=waiting,
            status_labels=STATUS_LABELS,
            snap=data,
            fingerprint=par_publication.fingerprint(data) if data else "",
            next_number=(previous.number + 1) if previous else 1,
            previous=previous,
            errors=errors or {},
            form=request.form if request.method == "POST" else {},
        ),
        status,
    )


@bp.get("/<round_code>/publish")
@authz.roles_required("chairman")
def confirm(round_code: str) -> Page:
    return render_confirmation(par_pages.round_or_404(round_code))


@bp.post("/<round_code>/publish")
@authz.roles_required("chairman")
def publish(round_code: str) -> Page:
    par_round = par_pages.round_or_404(round_code)
    par_forms.check_names({"confirm", "fingerprint", "decision_number", "decision_date"})

    def change() -> None:
        if par_round.published_at is None and request.form.get("confirm") != "yes":
            raise ParInvalid(
                {"confirm": "Đánh dấu ô xác nhận trước khi công bố."},
                "Chưa công bố: cần xác nhận đã xem bảng.",
            )
        par_publication.publish(
            get_session(),
            par_round,
            authz.user(),
            utcnow(),
            expected_fingerprint=request.form.get("fingerprint", ""),
            decision_number=request.form.get("decision_number", ""),
            decision_date=request.form.get("decision_date", ""),
        )

    def refused(problem: ParProblem, status: int) -> Page:
        flash(str(problem), "error")
        errors = problem.errors if isinstance(problem, ParInvalid) else {}
        return render_confirmation(par_round, errors, status)

    page = run_change(par_round, change, refused)
    if page is not None:
        return page
    flash("Đã công bố kết quả Chỉ số CCHC của đợt; trang công khai đã cập nhật.", "info")
    return redirect(url_for("par_public.ranking", round_code=round_code))


@bp.post("/<round_code>/correct")
@authz.roles_required("chairman")
def correct(round_code: str) -> Page:
    par_round = par_pages.round_or_404(round_code)
    par_forms.check_names({"reason", "unit"})

    def refused(problem: ParProblem, status: int) -> Page:
        flash(str(problem), "error")
        errors = problem.errors if isinstance(problem, ParInvalid) else {}
        return par_pages.render_round(par_round, status, errors)

    page = run_change(
        par_round,
        lambda: par_publication.start_correction(
            get_session(),
            par_round,
            authz.user(),
            request.form.get("reason", ""),
            request.form.getlist("unit"),
            utcnow(),
        ),
        refused,
    )
    if page is not None:
        return page
    flash(
        "Đã mở đính chính: phiên bản đã công bố vẫn hiển thị công khai cho tới khi công bố "
        "phiên bản mới.",
        "info",
    )
    return redirect(url_for("par.round_overview", round_code=round_code))


@bp.get("/<round_code>/decision")
@authz.roles_required(*authz.DISTRICT_ROLES)
def decision(round_code: str) -> Page:
    """The approval decision of a published version (?version=n, else the latest); before
    any publication, a draft from the communes approved so far."""
    par_round = par_pages.round_or_404(round_code)
    raw = request.args.get("version", "")
    publication = None
    if raw:
        if not raw.isdigit():
            abort(400)
        publication = next((p for p in par_round.publications if p.number == int(raw)), None)
        if publication is None:
            abort(404)
    else:
        publication = par_publication.latest(par_round)
    data = (
        publication.snapshot
        if publication is not None
        else par_publication.pending_snapshot(get_session(), par_round)
    )
    return render_template(
        "par/decision.html", par_round=par_round, publication=publication, snap=data
    )
