"""Quota test helpers: set targets and policy directly, post a final submit without a GET."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.collection import form_tokens
from survey_app.db import session_scope
from survey_app.demo.setup import DEMO_ROUND
from survey_app.quotas.models import QuotaCell
from survey_app.responses.models import Response
from survey_app.rounds.models import RoundUnit
from survey_app.rounds.services import round_by_code
from survey_app.staff.models import AuditEvent
from survey_app.units.models import AdminUnit
from tests.factories.demo import FULL_ANSWERS, last_page


def set_quota(
    app: Flask,
    unit_code: str,
    target: int | None,
    *,
    cells: Mapping[tuple[str, str], int] | None = None,
    policy: str | None = None,
) -> None:
    """Set a demo-round unit's target (and cells), and optionally the round's policy."""
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        if policy is not None:
            survey_round.quota_policy = policy
        unit_id = session.scalar(sa.select(AdminUnit.id).where(AdminUnit.code == unit_code))
        round_unit = session.get(RoundUnit, (survey_round.id, unit_id))
        assert round_unit is not None
        round_unit.target = target
        for (dimension, cell), cell_target in (cells or {}).items():
            session.merge(
                QuotaCell(
                    round_id=survey_round.id,
                    unit_id=unit_id,
                    dimension=dimension,
                    cell=cell,
                    target=cell_target,
                )
            )


def post_final(
    client: FlaskClient,
    token: str,
    answers: Mapping[str, Any] | None = None,
    submission_id: str | None = None,
) -> Any:
    """The final-page POST a browser sends, built without GETting the form first.

    The signed form load is made here as the GET would have made it (a closed quota's first
    page shows no form to take it from).
    """
    data: dict[str, Any] = dict(FULL_ANSWERS if answers is None else answers)
    submission_id = submission_id or str(uuid.uuid4())
    data.update(
        submission_id=submission_id,
        started_at=signed_load(client.application, token, submission_id),
        page=last_page(client.application),
        lang="vi",
        action="submit",
    )
    return client.post(f"/s/{token}", data=data)


def signed_load(app: Flask, token: str, submission_id: str) -> str:
    """The form token a GET of ``token`` would carry for ``submission_id``."""
    with app.app_context():
        return form_tokens.issue(token.partition(".")[0], submission_id)


def stored(app: Flask, unit_code: str | None = None) -> list[Response]:
    with app.app_context(), session_scope() as session:
        query = sa.select(Response).order_by(Response.id)
        if unit_code is not None:
            query = query.join(AdminUnit, AdminUnit.id == Response.unit_id).where(
                AdminUnit.code == unit_code
            )
        return list(session.scalars(query))


def audit_events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context(), session_scope() as session:
        query = sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(session.scalars(query))
