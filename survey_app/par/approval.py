"""Approving many communes in one action: every commune whose appraisal is complete.

One form, one commit: each commune is approved by `workflow.approve` (its own checks, its own
frozen figures and audit entry), and if any one is refused nothing is approved, so the
chairman never has to work out which half of a batch went through.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import partial

from sqlalchemy.orm import Session

from survey_app.par import workflow as par_workflow
from survey_app.par.models import ParAssessment, ParRound
from survey_app.par.rules import ParConflict, ParInvalid, require_role, round_target
from survey_app.par.satisfaction import SatisfactionFigures, figures_from, round_table
from survey_app.results.estimates import SatisfactionTable
from survey_app.staff import audit
from survey_app.staff.models import User


def ready_for_approval(par_round: ParRound) -> list[ParAssessment]:
    """The communes whose appraisal is complete, by code."""
    return sorted(
        (a for a in par_round.assessments if a.status == "appraised"), key=lambda a: a.unit.code
    )


def approve_many(
    session: Session,
    par_round: ParRound,
    actor: User,
    unit_codes: Sequence[str],
    now: dt.datetime,
) -> int:
    """Approve the listed communes (all appraised) or none; returns how many."""
    require_role(actor, ("chairman",), "phê duyệt")
    if not unit_codes:
        raise ParInvalid({"units": "Chọn ít nhất một đơn vị để phê duyệt."})
    ready = {a.unit.code: a for a in ready_for_approval(par_round)}
    not_ready = sorted(set(unit_codes) - set(ready))
    if not_ready:
        raise ParConflict(
            "Chưa thể phê duyệt (chưa hoàn tất thẩm định hoặc không thuộc đợt): "
            + ", ".join(not_ready)
            + "."
        )
    # The survey's table is computed once for the whole batch, only after the checks above.
    table: list[SatisfactionTable | None] = []

    def figures_for(assessment: ParAssessment) -> SatisfactionFigures:
        if not table:
            table.append(round_table(session, par_round))
        return figures_from(table[0], assessment.unit.code)

    for code in sorted(set(unit_codes)):
        assessment = ready[code]
        par_workflow.approve(
            session,
            assessment,
            actor,
            partial(figures_for, assessment),
            now,
        )
    audit.record(
        session,
        "par_bulk_approval",
        target=round_target(par_round),
        actor=actor,
        detail={"units": sorted(set(unit_codes))},
    )
    return len(set(unit_codes))
