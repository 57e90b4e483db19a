"""The review queue of a round: its quality policy, the held responses, the decisions.

District officers and administrators set the policy; they and analysts decide. Every change is
audited; decisions can be undone until a published PAR Index freezes the round's results.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app.db import get_session
from survey_app.form_messages import VietnameseForm
from survey_app.responses.review import DECISION_LABELS, FLAG_LABELS, excluded_counts
from survey_app.review.decisions import (
    MIN_SECONDS_RANGE,
    ReviewProblem,
    channel_mix,
    decide,
    flag_counts,
    frozen_by,
    queue,
    set_policy,
)
from survey_app.rounds.access import round_for_staff
from survey_app.sql_types import utcnow
from survey_app.staff import authz

bp = Blueprint("review", __name__, url_prefix="/staff/rounds/<round_code>/review")

POLICY_EDITORS = ("admin", "district_officer")
REVIEWERS = ("admin", "district_officer", "analyst")


class ActionForm(VietnameseForm):
    """The CSRF token; the posted values are read and checked by ``review.decisions``."""


@bp.get("/")
@authz.roles_required(*REVIEWERS)
def index(round_code: str) -> str:
    survey_round = round_for_staff(round_code)
    session = get_session()
    waiting, decided = queue(session, survey_round)
    return render_template(
        "review/index.html",
        survey_round=survey_round,
        form=ActionForm(),
        waiting=waiting,
        decided=decided,
        counts=flag_counts(session, survey_round),
        not_counting=excluded_counts(session, survey_round),
        mix=channel_mix(session, survey_round),
        frozen=frozen_by(session, survey_round),
        flag_labels=FLAG_LABELS,
        decision_labels=DECISION_LABELS,
        seconds_range=MIN_SECONDS_RANGE,
        may_edit_policy=authz.user().role in POLICY_EDITORS,
    )


def _done(round_code: str) -> WerkzeugResponse:
    return redirect(url_for(".index", round_code=round_code))


@bp.post("/policy")
@authz.roles_required(*POLICY_EDITORS)
def policy(round_code: str) -> WerkzeugResponse:
    survey_round = round_for_staff(round_code)
    if not ActionForm().validate_on_submit():
        abort(400)
    session = get_session()
    seconds = request.form.get("min_seconds", "").strip()
    try:
        if not (seconds.isascii() and seconds.isdigit() and len(seconds) <= 6):
            raise ReviewProblem("Thời gian tối thiểu là một số nguyên giây.")
        set_policy(
            session,
            survey_round,
            authz.user(),
            flags=request.form.getlist("flags"),
            hold=request.form.get("hold") == "y",
            min_seconds=int(seconds),
        )
    except ReviewProblem as problem:
        session.rollback()
        flash(str(problem), "error")
    else:
        session.commit()
        flash("Đã lưu chính sách kiểm tra chất lượng.", "info")
    return _done(round_code)


@bp.post("/<int:response_id>")
@authz.roles_required(*REVIEWERS)
def decision(round_code: str, response_id: int) -> WerkzeugResponse:
    survey_round = round_for_staff(round_code)
    if not ActionForm().validate_on_submit():
        abort(400)
    session = get_session()
    chosen = request.form.get("decision", "")
    try:
        decide(
            session,
            survey_round,
            response_id,
            authz.user(),
            None if chosen == "undo" else chosen,
            request.form.get("reason", ""),
            utcnow(),
        )
    except ReviewProblem as problem:
        session.rollback()
        flash(str(problem), "error")
    else:
        session.commit()
        flash(f"Đã ghi quyết định cho phiếu {response_id}.", "info")
    return _done(round_code)
