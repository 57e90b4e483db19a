"""The citizen's survey: GET a commune link, answer page by page, POST, see the receipt."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, render_template, url_for
from flask import request as flask_request
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app.collection import form_tokens, recording, submit_limits
from survey_app.collection.assets import asset_response, asset_url
from survey_app.collection.checks import dossier_errors
from survey_app.collection.forms import META_FIELDS, SurveyPageForm
from survey_app.collection.kiosk import kiosk_flag
from survey_app.collection.pages import first_page_with, local_time, relevant_pages, render_page
from survey_app.collection.shared_device import forbid_storing, record_own_response
from survey_app.db import get_session
from survey_app.errors import render_message
from survey_app.i18n import current_language, translate
from survey_app.questionnaires.answers import unknown_fields, validate_answers
from survey_app.questionnaires.model import Questionnaire
from survey_app.quotas.check import unit_is_full
from survey_app.rounds.links import public_url, resolve_token
from survey_app.rounds.models import SurveyLink
from survey_app.rounds.qr import qr_png, qr_svg
from survey_app.rounds.services import round_questionnaire
from survey_app.sql_types import utcnow
from survey_app.units.naming import committee_name

bp = Blueprint("survey", __name__, url_prefix="/s")


@bp.app_context_processor
def _stylesheet() -> dict[str, str]:
    # base.html (citizen pages and every error page) links the one cached stylesheet.
    return {"citizen_css": asset_url("citizen.css")}


@bp.after_request
def _no_store(response: WerkzeugResponse) -> WerkzeugResponse:
    # QR images and static files are public and the same for everyone; every other page may
    # show answers.
    if flask_request.endpoint in ("survey.qr_image_png", "survey.qr_image_svg", "survey.asset"):
        return response
    return forbid_storing(response)


PageResult = tuple[str, int] | WerkzeugResponse


def _link_or_404(token: str, *, include_revoked: bool = False) -> SurveyLink:
    link = resolve_token(get_session(), token, include_revoked=include_revoked)
    if link is None:
        abort(404, description="invalid_link")
    return link


def _round_closed_page(link: SurveyLink, status: int) -> tuple[str, int] | None:
    state = link.round.status_at(utcnow())
    language = current_language()
    if state == "not_open":
        opens = local_time(link.round.opens_at, language)
        return render_message(status, "not_open_title", "not_open_body", opens=opens)
    if state == "closed":
        closes = local_time(link.round.closes_at, language)
        return render_message(status, "closed_title", "closed_body", closes=closes)
    return None


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
        return _quota_full(link, 200)
    questionnaire = round_questionnaire(link.round)
    language = current_language()
    submission_id = str(uuid.uuid4())
    form = SurveyPageForm(
        formdata=None,
        submission_id=submission_id,
        # The signed form load: one stored response per GET, and the server's start time.
        started_at=form_tokens.issue(link.id, submission_id),
        page="0",
        lang=language,
        action="next",
        kiosk=kiosk_flag(link, flask_request.args.get("kiosk")),
    )
    notice = translate("stale_notice", language) if flask_request.args.get("stale") else ""
    return render_page(link, token, questionnaire, form, 0, {}, {}, notice=notice)


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
    form.kiosk.data = kiosk_flag(link, form.kiosk.data)
    # A final submit needs no look-up of its own: the INSERT's unique submission_id answers
    # "already stored?" (record_own_response). Any other action from a page whose response is
    # stored is a stale page (Back on a shared tablet): a fresh questionnaire, nothing of the
    # stored answers (shared_device.py, rule 2).
    if form.action.data != "submit" and _is_stored(link, form):
        return _to_fresh_questionnaire(token, form)
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
    pages = relevant_pages(questionnaire, values)
    action = form.action.data

    if action == "lang":
        # The language button posts the page, so every answer and the page itself are kept.
        form.lang.data = "en" if language == "vi" else "vi"
        return render_page(link, token, questionnaire, form, page, values, {})
    if action == "back":
        earlier = [p for p in pages if p < page]
        return render_page(
            link, token, questionnaire, form, earlier[-1] if earlier else 0, values, {}
        )
    # Errors on this page or before it are shown; later pages are not answered yet.
    shown_so_far = {q.name for s in questionnaire.sections[: page + 1] for q in s.questions}
    visible_errors = {name: msg for name, msg in errors.items() if name in shown_so_far}
    if not visible_errors:
        # A dossier code already rated is refused on the page where it was typed, not after
        # the whole form (the final INSERT still decides a race between two citizens).
        section = questionnaire.sections[page]
        visible_errors = dossier_errors(get_session(), link, questionnaire, section, values)
    if visible_errors:
        first = first_page_with(questionnaire, visible_errors)
        return render_page(link, token, questionnaire, form, first, values, visible_errors, 422)
    later = [p for p in pages if p > page]
    if later and action == "next":
        return render_page(link, token, questionnaire, form, later[0], values, {})
    if later or errors:
        # A submit that skipped pages (a hand-made POST): show the first unanswered page.
        target = first_page_with(questionnaire, errors) if errors else later[0]
        return render_page(link, token, questionnaire, form, target, values, errors, 422)
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
        recorded = record_own_response(
            get_session(),
            link,
            questionnaire,
            values,
            submission_id=form.submission_id.data,
            language=form.lang.data,
            duration_seconds=form_tokens.elapsed_seconds(load),
        )
    except recording.DossierAlreadyUsed:
        # Another citizen rated this dossier while this one was answering: say so on the page
        # of the dossier code, with every answer kept.
        errors = dossier_errors(get_session(), link, questionnaire, None, values)
        page = first_page_with(questionnaire, errors)
        return render_page(link, token, questionnaire, form, page, values, errors, 409)
    except recording.SubmissionConflict:
        abort(400)
    except recording.QuotaClosed:
        return _quota_full(link, 409)
    if recorded.created:
        submit_limits.note_stored()
    return _to_receipt(token, recorded.response.submission_id, form)


def _quota_full(link: SurveyLink, status: int) -> tuple[str, int]:
    committee = committee_name(link.unit, current_language())
    return render_message(status, "quota_full_title", "quota_full_body", committee=committee)


def _is_stored(link: SurveyLink, form: SurveyPageForm) -> bool:
    existing = recording.find_submission(get_session(), form.submission_id.data)
    if existing is None:
        return False
    if existing.round_id != link.round_id or existing.unit_id != link.unit_id:
        abort(400)
    return True


def _receipt_if_stored(
    link: SurveyLink, token: str, form: SurveyPageForm
) -> WerkzeugResponse | None:
    existing = recording.find_submission(get_session(), form.submission_id.data)
    if existing is None:
        return None
    if existing.round_id != link.round_id or existing.unit_id != link.unit_id:
        abort(400)
    return _to_receipt(token, existing.submission_id, form)


def _to_fresh_questionnaire(token: str, form: SurveyPageForm) -> WerkzeugResponse:
    target = url_for(
        "survey.start", token=token, lang=form.lang.data, kiosk=form.kiosk.data or None, stale=1
    )
    return redirect(target, code=303)


def _to_receipt(token: str, submission_id: str, form: SurveyPageForm) -> WerkzeugResponse:
    # 303 turns the POST into a GET, so reloading the receipt never re-posts the answers.
    target = url_for(
        "survey.receipt",
        token=token,
        submission_id=submission_id,
        lang=form.lang.data,
        kiosk=form.kiosk.data or None,
    )
    return redirect(target, code=303)


@bp.get("/<token>/r/<submission_id>")
def receipt(token: str, submission_id: str) -> PageResult:
    # A receipt outlives the rotation of its link: the citizen's bookmark must keep working.
    link = _link_or_404(token, include_revoked=True)
    stored = recording.find_submission(get_session(), submission_id)
    if stored is None or stored.round_id != link.round_id or stored.unit_id != link.unit_id:
        abort(404)
    language = current_language()
    kiosk = kiosk_flag(link, flask_request.args.get("kiosk"))
    html = render_template(
        "collection/receipt.html",
        link=link,
        link_token=token,
        response=stored,
        language=language,
        committee=committee_name(link.unit, language),
        survey_title=round_questionnaire(link.round).title[language],
        received_at=local_time(stored.submitted_at, language),
        new_url=url_for("survey.start", token=token, lang=language, kiosk=kiosk or None),
        other_url=url_for(
            "survey.receipt",
            token=token,
            submission_id=submission_id,
            lang="en" if language == "vi" else "vi",
            kiosk=kiosk or None,
        ),
        kiosk_seconds=int(current_app.config["KIOSK_RETURN_SECONDS"]) if kiosk else 0,
        script_url=asset_url("survey.js"),
    )
    return html, 200


@bp.get("/assets/<name>")
def asset(name: str) -> WerkzeugResponse:
    return asset_response(name)


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
    survey_title = round_questionnaire(link.round).title["vi"]
    html = render_template(
        "collection/poster.html",
        link=link,
        token=token,
        url=public_url(link),
        survey_title=survey_title,
    )
    return html, 200
