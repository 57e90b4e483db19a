"""PAR Index pages: rounds, a unit's assessment, the self-assessment and appraisal forms, the
workflow buttons and the ranking table with its exports.

Roles are checked twice: by `roles_required` / `require_unit_access` here, and again by the
domain functions (`entry`, `workflow`), which also enforce status, deadline and the
freeze after publication. Views parse the form, call one domain function and render.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.db import get_session
from survey_app.par import entry
from survey_app.par import forms as par_forms
from survey_app.par import pages as par_pages
from survey_app.par import workflow as par_workflow
from survey_app.par.criteria_model import ScoredItem
from survey_app.par.exports import iter_csv, xlsx_bytes
from survey_app.par.models import ParAssessment, ParRound
from survey_app.par.rounds import init_criteria, round_criteria
from survey_app.par.rules import (
    RULE_LABELS,
    STATUS_LABELS,
    ParInvalid,
    ParProblem,
    show_moment,
)
from survey_app.par.satisfaction import unit_figures
from survey_app.par.scoring import show_points
from survey_app.par.table import RANK_INTERVAL_NOTE, RANKING_NOTE
from survey_app.par.view_support import Page, run_change
from survey_app.sql_types import utcnow
from survey_app.staff import audit, authz
from survey_app.staff.models import User
from survey_app.units.naming import kind_label

bp = Blueprint("par", __name__, url_prefix="/staff/par", cli_group=None)
bp.record_once(lambda state: init_criteria(state.app))

#: A field's form carries up to a dozen explanations of 1,000 characters: more than the
#: citizen-sized MAX_CONTENT_LENGTH, so staff PAR forms get their own limit.
FORM_LIMIT = 512 * 1024


@bp.url_value_preprocessor
def _allow_larger_forms(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # URL value preprocessors run before every before_request function, including CSRF's,
    # which is the first to read (and size-check) the form.
    request.max_content_length = FORM_LIMIT


@bp.app_template_global("unit_kind")
def _unit_kind(kind: str, capital: bool = False) -> str:
    """A unit's own kind in PAR pages ("thị trấn", never "xã" for a thị trấn)."""
    return kind_label(kind, capital=capital)


@bp.app_template_filter("points")
def _points_filter(value: Any) -> str:
    return show_points(value)


@bp.app_template_filter("share_pct")
def _share_filter(value: float | None) -> str:
    return "—" if value is None else show_points(round(value * 100, 2)) + " %"


@bp.app_template_filter("pct")
def _pct_filter(value: float | None) -> str:
    return "—" if value is None else show_points(round(value, 2)) + " %"


@bp.app_template_filter("moment")
def _moment_filter(value: dt.datetime | None) -> str:
    return show_moment(value)


@bp.get("/")
@authz.roles_required(*authz.STAFF_ROLES)
def rounds() -> str:
    query = select(ParRound).order_by(ParRound.year.desc(), ParRound.code)
    scope = authz.unit_scope()
    if scope is not None:
        query = query.join(ParAssessment).where(ParAssessment.unit_id == scope)
    return render_template("par/rounds.html", rounds=list(get_session().scalars(query)))


@bp.get("/<round_code>/")
@authz.roles_required(*authz.STAFF_ROLES)
def round_overview(round_code: str) -> Page:
    par_round = par_pages.round_or_404(round_code)
    scope = authz.unit_scope()
    if scope is not None:
        own = next((a for a in par_round.assessments if a.unit_id == scope), None)
        if own is None:
            abort(404)
        return redirect(url_for("par.assessment", round_code=round_code, unit_code=own.unit.code))
    return par_pages.render_round(par_round)


@bp.get("/<round_code>/<unit_code>/")
@authz.roles_required(*authz.STAFF_ROLES)
def assessment(round_code: str, unit_code: str) -> Page:
    return par_pages.render_assessment(par_pages.assessment_or_404(round_code, unit_code))


@bp.get("/<round_code>/<unit_code>/field/<field_code>")
@authz.roles_required(*authz.STAFF_ROLES)
def field(round_code: str, unit_code: str, field_code: str) -> Page:
    assessment = par_pages.assessment_or_404(round_code, unit_code)
    return par_pages.render_field(assessment, *par_pages.field_or_404(assessment, field_code))


def _save_field(
    round_code: str,
    unit_code: str,
    field_code: str,
    save: Callable[[ParAssessment, list[ScoredItem], int], object],
    done: str,
) -> Page:
    """Save one field's scores; refused values come back next to their fields (422)."""
    assessment = par_pages.assessment_or_404(round_code, unit_code)
    field, items = par_pages.field_or_404(assessment, field_code)

    def refused(problem: ParProblem, status: int) -> Page:
        errors = problem.errors if isinstance(problem, ParInvalid) else {}
        return par_pages.render_field(
            assessment, field, items, dict(request.form), errors, str(problem), status
        )

    version = par_forms.posted_version()
    page = run_change(assessment, lambda: save(assessment, items, version), refused)
    if page is not None:
        return page
    flash(f"{done} lĩnh vực {field.code}.", "info")
    return redirect(
        url_for("par.field", round_code=round_code, unit_code=unit_code, field_code=field_code)
    )


@bp.post("/<round_code>/<unit_code>/field/<field_code>/self")
@authz.roles_required("commune_officer")
def save_self(round_code: str, unit_code: str, field_code: str) -> Page:
    def save(assessment: ParAssessment, items: list[ScoredItem], version: int) -> object:
        entries = par_forms.self_entries(items)
        return entry.save_self_assessment(
            get_session(), assessment, authz.user(), items, entries, utcnow(), version
        )

    return _save_field(round_code, unit_code, field_code, save, "Đã lưu điểm tự chấm")


