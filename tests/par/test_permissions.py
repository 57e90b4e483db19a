"""Who may do what with a PAR assessment: refused on the server (403 + audit, or 409 for a
state that forbids it), in the views and again in the domain layer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import Session

from survey_app.db import session_scope
from survey_app.par import entry, workflow
from survey_app.par.rules import ParConflict, ParForbidden
from survey_app.par.satisfaction import SatisfactionFigures
from survey_app.sql_types import utcnow
from survey_app.staff.models import AuditEvent
from tests.conftest import make_app
from tests.factories import par as pf
from tests.factories.staff import logged_in_client

UNIT, OTHER = pf.UNITS
NO_FIGURES = SatisfactionFigures(None, None, None, None, None, None, "")


def _url(unit: str, suffix: str = "") -> str:
    return f"/staff/par/{pf.ROUND}/{unit}/{suffix}"


def _denials(app: Flask) -> list[AuditEvent]:
    with app.app_context(), session_scope() as session:
        return list(
            session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "access_denied"))
        )


def _version(app: Flask, unit: str) -> int:
    with app.app_context(), session_scope() as session:
        return pf.assessment_of(session, unit).version


def _self_post(app: Flask, unit: str, score: str = "0,5") -> dict[str, str]:
    return {"version": str(_version(app, unit)), "self_score-1.2": score}


def _in_domain(app: Flask, unit: str, act: Callable[[Session, object], object]) -> None:
    with app.app_context(), session_scope() as session:
        act(session, pf.assessment_of(session, unit))


def test_a_commune_officer_cannot_appraise(app: Flask) -> None:
    pf.make_par_round(app)
    pf.self_assess(app, UNIT)
    pf.submit(app, UNIT)
    officer = logged_in_client(app, "commune_officer", UNIT)
    data = {"version": str(_version(app, UNIT)), "appraised_score-1.2": "0", "reason-1.2": "x"}
    assert officer.post(_url(UNIT, "field/1/appraisal"), data=data).status_code == 403
    assert officer.post(_url(UNIT, "complete-appraisal"), data=data).status_code == 403
    assert len(_denials(app)) == 2
    with pytest.raises(ParForbidden):
        _in_domain(
            app,
            UNIT,
            lambda s, a: entry.save_appraisal(
                s, a, pf.actor(s, "commune_officer", UNIT), pf.items_of(), {}, utcnow()
            ),
        )
    assert pf.score_row(app, UNIT, "1.2") == (1.0, None)


def test_a_commune_officer_cannot_edit_after_submission(app: Flask) -> None:
    pf.make_par_round(app)
    pf.self_assess(app, UNIT)
    pf.submit(app, UNIT)
    officer = logged_in_client(app, "commune_officer", UNIT)
    reply = officer.post(_url(UNIT, "field/1/self"), data=_self_post(app, UNIT))
    assert reply.status_code == 409
    assert "Không thể sửa điểm tự chấm" in reply.text
    assert pf.score_row(app, UNIT, "1.2") == (1.0, None)
    assert 'name="self_score-1.2"' not in officer.get(_url(UNIT, "field/1")).text


def test_a_council_member_cannot_approve_or_publish(app: Flask) -> None:
    pf.make_par_round(app)
    for unit in pf.UNITS:
        pf.self_assess(app, unit)
        pf.submit(app, unit)
        pf.appraise(app, unit)
    council = logged_in_client(app, "council_member")
    assert council.post(_url(UNIT, "approve"), data={"version": "9"}).status_code == 403
    assert council.post(f"/staff/par/{pf.ROUND}/publish").status_code == 403
    assert [e.target for e in _denials(app)] == ["role", "role"]
    with pytest.raises(ParForbidden):
        _in_domain(
            app,
            UNIT,
            lambda s, a: workflow.approve(
                s, a, pf.actor(s, "council_member"), lambda: NO_FIGURES, utcnow()
            ),
        )
    assert pf.status_of(app, UNIT) == "appraised"


def test_a_commune_officer_cannot_touch_another_unit(app: Flask) -> None:
    pf.make_par_round(app)
    officer = logged_in_client(app, "commune_officer", UNIT)
    assert officer.get(_url(OTHER)).status_code == 403
    assert officer.get(_url(OTHER, "field/1")).status_code == 403
    assert officer.post(_url(OTHER, "field/1/self"), data=_self_post(app, OTHER)).status_code == 403
    assert officer.post(_url(OTHER, "submit"), data=_self_post(app, OTHER)).status_code == 403
    denials = _denials(app)
    assert len(denials) == 4
    assert {e.target for e in denials} == {"unit"}
    assert all(e.actor_name == f"commune-officer.{UNIT}" for e in denials)
    assert pf.score_row(app, OTHER, "1.2") == (None, None)
    # The domain refuses too, whatever view calls it.
    with pytest.raises(ParForbidden):
        _in_domain(
            app,
            OTHER,
            lambda s, a: entry.save_self_assessment(
                s,
                a,
                pf.actor(s, "commune_officer", UNIT),
                pf.items_of()[:1],
                {"1.1.1": entry.SelfEntry("1", "")},
                utcnow(),
            ),
        )
    # The round page sends the officer to their own unit; the list shows only their rounds.
    reply = officer.get(f"/staff/par/{pf.ROUND}/")
    assert reply.status_code == 302
    assert reply.headers["Location"].endswith(_url(UNIT))


def test_only_the_roles_of_each_step_reach_it(app: Flask) -> None:
    pf.make_par_round(app)
    district = logged_in_client(app, "district_officer")
    analyst = logged_in_client(app, "analyst")
    for client in (district, analyst):
        assert client.get(_url(UNIT)).status_code == 200
        assert (
            client.post(_url(UNIT, "field/1/self"), data=_self_post(app, UNIT)).status_code == 403
        )
    assert analyst.post(_url(UNIT, "reopen"), data={"version": "1"}).status_code == 403
    with pytest.raises(ParForbidden):
        _in_domain(
            app,
            UNIT,
            lambda s, a: entry.save_self_assessment(
                s, a, pf.actor(s, "district_officer"), pf.items_of(), {}, utcnow()
            ),
        )


def test_the_commune_sees_appraised_scores_only_once_the_appraisal_is_complete(
    app: Flask,
) -> None:
    pf.make_par_round(app)
    pf.self_assess(app, UNIT)
    pf.submit(app, UNIT)
    pf.appraise(app, UNIT, lambda item: "0", complete=False)
    officer = logged_in_client(app, "commune_officer", UNIT)
    assert "Lý do 1.2" not in officer.get(_url(UNIT, "field/1")).text
    assert "Lý do 1.2" in logged_in_client(app, "chairman").get(_url(UNIT, "field/1")).text
    pf.appraise(app, UNIT, lambda item: "0")
    assert "Lý do 1.2" in officer.get(_url(UNIT, "field/1")).text


def test_an_unpublished_table_is_for_district_roles_only(app: Flask) -> None:
    pf.make_par_round(app)
    officer = logged_in_client(app, "commune_officer", UNIT)
    assert officer.get(f"/staff/par/{pf.ROUND}/table").status_code == 403
    assert officer.get(f"/staff/par/{pf.ROUND}/table.xlsx").status_code == 403
    assert [e.target for e in _denials(app)] == ["par_unpublished", "par_unpublished"]
    assert (
        logged_in_client(app, "council_member").get(f"/staff/par/{pf.ROUND}/table").status_code
        == 200
    )
    for unit in pf.UNITS:
        pf.through_approval(app, unit)
    pf.publish(app)
    assert officer.get(f"/staff/par/{pf.ROUND}/table").status_code == 200


def test_nobody_edits_after_publication(app: Flask) -> None:
    pf.make_par_round(app)
    for unit in pf.UNITS:
        pf.through_approval(app, unit)
    pf.publish(app)
    before = [pf.score_row(app, UNIT, code) for code in ("1.1.1", "1.2")]
    officer = logged_in_client(app, "commune_officer", UNIT)
    council = logged_in_client(app, "council_member")
    chairman = logged_in_client(app, "chairman")
    district = logged_in_client(app, "district_officer")
    version = str(_version(app, UNIT))
    attempts = [
        (officer, "field/1/self", {"version": version, "self_score-1.2": "0"}),
        (officer, "submit", {"version": version}),
        (council, "field/1/appraisal", {"version": version, "appraised_score-1.2": "0"}),
        (council, "complete-appraisal", {"version": version}),
        (chairman, "approve", {"version": version}),
        (chairman, "return", {"version": version, "reason": "Xem lại"}),
        (district, "reopen", {"version": version, "reason": "x", "deadline_date": "2099-01-01"}),
    ]
    for client, suffix, data in attempts:
        reply = client.post(_url(UNIT, suffix), data=data)
        assert reply.status_code == 409, suffix
        assert "đã được công bố" in reply.text
    assert chairman.post(f"/staff/par/{pf.ROUND}/publish").status_code == 409
    assert [pf.score_row(app, UNIT, code) for code in ("1.1.1", "1.2")] == before
    assert pf.status_of(app, UNIT) == "published"
    # The domain layer refuses every role, administrators included.
    for role, unit in (("commune_officer", UNIT), ("council_member", None), ("admin", None)):
        with pytest.raises(ParConflict):
            _in_domain(
                app,
                UNIT,
                lambda s, a, role=role, unit=unit: entry.save_appraisal(
                    s, a, pf.actor(s, role, unit), pf.items_of(), {}, utcnow()
                ),
            )
        with pytest.raises(ParConflict):
            _in_domain(
                app,
                UNIT,
                lambda s, a, role=role, unit=unit: entry.save_self_assessment(
                    s, a, pf.actor(s, role, unit), pf.items_of(), {}, utcnow()
                ),
            )


def test_workflow_posts_need_a_csrf_token(sqlite_url: str, tmp_path: Path) -> None:
    app = make_app(sqlite_url, tmp_path, WTF_CSRF_ENABLED=True)
    try:
        pf.make_par_round(app)
        pf.self_assess(app, UNIT)
        with app.app_context(), session_scope() as session:
            pf.actor(session, "commune_officer", UNIT)
        client = app.test_client()
        login_page = client.get("/staff/login").text
        token = login_page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        reply = client.post(
            "/staff/login",
            data={
                "username": f"helper.commune_officer.{UNIT}",
                "password": pf.PASSWORD,
                "csrf_token": token,
            },
        )
        assert reply.status_code == 302
        version = str(_version(app, UNIT))
        assert client.post(_url(UNIT, "submit"), data={"version": version}).status_code == 400
        assert pf.status_of(app, UNIT) == "draft"
        page = client.get(_url(UNIT)).text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        reply = client.post(_url(UNIT, "submit"), data={"version": version, "csrf_token": token})
        assert reply.status_code == 302
        assert pf.status_of(app, UNIT) == "submitted"
    finally:
        app.extensions["db_engine"].dispose()
