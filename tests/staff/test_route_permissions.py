"""Every staff route, for every role: allowed, refused (403 + audit), or sent to log in.

The matrix below must name every staff endpoint the app registers; a new route without an
entry fails ``test_matrix_covers_every_staff_route``, so nobody adds an unchecked page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app.config import REPO_ROOT
from survey_app.db import session_scope
from survey_app.demo.par_round import DEMO_PAR_ROUND, load_par_demo
from survey_app.demo.setup import DEMO_ROUND
from survey_app.paper.serials import issue_batch
from survey_app.par import council as par_council
from survey_app.par.criteria import load_criteria_set
from survey_app.rounds.services import round_by_code
from survey_app.staff.models import AuditEvent, User
from survey_app.units.models import AdminUnit
from tests.conftest import make_app
from tests.factories.demo import demo_link, submit_all
from tests.factories.staff import login, make_user

OWN = "439-son-giang"
OTHER = "439-pho-chau"
ALL = ("admin", "district_officer", "council_member", "chairman", "analyst", "commune_officer")
DISTRICT = ("admin", "district_officer", "council_member", "chairman", "analyst")
COUNCIL_ADMINS = ("admin", "district_officer")
CRITERIA = REPO_ROOT / "questionnaires/criteria/ha-tinh-commune"
FIELD = load_criteria_set(CRITERIA / "2021.1.toml").fields[0].code
EDITORS = ("admin", "district_officer")
PRINTERS = ("admin", "district_officer", "commune_officer")
REVIEWERS = ("admin", "district_officer", "analyst")
#: An account that the account actions may change without touching any role's own session.
VICTIM_ID = len(ALL) + 1


@dataclass(frozen=True)
class Route:
    """One GET page: its URL for the commune officer's own unit and for another unit."""

    endpoint: str
    own: str
    other: str | None
    allowed: tuple[str, ...]
    # A commune officer sent to their own unit's page (a redirect) instead of a district list.
    commune_redirect: bool = False


