"""Rendering one page of the citizen's questionnaire: which page, its progress, its title,
its errors in the GOV.UK pattern, and the words around it in the citizen's language."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import current_app, render_template, url_for

from survey_app.collection.assets import asset_url
from survey_app.collection.forms import SurveyPageForm
from survey_app.i18n import translate
from survey_app.local_time import service_zone
from survey_app.questionnaires.model import Question, Questionnaire
from survey_app.rounds.models import SurveyLink
from survey_app.units.naming import committee_name


@dataclass(frozen=True)
class Progress:
    """Where the citizen is, counted over every section of the form.

    Counting over all sections (not only those relevant so far) means the total never changes
    and the position never goes back when a branch opens or closes: a skipped page simply
    counts as passed ("Trang 6/9" → "Trang 8/9").
    """

    position: int
    total: int

    @property
    def percent(self) -> int:
        return round(100 * self.position / self.total)


def relevant_pages(questionnaire: Questionnaire, values: dict[str, Any]) -> list[int]:
    """Pages with at least one relevant question: a page of skipped questions is not shown."""
    # One pass over the form: asking is_relevant per question would redo it for each of them.
    shown = questionnaire.relevance(values)
    return [
        index
        for index, section in enumerate(questionnaire.sections)
        if any(shown[q.name] for q in section.questions)
    ]


def first_page_with(questionnaire: Questionnaire, errors: dict[str, str]) -> int:
    for index, section in enumerate(questionnaire.sections):
        if any(q.name in errors for q in section.questions):
            return index
    return 0


def input_id(question: Question) -> str:
    """The id of the question's first input: where an error summary link takes the citizen."""
    return f"{question.name}-1" if question.type.startswith("select") else question.name


def local_time(moment: dt.datetime, language: str) -> str:
    """ "14:05, 15/10/2021 (giờ Việt Nam)": the zone in words, not "(+07)"."""
    local = moment.astimezone(service_zone())
    zone = translate("vietnam_time", language) if local.utcoffset() == dt.timedelta(hours=7) else ""
    return f"{local:%H:%M, %d/%m/%Y}" + (f" ({zone})" if zone else f" ({local:%Z})")


def render_page(
    link: SurveyLink,
    token: str,
    questionnaire: Questionnaire,
    form: SurveyPageForm,
    page: int,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
    *,
    notice: str = "",
) -> tuple[str, int]:
    pages = relevant_pages(questionnaire, values)
    if page not in pages:
        page = next((p for p in pages if p >= page), pages[-1])
    section = questionnaire.sections[page]
    language = form.lang.data
    form.page.data = str(page)
    on_page = {q.name for q in section.questions}
    carried = {
        name: value
        for name, value in values.items()
        if name not in on_page and value not in (None, "", [])
    }
    shown = [q for q in section.questions if questionnaire.is_relevant(q, values)]
    progress = Progress(page + 1, len(questionnaire.sections))
    page_of = translate("page_of", language, page=progress.position, pages=progress.total)
    title = f"{section.label[language]} ({page_of}) – {translate('survey_name', language)}"
    if errors:
        title = translate("error_prefix", language) + title
    html = render_template(
        "collection/page.html",
        link=link,
        token=token,
        questionnaire=questionnaire,
        section=section,
        questions=shown,
        form=form,
        values=values,
        errors=errors,
        # Each summary line names its question: four "Vui lòng chọn một câu trả lời." say nothing.
        summary=[
            (input_id(q), f"{q.label[language]}: {errors[q.name]}")
            for q in shown
            if q.name in errors
        ],
        carried=carried,
        progress=progress,
        page_of=page_of,
        page_title=title,
        committee=committee_name(link.unit, language),
        is_first=page == pages[0],
        is_last=page == pages[-1],
        language=language,
        other_language="en" if language == "vi" else "vi",
        notice=notice,
        kiosk_idle=_kiosk_idle(token, form),
        script_url=asset_url("survey.js"),
        worker_url=asset_url("outbox-worker.js"),
    )
    return html, status


def _kiosk_idle(token: str, form: SurveyPageForm) -> dict[str, Any] | None:
    """On a kiosk, where an abandoned questionnaire goes: a fresh one, after a warning."""
    if not form.kiosk.data:
        return None
    return {
        "seconds": int(current_app.config["KIOSK_IDLE_SECONDS"]),
        "warning": int(current_app.config["KIOSK_IDLE_WARNING_SECONDS"]),
        "url": url_for("survey.start", token=token, lang=form.lang.data, kiosk=form.kiosk.data),
    }
