"""What every PAR view does around a domain change: commit it, or roll back and answer the
refusal (403 with an audit entry, 422 with the messages, 409 for a state that forbids it)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response as WerkzeugResponse

from survey_app.db import get_session
from survey_app.par.models import ParAssessment, ParRound
from survey_app.par.rules import (
    ParConflict,
    ParForbidden,
    ParInvalid,
    ParProblem,
    round_target,
    target,
)
from survey_app.staff import authz

Page = str | tuple[str, int] | WerkzeugResponse


def run_change(
    assessment_or_round: ParAssessment | ParRound,
    change: Callable[[], object],
    on_problem: Callable[[ParProblem, int], Page],
) -> Page | None:
    """Run a domain change and commit it; refusals roll back and render (or 403 + audit)."""
    session = get_session()
    try:
        change()
        session.commit()
        return None
    except ParForbidden as problem:
        session.rollback()
        where = assessment_or_round
        authz.deny(
            problem.reason,
            target=target(where) if isinstance(where, ParAssessment) else round_target(where),
        )
        raise  # deny aborts; this line only satisfies the type checker
    except ParInvalid as problem:
        session.rollback()
        return on_problem(problem, 422)
    except ParConflict as problem:
        session.rollback()
        return on_problem(problem, 409)
    except StaleDataError:
        session.rollback()
        return on_problem(ParConflict("Hồ sơ vừa được người khác thay đổi; tải lại trang."), 409)
