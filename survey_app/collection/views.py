"""The citizen's survey: GET a commune link, answer page by page, POST, see the receipt."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, url_for
from flask import request as flask_request
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app.collection import form_tokens, recording, submit_limits
from survey_app.collection.forms import META_FIELDS, SurveyPageForm
from survey_app.db import get_session
from survey_app.errors import render_message
from survey_app.i18n import current_language
from survey_app.local_time import format_local
from survey_app.questionnaires.answers import unknown_fields, validate_answers
from survey_app.questionnaires.model import Questionnaire
from survey_app.quotas.check import unit_is_full
from survey_app.rounds.links import public_url, resolve_token
from survey_app.rounds.models import SurveyLink
from survey_app.rounds.qr import qr_png, qr_svg
from survey_app.rounds.services import round_questionnaire
from survey_app.sql_types import utcnow

bp = Blueprint("survey", __name__, url_prefix="/s")

PageResult = tuple[str, int] | WerkzeugResponse


def _link_or_404(token: str, *, include_revoked: bool = False) -> SurveyLink:
    link = resolve_token(get_session(), token, include_revoked=include_revoked)
    if link is None:
        abort(404, description="invalid_link")
    return link


def _round_closed_page(link: SurveyLink, status: int) -> tuple[str, int] | None:
    state = link.round.status_at(utcnow())
    if state == "not_open":
        opens = format_local(link.round.opens_at)
        return render_message(status, "not_open_title", "not_open_body", opens=opens)
    if state == "closed":
        closes = format_local(link.round.closes_at)
        return render_message(status, "closed_title", "closed_body", closes=closes)
    return None


def _relevant_pages(questionnaire: Questionnaire, values: dict[str, Any]) -> list[int]:
    """Pages with at least one relevant question: a page of skipped questions is not shown."""
    # One pass over the form: asking is_relevant per question would redo it for each of them.
    shown = questionnaire.relevance(values)
    return [
        index
        for index, section in enumerate(questionnaire.sections)
        if any(shown[q.name] for q in section.questions)
    ]


def _render_page(
    link: SurveyLink,
    token: str,
    questionnaire: Questionnaire,
    form: SurveyPageForm,
    page: int,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> tuple[str, int]:
    pages = _relevant_pages(questionnaire, values)
    if page not in pages:
        page = next((p for p in pages if p >= page), pages[-1])
    section = questionnaire.sections[page]
    form.page.data = str(page)
    on_page = {q.name for q in section.questions}
    carried = {
        name: value
        for name, value in values.items()
        if name not in on_page and value not in (None, "", [])
    }
    html = render_template(
        "collection/page.html",
        link=link,
        token=token,
        questionnaire=questionnaire,
        section=section,
        form=form,
        values=values,
        errors=errors,
        carried=carried,
        position=pages.index(page) + 1,
        page_count=len(pages),
        is_last=page == pages[-1],
        language=form.lang.data,
    )
    return html, status


@bp.get("/<token>")
def start(token: str) -> PageResult:
    link = _link_or_404(token)
    closed = _round_closed_page(link, 200)
    if closed is not None:
        return closed
    if link.round.quota_policy == "close" and unit_is_full(
        get_session(), link.round_id, link.unit_id
    ):
        # Say so before the citizen spends five minutes on answers that would not be stored.
        return render_message(200, "quota_full_title", "quota_full_body")
    questionnaire = round_questionnaire(link.round)
    submission_id = str(uuid.uuid4())
    form = SurveyPageForm(
        formdata=None,
        submission_id=submission_id,
        # The signed form load: one stored response per GET, and the server's start time.
        started_at=form_tokens.issue(link.id, submission_id),
        page="0",
        lang=current_language(),
        action="next",
    )
    return _render_page(link, token, questionnaire, form, 0, {}, {})


@bp.post("/<token>")
@submit_limits.limited
def answer(token: str) -> PageResult:
    link = _link_or_404(token)
    form = SurveyPageForm()
    if not form.validate():
        abort(400)
    try:
        load = form_tokens.verify(form.started_at.data, link.id, form.submission_id.data)
    except form_tokens.FormLoadRefused:
        return _receipt_if_stored(link, token, form) or render_message(
            400, "bad_request_title", "csrf_body"
        )
    # A final submit needs no look-up of its own: the INSERT's unique submission_id answers
    # "already stored?" (record_response). Other actions look first, so a citizen who comes back
    # to an earlier page after submitting is shown the receipt rather than the form.
    if form.action.data != "submit" and (stored := _receipt_if_stored(link, token, form)):
        return stored
    closed = _round_closed_page(link, 403)
    if closed is not None:
        return _receipt_if_stored(link, token, form) or closed
    questionnaire = round_questionnaire(link.round)
    answer_names = set(flask_request.form.keys()) - META_FIELDS
    if unknown_fields(questionnaire, answer_names):
        abort(400)
    raw = {name: flask_request.form.getlist(name) for name in answer_names}
    language = form.lang.data
    validated = validate_answers(questionnaire, raw, language)
    values, errors = validated.values, validated.errors
    page = int(form.page.data)
    if page >= len(questionnaire.sections):
        abort(400)
    pages = _relevant_pages(questionnaire, values)
    action = form.action.data

    if action == "back":
        earlier = [p for p in pages if p < page]
        return _render_page(
            link, token, questionnaire, form, earlier[-1] if earlier else 0, values, {}
        )
    # Errors on this page or before it are shown; later pages are not answered yet.
    shown_so_far = {q.name for s in questionnaire.sections[: page + 1] for q in s.questions}
    visible_errors = {name: msg for name, msg in errors.items() if name in shown_so_far}
    if visible_errors:
        first = _first_page_with(questionnaire, visible_errors)
        return _render_page(link, token, questionnaire, form, first, values, visible_errors, 422)
    later = [p for p in pages if p > page]
    if later and action == "next":
        return _render_page(link, token, questionnaire, form, later[0], values, {})
    if later or errors:
        # A submit that skipped pages (a hand-made POST): show the first unanswered page.
        target = _first_page_with(questionnaire, errors) if errors else later[0]
        return _render_page(link, token, questionnaire, form, target, values, errors, 422)
    return _submit(link, token, questionnaire, form, values, load)


def _submit(
    link: SurveyLink,
    token: str,
    questionnaire: Questionnaire,
    form: SurveyPageForm,
    values: dict[str, Any],
    load: form_tokens.FormLoad,
) -> PageResult:
    try:
        recorded = recording.record_response(
            get_session(),
            link,
            questionnaire,
            values,
            submission_id=form.submission_id.data,
            language=form.lang.data,
            duration_seconds=form_tokens.elapsed_seconds(load),
        )
    except recording.DossierAlreadyUsed:
        return render_message(409, "dossier_used_title", "dossier_used_body")
    except recording.SubmissionConflict:
        abort(400)
    except recording.QuotaClosed:
        return render_message(409, "quota_full_title", "quota_full_body")
    if recorded.created:
        submit_limits.note_stored()
    return _to_receipt(token, recorded.response.submission_id, form.lang.data)


def _receipt_if_stored(
    link: SurveyLink, token: str, form: SurveyPageForm
) -> WerkzeugResponse | None:
    existing = recording.find_submission(get_session(), form.submission_id.data)
    if existing is None:
        return None
    if existing.round_id != link.round_id or existing.unit_id != link.unit_id:
        abort(400)
    return _to_receipt(token, existing.submission_id, form.lang.data)


def _first_page_with(questionnaire: Questionnaire, errors: dict[str, str]) -> int:
    for index, section in enumerate(questionnaire.sections):
        if any(q.name in errors for q in section.questions):
            return index
    return 0


def _to_receipt(token: str, submission_id: str, language: str) -> WerkzeugResponse:
    # 303 turns the POST into a GET, so reloading the receipt never re-posts the answers.
    target = url_for("survey.receipt", token=token, submission_id=submission_id, lang=language)
    return redirect(target, code=303)


@bp.get("/<token>/r/<submission_id>")
def receipt(token: str, submission_id: str) -> PageResult:
    # A receipt outlives the rotation of its link: the citizen's bookmark must keep working.
    link = _link_or_404(token, include_revoked=True)
    stored = recording.find_submission(get_session(), submission_id)
    if stored is None or stored.round_id != link.round_id or stored.unit_id != link.unit_id:
        abort(404)
    return render_template("collection/receipt.html", link=link, response=stored), 200


@bp.get("/<token>/qr.png")
def qr_image_png(token: str) -> Response:
    link = _link_or_404(token)
    return Response(qr_png(public_url(link)), mimetype="image/png")


@bp.get("/<token>/qr.svg")
def qr_image_svg(token: str) -> Response:
    link = _link_or_404(token)
    return Response(qr_svg(public_url(link)), mimetype="image/svg+xml")


@bp.get("/<token>/poster")
def poster(token: str) -> tuple[str, int]:
    link = _link_or_404(token)
    return render_template(
        "collection/poster.html", link=link, token=token, url=public_url(link)
    ), 200