R, P = DEMO_ROUND, DEMO_PAR_ROUND
GET_ROUTES = (
    Route("staff.home", "/staff/", None, ALL),
    Route("admin.users", "/staff/admin/users", None, ("admin",)),
    Route("admin.audit_log", "/staff/admin/audit", None, ("admin",)),
    Route(
        "monitoring.district", f"/staff/rounds/{R}/monitoring/", None, ALL, commune_redirect=True
    ),
    Route(
        "monitoring.unit",
        f"/staff/rounds/{R}/monitoring/{OWN}",
        f"/staff/rounds/{R}/monitoring/{OTHER}",
        ALL,
    ),
    Route("quotas.targets", f"/staff/rounds/{R}/targets/", None, ("admin", "district_officer")),
    Route(
        "quotas.edit_unit", f"/staff/rounds/{R}/targets/{OWN}", None, ("admin", "district_officer")
    ),
    Route("results.index", f"/staff/rounds/{R}/results/", None, ALL),
    Route(
        "results.unit",
        f"/staff/rounds/{R}/results/{OWN}",
        f"/staff/rounds/{R}/results/{OTHER}",
        ALL,
    ),
    Route("exports.index", f"/staff/rounds/{R}/exports/", None, ALL),
    Route(
        "exports.responses",
        f"/staff/rounds/{R}/exports/responses.csv?unit={OWN}",
        f"/staff/rounds/{R}/exports/responses.csv?unit={OTHER}",
        ("admin", "district_officer", "analyst", "commune_officer"),
    ),
    Route(
        "exports.responses_note",
        f"/staff/rounds/{R}/exports/responses-method-note.csv?unit={OWN}",
        f"/staff/rounds/{R}/exports/responses-method-note.csv?unit={OTHER}",
        ("admin", "district_officer", "analyst", "commune_officer"),
    ),
    Route(
        "exports.estimates",
        f"/staff/rounds/{R}/exports/estimates.csv?unit={OWN}",
        f"/staff/rounds/{R}/exports/estimates.csv?unit={OTHER}",
        ALL,
    ),
    Route(
        "exports.estimates_note",
        f"/staff/rounds/{R}/exports/estimates-method-note.csv?unit={OWN}",
        f"/staff/rounds/{R}/exports/estimates-method-note.csv?unit={OTHER}",
        ALL,
    ),
    Route(
        "posters.print_all",
        f"/staff/rounds/{R}/posters/",
        None,
        ("admin", "district_officer", "commune_officer"),
    ),
    Route("round_admin.index", "/staff/admin/rounds/", None, EDITORS),
    Route("round_admin.create", "/staff/admin/rounds/new", None, EDITORS),
    Route("round_admin.edit", f"/staff/admin/rounds/{R}/edit", None, EDITORS),
    Route("round_admin.confirm_close", f"/staff/admin/rounds/{R}/close", None, EDITORS),
    Route("round_admin.extend", f"/staff/admin/rounds/{R}/extend", None, EDITORS),
    Route("round_admin.links", f"/staff/admin/rounds/{R}/links", None, EDITORS),
    Route(
        "round_admin.confirm_link_change",
        f"/staff/admin/rounds/{R}/links/{OWN}/rotate",
        None,
        EDITORS,
    ),
    Route("unit_admin.index", "/staff/admin/units/", None, EDITORS),
    Route("accounts.create", "/staff/admin/users/new", None, ("admin",)),
    Route("accounts.edit", f"/staff/admin/users/{VICTIM_ID}", None, ("admin",)),
    Route("demo_admin.index", "/staff/admin/demo/", None, ("admin",)),
    Route("par_round_admin.create", "/staff/admin/par-rounds/new", None, EDITORS),
    Route("paper.index", f"/staff/rounds/{R}/paper/", None, PRINTERS),
    Route("review.index", f"/staff/rounds/{R}/review/", None, REVIEWERS),
    Route("paper.entry", f"/staff/rounds/{R}/paper/entry", None, PRINTERS),
    # Batch 1 was printed for OWN, batch 2 for OTHER (see the fixture).
    Route(
        "paper.print_batch", f"/staff/rounds/{R}/paper/1", f"/staff/rounds/{R}/paper/2", PRINTERS
    ),
    Route("par.rounds", "/staff/par/", None, ALL),
    Route("par.round_overview", f"/staff/par/{P}/", None, ALL, commune_redirect=True),
    Route("par.assessment", f"/staff/par/{P}/{OWN}/", f"/staff/par/{P}/{OTHER}/", ALL),
    Route(
        "par.field",
        f"/staff/par/{P}/{OWN}/field/{FIELD}",
        f"/staff/par/{P}/{OTHER}/field/{FIELD}",
        ALL,
    ),
    # Before publication only district roles see the table, marked as a preview.
    Route("par.table", f"/staff/par/{P}/table", None, DISTRICT),
    Route("par.table_csv", f"/staff/par/{P}/table.csv", None, DISTRICT),
    Route("par.table_xlsx", f"/staff/par/{P}/table.xlsx", None, DISTRICT),
    Route("par_council.council", f"/staff/par/{P}/council/", None, DISTRICT),
    Route("par_calendar.calendar", f"/staff/par/{P}/calendar", None, DISTRICT),
    Route("par_publication.approvals", f"/staff/par/{P}/approve-many", None, ("chairman",)),
    Route("par_publication.confirm", f"/staff/par/{P}/publish", None, ("chairman",)),
    # Before publication: the draft decision from the communes approved so far.
    Route("par_publication.decision", f"/staff/par/{P}/decision", None, DISTRICT),
    Route("par_council.decision_pdf", f"/staff/par/{P}/council/decision.pdf", None, DISTRICT),
    # Before the appraisal closes a commune officer is sent back to their unit's page.
    Route(
        "par_council.minutes",
        f"/staff/par/{P}/{OWN}/minutes",
        f"/staff/par/{P}/{OTHER}/minutes",
        ALL,
        commune_redirect=True,
    ),
)

