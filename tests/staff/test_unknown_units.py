"""A commune officer probing unknown unit codes is refused and audited alike on every page."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.db import session_scope
from survey_app.demo.par_round import DEMO_PAR_ROUND, load_par_demo
from survey_app.demo.setup import DEMO_ROUND
from survey_app.staff.models import AuditEvent
from tests.factories.demo import demo_link
from tests.factories.staff import logged_in_client

OWN = "439-son-giang"
PAGES = (
    f"/staff/rounds/{DEMO_ROUND}/monitoring/439-nowhere",
    f"/staff/rounds/{DEMO_ROUND}/results/439-nowhere",
    f"/staff/par/{DEMO_PAR_ROUND}/439-nowhere/",
)


def _denials(app: Flask) -> list[AuditEvent]:
    with app.app_context(), session_scope() as session:
        query = sa.select(AuditEvent).where(AuditEvent.action == "access_denied")
        return list(session.scalars(query))


@pytest.mark.parametrize("path", PAGES)
def test_unknown_unit_codes_are_audited_for_commune_officers(app: Flask, path: str) -> None:
    demo_link(app)
    with app.app_context(), session_scope() as session:
        load_par_demo(session, dt.datetime.now(dt.UTC), DEMO_ROUND)
    officer = logged_in_client(app, "commune_officer", OWN)
    assert officer.get(path).status_code == 403
    (denial,) = _denials(app)
    assert denial.detail["unit_code"] == "439-nowhere"
    # District staff simply get "not found": there is nothing they could not see.
    district = logged_in_client(app, "district_officer")
    assert district.get(path).status_code == 404
    assert len(_denials(app)) == 1
