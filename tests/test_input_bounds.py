"""The inputs that made 500s (issue 11), each now a 4xx with a message and nothing stored."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.bounds import TARGET_MAX, OutOfBounds, check_target, parse_date, parse_id
from survey_app.db import session_scope
from survey_app.demo.par_round import DEMO_PAR_ROUND, load_par_demo
from survey_app.demo.setup import DEMO_ROUND
from survey_app.quotas.models import QuotaCell
from survey_app.rounds.models import RoundUnit
from tests.factories.demo import demo_link, start_form, submit_all
from tests.factories.staff import logged_in_client
from tests.staff.test_route_permissions import FIELD

R, P, OWN = DEMO_ROUND, DEMO_PAR_ROUND, "439-son-giang"


def _count(app: Flask, table: str) -> int:
    with app.app_context(), session_scope() as session:
        return int(session.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_submission_id_with_a_trailing_newline_is_refused(any_app: Flask) -> None:
    link = demo_link(any_app)
    client = any_app.test_client()
    fields = start_form(client, link.token)
    reply = submit_all(
        client, link.token, fields=fields, submission_id=fields["submission_id"] + "\n"
    )
    assert reply.status_code == 400
    assert _count(any_app, "response") == 0


def test_token_with_a_trailing_newline_is_not_a_link(any_app: Flask) -> None:
    link = demo_link(any_app)
    assert any_app.test_client().get(f"/s/{link.token}%0A").status_code == 404


def test_receipt_with_hostile_ids_is_404(any_app: Flask) -> None:
    link = demo_link(any_app)
    client = any_app.test_client()
    for submission_id in ("x" * 5000, str(uuid.uuid4()) + "%0A", "%C2%B2"):
        assert client.get(f"/s/{link.token}/r/{submission_id}").status_code == 404


def test_staff_login_with_nul_is_400(any_app: Flask) -> None:
    reply = any_app.test_client().post(
        "/staff/login", data={"username": "admin\x00", "password": "whatever-long"}
    )
    assert reply.status_code == 400


@pytest.mark.parametrize(
    "query",
    ["cutoff=9999-12-31", "cutoff=0001-01-01", "cutoff=2021-11-0%EF%BC%95", "cutoff=20211105"],
)
def test_results_cutoff_out_of_bounds_is_400(any_app: Flask, query: str) -> None:
    demo_link(any_app)
    client = logged_in_client(any_app, "district_officer")
    reply = client.get(f"/staff/rounds/{R}/results/?{query}")
    assert reply.status_code == 400
    assert "YYYY-MM-DD" in reply.text or "2100-12-31" in reply.text


@pytest.mark.parametrize("query", ["to=9999-12-31", "from=0001-01-01"])
def test_export_dates_out_of_bounds_are_400(any_app: Flask, query: str) -> None:
    demo_link(any_app)
    client = logged_in_client(any_app, "district_officer")
    reply = client.get(f"/staff/rounds/{R}/exports/responses.csv?{query}")
    assert reply.status_code == 400
    assert "2000-01-01" in reply.text


@pytest.mark.parametrize("page", ["99999999999999999999", "²", "2147483648"])
def test_audit_page_beyond_integers_is_answered_not_crashed(any_app: Flask, page: str) -> None:
    client = logged_in_client(any_app, "admin")
    # The audit log reads only its known filters; a page number out of range is refused or
    # clamped with a message, never a 500.
    assert client.get(f"/staff/admin/audit?page={page}").status_code in {200, 400}
    assert client.get("/staff/admin/audit?before=1").status_code == 400  # an unknown filter


@pytest.mark.parametrize("target", ["100000000", "99999999999999999999", "١٥٠", "1_000"])
def test_huge_or_foreign_targets_are_refused_and_monitoring_stays_up(
    any_app: Flask, target: str
) -> None:
    link = demo_link(any_app)
    assert submit_all(any_app.test_client(), link.token).status_code == 303
    client = logged_in_client(any_app, "district_officer")
    reply = client.post(f"/staff/rounds/{R}/targets/{OWN}", data={"target": target})
    assert reply.status_code in {400, 422}
    assert "Chỉ tiêu phải từ 0 đến 1.000.000" in reply.text or "số nguyên" in reply.text
    with any_app.app_context(), session_scope() as session:
        assert all(
            ru.target is None or ru.target <= TARGET_MAX
            for ru in session.scalars(sa.select(RoundUnit))
        )
        assert session.scalars(sa.select(QuotaCell)).all() == []
    assert client.get(f"/staff/rounds/{R}/monitoring/").status_code == 200


def test_largest_targets_keep_the_monitoring_pages_up(any_app: Flask) -> None:
    link = demo_link(any_app)
    assert submit_all(any_app.test_client(), link.token).status_code == 303
    with any_app.app_context(), session_scope() as session:
        for round_unit in session.scalars(sa.select(RoundUnit)):
            round_unit.target = TARGET_MAX
    client = logged_in_client(any_app, "district_officer")
    assert client.get(f"/staff/rounds/{R}/monitoring/").status_code == 200
    assert client.get(f"/staff/rounds/{R}/monitoring/{OWN}").status_code == 200


@pytest.mark.parametrize("version", ["²", "99999999999999999999", "-1", "1\n"])
def test_par_version_in_other_digits_or_huge_is_400(any_app: Flask, version: str) -> None:
    demo_link(any_app)
    with any_app.app_context(), session_scope() as session:
        load_par_demo(session, dt.datetime.now(dt.UTC), DEMO_ROUND)
    client = logged_in_client(any_app, "commune_officer", OWN)
    reply = client.post(f"/staff/par/{P}/{OWN}/field/{FIELD}/self", data={"version": version})
    assert reply.status_code == 400


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2021-02-30"])
def test_reopen_deadline_out_of_bounds_is_refused(any_app: Flask, day: str) -> None:
    demo_link(any_app)
    with any_app.app_context(), session_scope() as session:
        load_par_demo(session, dt.datetime.now(dt.UTC), DEMO_ROUND)
    client = logged_in_client(any_app, "district_officer")
    reply = client.post(
        f"/staff/par/{P}/{OWN}/reopen",
        data={"version": "1", "deadline_date": day, "reason": "Bổ sung minh chứng"},
    )
    assert 400 <= reply.status_code < 500


def test_bounds_are_explicit() -> None:
    assert parse_date("2100-12-31", "d") == dt.date(2100, 12, 31)
    for text in ("2101-01-01", "1999-12-31", "2021-1-5", "２０２１-01-01"):
        with pytest.raises(OutOfBounds, match="'d'"):
            parse_date(text, "d")
    assert parse_id("2147483647") == 2**31 - 1
    assert parse_id("2147483648") is None
    assert parse_id("²") is None
    assert check_target(TARGET_MAX) == TARGET_MAX
    with pytest.raises(OutOfBounds, match=r"1\.000\.000"):
        check_target(TARGET_MAX + 1)