# POST actions: the roles that may attempt them (others get 403 before any payload is read).
POST_ROUTES = {
    "auth.logout": ("/staff/logout", ALL),
    "quotas.compute": (f"/staff/rounds/{R}/targets/compute", ("admin", "district_officer")),
    "quotas.edit_unit": (f"/staff/rounds/{R}/targets/{OWN}", ("admin", "district_officer")),
    "par.save_self": (f"/staff/par/{P}/{OWN}/field/{FIELD}/self", ("commune_officer",)),
    "par.save_appraisal": (f"/staff/par/{P}/{OWN}/field/{FIELD}/appraisal", ("council_member",)),
    "par.submit": (f"/staff/par/{P}/{OWN}/submit", ("commune_officer",)),
    "par.complete_appraisal": (f"/staff/par/{P}/{OWN}/complete-appraisal", ("council_member",)),
    "par.approve": (f"/staff/par/{P}/{OWN}/approve", ("chairman",)),
    "par.return_to_council": (f"/staff/par/{P}/{OWN}/return", ("chairman",)),
    "par.reopen": (f"/staff/par/{P}/{OWN}/reopen", ("district_officer",)),
    "round_admin.create": ("/staff/admin/rounds/new", EDITORS),
    "round_admin.edit": (f"/staff/admin/rounds/{R}/edit", EDITORS),
    "round_admin.close": (f"/staff/admin/rounds/{R}/close", EDITORS),
    "round_admin.open_now": (f"/staff/admin/rounds/{R}/open-now", EDITORS),
    "round_admin.extend": (f"/staff/admin/rounds/{R}/extend", EDITORS),
    "round_admin.archive": (f"/staff/admin/rounds/{R}/archive", EDITORS),
    "round_admin.unarchive": (f"/staff/admin/rounds/{R}/unarchive", EDITORS),
    "round_admin.change_link": (f"/staff/admin/rounds/{R}/links/{OTHER}/rotate", EDITORS),
    "unit_admin.upload": ("/staff/admin/units/", EDITORS),
    "accounts.create": ("/staff/admin/users/new", ("admin",)),
    "accounts.edit": (f"/staff/admin/users/{VICTIM_ID}", ("admin",)),
    "accounts.reset_password": (f"/staff/admin/users/{VICTIM_ID}/password", ("admin",)),
    "demo_admin.clear": ("/staff/admin/demo/clear", ("admin",)),
    "par_round_admin.create": ("/staff/admin/par-rounds/new", EDITORS),
    "paper.index": (f"/staff/rounds/{R}/paper/", PRINTERS),
    "review.policy": (f"/staff/rounds/{R}/review/policy", EDITORS),
    "review.decision": (f"/staff/rounds/{R}/review/1", REVIEWERS),
    "paper.entry": (f"/staff/rounds/{R}/paper/entry", PRINTERS),
    "par_publication.publish": (f"/staff/par/{P}/publish", ("chairman",)),
    "par_publication.approve_selected": (f"/staff/par/{P}/approve-many", ("chairman",)),
    "par_publication.correct": (f"/staff/par/{P}/correct", ("chairman",)),
    "par_council.save_decision": (f"/staff/par/{P}/council/decision", COUNCIL_ADMINS),
    "par_council.add_member": (f"/staff/par/{P}/council/members", COUNCIL_ADMINS),
    "par_council.remove_member": (f"/staff/par/{P}/council/members/999999/remove", COUNCIL_ADMINS),
    "par_council.save_assignments": (f"/staff/par/{P}/council/assignments", COUNCIL_ADMINS),
    "par_calendar.save": (f"/staff/par/{P}/calendar", COUNCIL_ADMINS),
    "par_calendar.remind": (f"/staff/par/{P}/calendar/remind", COUNCIL_ADMINS),
}

PUBLIC_ENDPOINTS = {"auth.login", "healthz", "static"}


