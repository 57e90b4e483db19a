"""The calendar of a PAR round: every dated step with its state, what each commune has due or
overdue, the form that sets the dates, and the e-mail reminder.

Every district role reads it; district officers and administrators set the dates and send the
reminder (the domain functions check the roles again and audit each change).
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from survey_app.db import get_session
from survey_app.local_time import service_zone
from survey_app.par import calendar as par_calendar
from survey_app.par import forms as par_forms
from survey_app.par import pages as par_pages
from survey_app.par.models import ParRound
from survey_app.par.reminders import mail_configured, send_reminder
from survey_app.par.rules import ParInvalid, ParProblem, round_target
from survey_app.par.view_support import Page, run_change
from survey_app.sql_types import utcnow
from survey_app.staff import audit, authz

bp = Blueprint("par_calendar", __name__, url_prefix="/staff/par", cli_group=None)
EDITORS = par_calendar.CALENDAR_EDITORS


def _form_values(par_round: ParRound) -> dict[str, str]:
    """The stored dates as the form shows them (local day, dd/mm/yyyy)."""
    values = {}
    for key, _ in par_calendar.DATED_STEPS:
        moment = getattr(par_round, key)
        values[key] = "" if moment is None else f"{moment.astimezone(service_zone()):%d/%m/%Y}"
    return values


def render_calendar(
    par_round: ParRound, errors: dict[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    now = utcnow()
    units = []
    for assessment in sorted(par_round.assessments, key=lambda a: a.unit.code):
        steps = par_calendar.unit_steps(assessment, now)
        units.append((assessment, steps, par_calendar.next_step(steps)))
    values = _form_values(par_round)
    if request.method == "POST" and request.endpoint == "par_calendar.save":
        values = {key: request.form.get(key, "") for key, _ in par_calendar.DATED_STEPS}
    return (
        render_template(
            "par/calendar.html",
            par_round=par_round,
            steps=par_calendar.round_steps(par_round, now),
            units=units,
            overdue=sum(1 for _, steps, _ in units if any(s.overdue for s in steps)),
            dated_steps=par_calendar.DATED_STEPS,
            values=values,
            errors=errors or {},
            can_edit=authz.user().role in EDITORS and par_round.published_at is None,
            can_remind=authz.user().role in EDITORS,
            mail_on=mail_configured(current_app.config),
        ),
        status,
    )


@bp.get("/<round_code>/calendar")
@authz.roles_required(*authz.DISTRICT_ROLES)
def calendar(round_code: str) -> Page:
    return render_calendar(par_pages.round_or_404(round_code))


@bp.post("/<round_code>/calendar")
@authz.roles_required(*EDITORS)
def save(round_code: str) -> Page:
    par_round = par_pages.round_or_404(round_code)
    par_forms.check_names({key for key, _ in par_calendar.DATED_STEPS})
    raw = {key: request.form.get(key, "") for key, _ in par_calendar.DATED_STEPS}
    changed: list[int] = []

    def change() -> None:
        changed.append(par_calendar.set_calendar(get_session(), par_round, authz.user(), raw))

    def refused(problem: ParProblem, status: int) -> Page:
        flash(str(problem), "error")
        errors = problem.errors if isinstance(problem, ParInvalid) else {}
        return render_calendar(par_round, errors, status)

    page = run_change(par_round, change, refused)
    if page is not None:
        return page
    flash(f"Đã lưu lịch của đợt ({changed[0]} ngày thay đổi).", "info")
    return redirect(url_for("par_calendar.calendar", round_code=round_code))


@bp.post("/<round_code>/calendar/remind")
@authz.roles_required(*EDITORS)
def remind(round_code: str) -> Page:
    par_round = par_pages.round_or_404(round_code)
    par_forms.check_names(set())
    sent: list[tuple[int, list[str]]] = []

    def change() -> None:
        lines, recipients = send_reminder(par_round, utcnow(), current_app.config)
        sent.append((lines, list(recipients)))
        audit.record(
            get_session(),
            "par_reminder_sent",
            target=round_target(par_round),
            detail={"lines": lines, "recipients": list(recipients)},
        )

    def refused(problem: ParProblem, status: int) -> Page:
        flash(str(problem), "error")
        return render_calendar(par_round, {}, status)

    page = run_change(par_round, change, refused)
    if page is not None:
        return page
    lines, recipients = sent[0]
    if lines:
        flash(f"Đã gửi thư nhắc {lines} việc tới {', '.join(recipients)}.", "info")
    else:
        flash("Không có việc quá hạn hay sắp đến hạn: không gửi thư.", "info")
    return redirect(url_for("par_calendar.calendar", round_code=round_code))