@bp.post("/<round_code>/<unit_code>/field/<field_code>/appraisal")
@authz.roles_required("council_member")
def save_appraisal(round_code: str, unit_code: str, field_code: str) -> Page:
    def save(assessment: ParAssessment, items: list[ScoredItem], version: int) -> object:
        entries = par_forms.appraisal_entries(items)
        return entry.save_appraisal(
            get_session(), assessment, authz.user(), items, entries, utcnow(), version
        )

    return _save_field(round_code, unit_code, field_code, save, "Đã lưu điểm thẩm định")


def _status_action(
    round_code: str,
    unit_code: str,
    allowed: set[str],
    done: str,
    change: Callable[[ParAssessment, int], object],
) -> Page:
    assessment = par_pages.assessment_or_404(round_code, unit_code)
    par_forms.check_names(allowed)
    version = par_forms.posted_version()

    def refused(problem: ParProblem, status: int) -> Page:
        flash(str(problem), "error")
        errors = problem.errors if isinstance(problem, ParInvalid) else {}
        return par_pages.render_assessment(assessment, errors, status)

    page = run_change(assessment, lambda: change(assessment, version), refused)
    if page is not None:
        return page
    flash(done, "info")
    return redirect(url_for("par.assessment", round_code=round_code, unit_code=unit_code))


def _checked_against_criteria(
    step: Callable[[Session, ParAssessment, User, Sequence[ScoredItem], dt.datetime, int], None],
) -> Callable[[ParAssessment, int], object]:
    """A workflow step that checks every scored item of the round's criteria set."""
    return lambda a, v: step(
        get_session(), a, authz.user(), round_criteria(a.round).items(), utcnow(), v
    )


@bp.post("/<round_code>/<unit_code>/submit")
@authz.roles_required("commune_officer")
def submit(round_code: str, unit_code: str) -> Page:
    return _status_action(
        round_code,
        unit_code,
        set(),
        "Đã nộp hồ sơ tự đánh giá.",
        _checked_against_criteria(par_workflow.submit),
    )


@bp.post("/<round_code>/<unit_code>/complete-appraisal")
@authz.roles_required("council_member")
def complete_appraisal(round_code: str, unit_code: str) -> Page:
    return _status_action(
        round_code,
        unit_code,
        set(),
        "Đã hoàn tất thẩm định.",
        _checked_against_criteria(par_workflow.complete_appraisal),
    )


@bp.post("/<round_code>/<unit_code>/approve")
@authz.roles_required("chairman")
def approve(round_code: str, unit_code: str) -> Page:
    return _status_action(
        round_code,
        unit_code,
        set(),
        "Đã phê duyệt.",
        lambda a, v: par_workflow.approve(
            get_session(), a, authz.user(), lambda: unit_figures(get_session(), a), utcnow(), v
        ),
    )


@bp.post("/<round_code>/<unit_code>/return")
@authz.roles_required("chairman")
def return_to_council(round_code: str, unit_code: str) -> Page:
    return _status_action(
        round_code,
        unit_code,
        {"reason"},
        "Đã trả lại hồ sơ để thẩm định lại.",
        lambda a, v: par_workflow.return_to_council(
            get_session(), a, authz.user(), request.form.get("reason", ""), utcnow(), v
        ),
    )


@bp.post("/<round_code>/<unit_code>/reopen")
@authz.roles_required("district_officer")
def reopen(round_code: str, unit_code: str) -> Page:
    return _status_action(
        round_code,
        unit_code,
        {"reason", "deadline_date", "deadline_time"},
        "Đã mở lại hồ sơ cho xã với hạn mới.",
        lambda a, v: par_workflow.reopen(
            get_session(),
            a,
            authz.user(),
            request.form.get("reason", ""),
            par_forms.new_deadline(),
            utcnow(),
            v,
        ),
    )


@bp.get("/<round_code>/table")
@authz.roles_required(*authz.STAFF_ROLES)
def table(round_code: str) -> str:
    par_table, problem = par_pages.table_for_viewer(round_code)
    return render_template(
        "par/table.html",
        table=par_table,
        problem=problem,
        rule_labels=RULE_LABELS,
        status_labels=STATUS_LABELS,
        ranking_note=RANKING_NOTE,
        rank_interval_note=RANK_INTERVAL_NOTE,
    )


def _export(round_code: str, kind: str) -> Response:
    par_table, _ = par_pages.table_for_viewer(round_code)
    session = get_session()
    audit.record(
        session,
        "par_export",
        target=f"par:{round_code}",
        detail={"format": kind, "published": par_table.published},
    )
    session.commit()
    suffix = "" if par_table.published else "-ban-xem-truoc"
    name = f"chi-so-cchc-{round_code}{suffix}.{kind}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if kind == "csv":
        return Response(iter_csv(par_table), mimetype="text/csv", headers=disposition)
    return Response(
        xlsx_bytes(par_table),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers=disposition,
    )


@bp.get("/<round_code>/table.csv")
@authz.roles_required(*authz.STAFF_ROLES)
def table_csv(round_code: str) -> Response:
    return _export(round_code, "csv")


@bp.get("/<round_code>/table.xlsx")
@authz.roles_required(*authz.STAFF_ROLES)
def table_xlsx(round_code: str) -> Response:
    return _export(round_code, "xlsx")