@pytest.fixture(scope="module")
def staff_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One app for the whole matrix: demo round, PAR round, one user per role."""
    tmp = tmp_path_factory.mktemp("matrix")
    app = make_app(f"sqlite:///{tmp / 'matrix.sqlite3'}", tmp)
    client = app.test_client()
    for unit_code in (OWN, OTHER):
        token = demo_link(app, unit_code).token
        for _ in range(3):
            assert submit_all(client, token).status_code == 303
    for role in ALL:
        make_user(app, role, role, OWN if role == "commune_officer" else None)
    make_user(app, "victim", "analyst")
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        admin = session.scalars(sa.select(User).where(User.username == "admin")).one()
        for code in (OWN, OTHER):
            unit = session.scalars(sa.select(AdminUnit).where(AdminUnit.code == code)).one()
            issue_batch(session, survey_round, unit, 1, admin)
    with app.app_context(), session_scope() as session:
        par_round = load_par_demo(session, dt.datetime.now(dt.UTC), DEMO_ROUND)
        officer = session.scalars(sa.select(User).where(User.username == "district_officer")).one()
        par_council.save_decision(
            session,
            par_round,
            officer,
            number="125/QĐ-UBND",
            date="28/10/2021",
            signer="Chủ tịch UBND huyện",
            pdf=par_council.UploadedPdf("qd.pdf", b"%PDF-1.4\n%%EOF\n"),
            today=dt.date(2021, 10, 30),
        )
    yield app
    app.extensions["db_engine"].dispose()


_CLIENTS: dict[tuple[int, str], FlaskClient] = {}


def _client(app: Flask, role: str) -> FlaskClient:
    """One logged-in client per role and app (logging in for every case would hit the login
    rate limit, which is itself under test elsewhere)."""
    key = (id(app), role)
    if key not in _CLIENTS:
        client = app.test_client()
        assert login(client, role) == 302
        _CLIENTS[key] = client
    return _CLIENTS[key]


def _denials(app: Flask) -> int:
    with app.app_context(), session_scope() as session:
        query = sa.select(sa.func.count()).where(AuditEvent.action == "access_denied")
        return int(session.scalar(query) or 0)


def test_matrix_covers_every_staff_route(staff_app: Flask) -> None:
    staff_rules = {
        (rule.endpoint, method)
        for rule in staff_app.url_map.iter_rules()
        if rule.rule.startswith("/staff")
        for method in rule.methods or ()
        if method in {"GET", "POST"} and rule.endpoint not in PUBLIC_ENDPOINTS
    }
    covered = {(route.endpoint, "GET") for route in GET_ROUTES} | {
        (endpoint, "POST") for endpoint in POST_ROUTES
    }
    assert staff_rules == covered


@pytest.mark.parametrize("route", GET_ROUTES, ids=lambda route: route.endpoint)
def test_anonymous_is_sent_to_login(staff_app: Flask, route: Route) -> None:
    reply = staff_app.test_client().get(route.own)
    assert reply.status_code == 302
    assert "/staff/login" in reply.headers["Location"]


@pytest.mark.parametrize("role", ALL)
@pytest.mark.parametrize("route", GET_ROUTES, ids=lambda route: route.endpoint)
def test_get_route_for_role(staff_app: Flask, route: Route, role: str) -> None:
    client = _client(staff_app, role)
    before = _denials(staff_app)
    reply = client.get(route.own)
    if role not in route.allowed:
        assert reply.status_code == 403, reply.text
        assert _denials(staff_app) == before + 1
        return
    expected = 302 if role == "commune_officer" and route.commune_redirect else 200
    assert reply.status_code == expected, reply.text[:500]
    if expected == 302:
        assert OWN in reply.headers["Location"]
    if route.other is not None and role == "commune_officer":
        other = client.get(route.other)
        assert other.status_code == 403
        assert _denials(staff_app) == before + 1
        assert "Thị trấn Phố Châu" not in other.text


@pytest.mark.parametrize("role", ALL)
@pytest.mark.parametrize("endpoint", sorted(POST_ROUTES))
def test_post_route_for_role(staff_app: Flask, endpoint: str, role: str) -> None:
    url, allowed = POST_ROUTES[endpoint]
    if endpoint == "auth.logout":
        # Logging out ends every session of the account: use an account of its own.
        make_user(staff_app, f"{role}-logout", role, OWN if role == "commune_officer" else None)
        client = staff_app.test_client()
        assert login(client, f"{role}-logout") == 302
    else:
        client = _client(staff_app, role)
    reply = client.post(url, data={})
    if role in allowed:
        # An empty form is refused with a message or leads on; never a 403 or a 500.
        assert reply.status_code in {200, 302, 303, 400, 409, 422}, (endpoint, reply.status_code)
    else:
        assert reply.status_code == 403, (endpoint, role, reply.status_code)


def test_commune_officer_cannot_forge_another_units_post(staff_app: Flask) -> None:
    client = _client(staff_app, "commune_officer")
    before = _denials(staff_app)
    reply = client.post(f"/staff/par/{P}/{OTHER}/field/{FIELD}/self", data={})
    assert reply.status_code == 403
    assert _denials(staff_app) == before + 1
