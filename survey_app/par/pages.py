"""The PAR pages' lookups and rendering: a round, a unit's assessment, a field's items and the
ranking table, each shown according to the viewer's role (the routes are in
`survey_app.par.views`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from flask import abort, flash, render_template
from sqlalchemy import select

from survey_app.db import get_session
from survey_app.par import entry as par_entry
from survey_app.par.calendar import Step, next_step, unit_steps
from survey_app.par.council_rules import assigned_members, may_appraise, may_close
from survey_app.par.criteria_model import Field, ScoredItem
from survey_app.par.models import ParAssessment, ParRound, ParScore
from survey_app.par.rounds import par_round_by_code, round_criteria
from survey_app.par.rules import (
    RULE_LABELS,
    STATUS_LABELS,
    effective_deadline,
    may_edit_self,
    target,
)
from survey_app.par.satisfaction import (
    SatisfactionFigures,
    figures_from,
    frozen_figures,
    round_table,
    unit_figures,
)
from survey_app.par.scoring import show_points
from survey_app.par.table import ParTable, build_table
from survey_app.results.estimates import ResultsProblem
from survey_app.sql_types import utcnow
from survey_app.staff import authz
from survey_app.staff.models import AuditEvent
from survey_app.units.models import AdminUnit


def round_or_404(round_code: str) -> ParRound:
    par_round = par_round_by_code(get_session(), round_code)
    if par_round is None:
        abort(404)
    return par_round


def assessment_or_404(round_code: str, unit_code: str) -> ParAssessment:
    par_round = round_or_404(round_code)
    found = (
        get_session()
        .scalars(
            select(ParAssessment)
            .join(AdminUnit, AdminUnit.id == ParAssessment.unit_id)
            .where(ParAssessment.round_id == par_round.id, AdminUnit.code == unit_code)
        )
        .first()
    )
    if found is None:
        authz.unknown_unit(unit_code)
    authz.require_unit_access(found.unit_id)  # another unit's officer: 403 + audit entry
    return found


def field_or_404(assessment: ParAssessment, field_code: str) -> tuple[Field, list[ScoredItem]]:
    criteria = round_criteria(assessment.round)
    field = next((f for f in criteria.fields if f.code == field_code), None)
    if field is None:
        abort(404)
    return field, [item for item in criteria.items() if item.field_code == field_code]


def _due(assessment: ParAssessment, now: dt.datetime) -> tuple[Step | None, list[Step]]:
    """(the commune's next step, its overdue steps) for the overview."""
    steps = unit_steps(assessment, now)
    return next_step(steps), [s for s in steps if s.overdue]


def render_round(
    par_round: ParRound, status: int = 200, errors: Mapping[str, str] | None = None
) -> tuple[str, int]:
    rows = sorted(par_round.assessments, key=lambda a: a.unit.code)
    now = utcnow()
    page = render_template(
        "par/round.html",
        par_round=par_round,
        criteria=round_criteria(par_round),
        assessments=rows,
        totals={a.id: _field_totals(list(a.scores)) for a in rows},
        status_labels=STATUS_LABELS,
        rule_label=RULE_LABELS[par_round.no_survey_rule],
        all_approved=all(a.status == "approved" for a in rows),
        actor=authz.user(),
        due={a.id: _due(a, now) for a in rows},
        errors=errors or {},
        ready=sum(1 for a in rows if a.status == "appraised"),
    )
    return page, status


@dataclass(frozen=True)
class FieldTotals:
    """Points of a field (or of all items) so far."""

    self_points: float
    appraised_points: float | None  # None until every item is appraised
    self_scored: int
    items: int


def _field_totals(rows: list[ParScore | None]) -> FieldTotals:
    self_values = [r.self_score for r in rows if r is not None and r.self_score is not None]
    appraised = [r.appraised_score if r is not None else None for r in rows]
    return FieldTotals(
        round(sum(self_values), 2),
        None if any(v is None for v in appraised) else round(sum(v or 0.0 for v in appraised), 2),
        len(self_values),
        len(rows),
    )


def _shows_appraisal(assessment: ParAssessment) -> bool:
    """The commune sees appraised scores and reasons once the appraisal is complete."""
    return authz.user().role != "commune_officer" or assessment.status in (
        "appraised",
        "approved",
        "published",
    )


def _satisfaction(assessment: ParAssessment) -> tuple[SatisfactionFigures | None, str, bool]:
    """(figures, problem, frozen): frozen figures, else a live preview for district roles."""
    frozen = frozen_figures(assessment)
    if frozen is not None:
        return frozen, "", True
    if authz.user().role == "commune_officer":
        return None, "", False
    try:
        return unit_figures(get_session(), assessment), "", False
    except ResultsProblem as problem:
        return None, str(problem), False


def render_assessment(
    assessment: ParAssessment, errors: Mapping[str, str] | None = None, status: int = 200
) -> tuple[str, int]:
    criteria = round_criteria(assessment.round)
    actor = authz.user()
    figures, figures_problem, frozen = _satisfaction(assessment)
    scores = {s.item_code: s for s in assessment.scores}
    items = criteria.items()
    field_totals = {
        field.code: _field_totals([scores.get(i.code) for i in items if i.field_code == field.code])
        for field in criteria.fields
    }
    history = list(
        get_session().scalars(
            select(AuditEvent)
            .where(AuditEvent.target == target(assessment))
            .order_by(AuditEvent.id)
        )
    )
    return (
        render_template(
            "par/assessment.html",
            assessment=assessment,
            par_round=assessment.round,
            criteria=criteria,
            field_totals=field_totals,
            actor=actor,
            deadline=effective_deadline(assessment),
            steps=unit_steps(assessment, utcnow()),
            can_edit_self=may_edit_self(actor, assessment, utcnow()),
            can_appraise=may_appraise(actor, assessment),
            can_close=may_close(actor, assessment),
            appraisers=assigned_members(assessment),
            show_appraisal=_shows_appraisal(assessment),
            figures=figures,
            figures_problem=figures_problem,
            figures_frozen=frozen,
            satisfaction_max=float(criteria.satisfaction.max_points),
            rule_label=RULE_LABELS[assessment.round.no_survey_rule],
            status_labels=STATUS_LABELS,
            errors=errors or {},
            history=history,
        ),
        status,
    )


def render_field(
    assessment: ParAssessment,
    field: Field,
    items: list[ScoredItem],
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    message: str = "",
    status: int = 200,
) -> tuple[str, int]:
    actor = authz.user()
    scores = {s.item_code: s for s in assessment.scores}
    if values is None:
        values = {}
        for item in items:
            row = scores.get(item.code)
            if row is None:
                continue
            values[par_entry.field_name(par_entry.SELF_SCORE, item.code)] = (
                "" if row.self_score is None else show_points(row.self_score)
            )
            values[par_entry.field_name(par_entry.EXPLANATION, item.code)] = row.self_explanation
            values[par_entry.field_name(par_entry.APPRAISED_SCORE, item.code)] = (
                "" if row.appraised_score is None else show_points(row.appraised_score)
            )
            values[par_entry.field_name(par_entry.REASON, item.code)] = row.appraisal_reason
    if message:
        flash(message, "error")
    return (
        render_template(
            "par/field.html",
            assessment=assessment,
            par_round=assessment.round,
            field=field,
            items=items,
            scores=scores,
            values=values,
            errors=errors or {},
            can_edit_self=may_edit_self(actor, assessment, utcnow()),
            can_appraise=may_appraise(actor, assessment),
            show_appraisal=_shows_appraisal(assessment),
            status_labels=STATUS_LABELS,
            p=par_entry,
        ),
        status,
    )


def table_for_viewer(round_code: str) -> tuple[ParTable, str]:
    par_round = round_or_404(round_code)
    published = par_round.published_at is not None
    if not published and authz.unit_scope() is not None:
        authz.deny("par_unpublished", round=round_code)
    live: dict[str, SatisfactionFigures] | None = None
    problem = ""
    if not published and par_round.survey_round is not None:
        try:
            table = round_table(get_session(), par_round)
            live = {a.unit.code: figures_from(table, a.unit.code) for a in par_round.assessments}
        except ResultsProblem as error:
            problem = str(error)
    return build_table(get_session(), par_round, live), problem
