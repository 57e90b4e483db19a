"""No request makes a 500, and a refused request stores and changes nothing (Hypothesis).

Every route the app registers, with the role allowed to use it, gets generated hostile values
in its path, query string and form: dates at the extremes, huge and negative integers,
Unicode digits, NUL, newlines, over-long strings, markup, and the valid values they mimic
(real tokens, unit and round codes), so that checks deep in a view are reached too. Asserted:

* no 5xx (with TESTING on, an unhandled exception is raised here with its traceback);
* a request refused with a 4xx commits no write to any table but the audit log (refusals are
  audited on purpose). Writes are seen on the engine itself (every INSERT/UPDATE/DELETE that
  reaches a COMMIT), which is exact and cheap enough to check on every example; a row hash of
  the whole database before and after each case backs it up.

On SQLite and PostgreSQL. The normal run generates ``EXAMPLES`` requests across the routes on
each backend (10,000 in all), ``pytest --slow`` five times as many. Examples are derandomised:
the same requests in every run, so the suite is deterministic; ``--slow`` explores new ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from survey_app.db import Base, session_scope
from survey_app.demo.par_round import DEMO_PAR_ROUND, load_par_demo
from survey_app.demo.setup import DEMO_ROUND
from tests.conftest import POSTGRES_URL, make_app
from tests.factories.demo import demo_link, submit_all
from tests.factories.staff import login, make_user
from tests.staff.test_route_permissions import FIELD, OTHER, OWN

#: Requests per backend in the normal run, spread evenly over the routes.
EXAMPLES = 5_000
SLOW_FACTOR = 5

ROLES = ("admin", "district_officer", "council_member", "chairman", "analyst", "commune_officer")


@dataclass(frozen=True)
class RouteCase:
    endpoint: str
    method: str
    #: The URL with ``{name}`` for each path variable.
    path: str
    role: str | None
    #: The page whose form names this POST's fields (harvested once), else None.
    form_page: str | None = None
    #: Query parameters the view reads (others are drawn too, from ``QUERY_NAMES``).
    query: tuple[str, ...] = ()
    #: Share of the examples: pages that compute a whole table or weighting on every request
    #: get fewer, so the suite's time goes to the parameters that are actually checked.
    weight: float = 1.0


R, P = DEMO_ROUND, DEMO_PAR_ROUND
HEAVY = 0.2
OPTIONS = ("cutoff", "adjustment", "trim_lower", "trim_upper")
CASES = (
    RouteCase("survey.start", "GET", "/s/{token}", None, query=("lang",)),
    RouteCase("survey.answer", "POST", "/s/{token}", None, "/s/{token}"),
    RouteCase("survey.receipt", "GET", "/s/{token}/r/{submission_id}", None),
    RouteCase("survey.qr_image_png", "GET", "/s/{token}/qr.png", None),
    RouteCase("survey.qr_image_svg", "GET", "/s/{token}/qr.svg", None),
    RouteCase("survey.poster", "GET", "/s/{token}/poster", None),
    RouteCase("auth.login", "GET", "/staff/login", None, query=("next",)),
    RouteCase("auth.login", "POST", "/staff/login", None, "/staff/login", ("next",)),
    RouteCase("staff.home", "GET", "/staff/", "admin"),
    RouteCase("admin.users", "GET", "/staff/admin/users", "admin"),
    RouteCase("admin.audit_log", "GET", "/staff/admin/audit", "admin", query=("action", "before")),
    RouteCase("results.index", "GET", "/staff/rounds/{round}/results/", "admin", None, OPTIONS),
    RouteCase(
        "results.unit", "GET", "/staff/rounds/{round}/results/{unit}", "admin", None, OPTIONS, HEAVY
    ),
    RouteCase("exports.index", "GET", "/staff/rounds/{round}/exports/", "admin"),
    RouteCase(
        "exports.responses",
        "GET",
        "/staff/rounds/{round}/exports/responses.csv",
        "admin",
        query=("unit", "from", "to", "adjustment", "trim_lower", "trim_upper"),
    ),
    RouteCase(
        "exports.estimates",
        "GET",
        "/staff/rounds/{round}/exports/estimates.csv",
        "admin",
        query=("unit", *OPTIONS),
    ),
    RouteCase("par.rounds", "GET", "/staff/par/", "admin"),
    RouteCase("par.round_overview", "GET", "/staff/par/{par}/", "district_officer"),
    RouteCase("par.assessment", "GET", "/staff/par/{par}/{unit}/", "commune_officer"),
    RouteCase("par.field", "GET", "/staff/par/{par}/{unit}/field/{field}", "commune_officer"),
    RouteCase(
        "par.save_self",
        "POST",
        "/staff/par/{par}/{unit}/field/{field}/self",
        "commune_officer",
        f"/staff/par/{P}/{OWN}/field/{FIELD}",
    ),
    RouteCase(
        "par.save_appraisal",
        "POST",
        "/staff/par/{par}/{unit}/field/{field}/appraisal",
        "council_member",
        f"/staff/par/{P}/{OWN}/field/{FIELD}",
    ),
    RouteCase("par.submit", "POST", "/staff/par/{par}/{unit}/submit", "commune_officer"),
    RouteCase(
        "par.complete_appraisal",
        "POST",
        "/staff/par/{par}/{unit}/complete-appraisal",
        "council_member",
    ),
    RouteCase("par.approve", "POST", "/staff/par/{par}/{unit}/approve", "chairman"),
    RouteCase("par.return_to_council", "POST", "/staff/par/{par}/{unit}/return", "chairman"),
    RouteCase(
        "par.reopen",
        "POST",
        "/staff/par/{par}/{unit}/reopen",
        "district_officer",
        f"/staff/par/{P}/{OWN}/",
    ),
    RouteCase("par_publication.publish", "POST", "/staff/par/{par}/publish", "chairman"),
    RouteCase("par.table", "GET", "/staff/par/{par}/table", "admin", weight=HEAVY),
    RouteCase("par.table_csv", "GET", "/staff/par/{par}/table.csv", "admin", weight=HEAVY),
    RouteCase("par.table_xlsx", "GET", "/staff/par/{par}/table.xlsx", "admin", weight=HEAVY),
    RouteCase(
        "monitoring.district", "GET", "/staff/rounds/{round}/monitoring/", "admin", weight=HEAVY
    ),
    RouteCase(
        "monitoring.unit", "GET", "/staff/rounds/{round}/monitoring/{unit}", "admin", weight=HEAVY
    ),
    RouteCase("quotas.targets", "GET", "/staff/rounds/{round}/targets/", "admin"),
    RouteCase(
        "quotas.compute",
        "POST",
        "/staff/rounds/{round}/targets/compute",
        "district_officer",
        f"/staff/rounds/{R}/targets/",
    ),
    RouteCase("quotas.edit_unit", "GET", "/staff/rounds/{round}/targets/{unit}", "admin"),
    RouteCase(
        "quotas.edit_unit",
        "POST",
        "/staff/rounds/{round}/targets/{unit}",
        "district_officer",
        f"/staff/rounds/{R}/targets/{OWN}",
    ),
    RouteCase("posters.print_all", "GET", "/staff/rounds/{round}/posters/", "admin"),
    RouteCase("survey.asset", "GET", "/s/assets/{name}", None),
    RouteCase(
        "exports.responses_note",
        "GET",
        "/staff/rounds/{round}/exports/responses-method-note.csv",
        "admin",
        query=("unit", "from", "to", "flavour"),
    ),
    RouteCase(
        "exports.estimates_note",
        "GET",
        "/staff/rounds/{round}/exports/estimates-method-note.csv",
        "admin",
        query=("unit", "flavour", *OPTIONS),
        weight=HEAVY,
    ),
    RouteCase("round_admin.index", "GET", "/staff/admin/rounds/", "district_officer"),
    RouteCase("round_admin.create", "GET", "/staff/admin/rounds/new", "district_officer"),
    RouteCase(
        "round_admin.create",
        "POST",
        "/staff/admin/rounds/new",
        "district_officer",
        "/staff/admin/rounds/new",
    ),
    RouteCase("round_admin.edit", "GET", "/staff/admin/rounds/{round}/edit", "district_officer"),
    RouteCase(
        "round_admin.confirm_close", "GET", "/staff/admin/rounds/{round}/close", "district_officer"
    ),
    RouteCase(
        "round_admin.extend", "GET", "/staff/admin/rounds/{round}/extend", "district_officer"
    ),
    RouteCase("round_admin.links", "GET", "/staff/admin/rounds/{round}/links", "district_officer"),
    RouteCase(
        "round_admin.confirm_link_change",
        "GET",
        "/staff/admin/rounds/{round}/links/{unit}/{change}",
        "district_officer",
    ),
    RouteCase("unit_admin.index", "GET", "/staff/admin/units/", "district_officer"),
    RouteCase(
        "unit_admin.upload",
        "POST",
        "/staff/admin/units/",
        "district_officer",
        "/staff/admin/units/",
    ),
    RouteCase("par_round_admin.create", "GET", "/staff/admin/par-rounds/new", "district_officer"),
    RouteCase(
        "par_round_admin.create",
        "POST",
        "/staff/admin/par-rounds/new",
        "district_officer",
        "/staff/admin/par-rounds/new",
    ),
    RouteCase("accounts.create", "GET", "/staff/admin/users/new", "admin"),
    RouteCase(
        "accounts.create", "POST", "/staff/admin/users/new", "admin", "/staff/admin/users/new"
    ),
    RouteCase("accounts.edit", "GET", "/staff/admin/users/{user}", "admin"),
    RouteCase("demo_admin.index", "GET", "/staff/admin/demo/", "admin"),
    RouteCase("paper.index", "GET", "/staff/rounds/{round}/paper/", "district_officer"),
    RouteCase(
        "paper.index",
        "POST",
        "/staff/rounds/{round}/paper/",
        "district_officer",
        f"/staff/rounds/{R}/paper/",
    ),
    RouteCase(
        "paper.print_batch", "GET", "/staff/rounds/{round}/paper/{batch}", "district_officer"
    ),
    RouteCase("paper.entry", "GET", "/staff/rounds/{round}/paper/entry", "district_officer"),
    RouteCase(
        "paper.entry",
        "POST",
        "/staff/rounds/{round}/paper/entry",
        "district_officer",
        f"/staff/rounds/{R}/paper/entry",
    ),
    RouteCase("review.index", "GET", "/staff/rounds/{round}/review/", "district_officer"),
    RouteCase(
        "review.policy",
        "POST",
        "/staff/rounds/{round}/review/policy",
        "district_officer",
        f"/staff/rounds/{R}/review/",
    ),
    RouteCase(
        "review.decision",
        "POST",
        "/staff/rounds/{round}/review/{response}",
        "analyst",
        f"/staff/rounds/{R}/review/",
    ),
    RouteCase("par_council.council", "GET", "/staff/par/{par}/council/", "district_officer"),
    RouteCase(
        "par_council.decision_pdf",
        "GET",
        "/staff/par/{par}/council/decision.pdf",
        "district_officer",
    ),
    RouteCase("par_council.minutes", "GET", "/staff/par/{par}/{unit}/minutes", "district_officer"),
    RouteCase(
        "par_council.save_decision",
        "POST",
        "/staff/par/{par}/council/decision",
        "district_officer",
        f"/staff/par/{P}/council/",
    ),
    RouteCase(
        "par_council.add_member",
        "POST",
        "/staff/par/{par}/council/members",
        "district_officer",
        f"/staff/par/{P}/council/",
    ),
    RouteCase(
        "par_council.remove_member",
        "POST",
        "/staff/par/{par}/council/members/{member}/remove",
        "district_officer",
    ),
    RouteCase(
        "par_council.save_assignments",
        "POST",
        "/staff/par/{par}/council/assignments",
        "district_officer",
        f"/staff/par/{P}/council/",
    ),
    RouteCase("par_calendar.calendar", "GET", "/staff/par/{par}/calendar", "district_officer"),
    RouteCase(
        "par_calendar.save",
        "POST",
        "/staff/par/{par}/calendar",
        "district_officer",
        f"/staff/par/{P}/calendar",
    ),
    RouteCase(
        "par_calendar.remind", "POST", "/staff/par/{par}/calendar/remind", "district_officer"
    ),
    RouteCase(
        "par_publication.approvals",
        "GET",
        "/staff/par/{par}/approve-many",
        "chairman",
        weight=HEAVY,
    ),
    RouteCase(
        "par_publication.approve_selected",
        "POST",
        "/staff/par/{par}/approve-many",
        "chairman",
        f"/staff/par/{P}/approve-many",
        weight=HEAVY,
    ),
    RouteCase(
        "par_publication.confirm", "GET", "/staff/par/{par}/publish", "chairman", weight=HEAVY
    ),
    RouteCase("par_publication.correct", "POST", "/staff/par/{par}/correct", "chairman"),
    RouteCase(
        "par_publication.decision",
        "GET",
        "/staff/par/{par}/decision",
        "district_officer",
        query=("version",),
        weight=HEAVY,
    ),
    RouteCase("par_public.ranking", "GET", "/cong-khai/{par}", None),
    RouteCase("par_public.version", "GET", "/cong-khai/{par}/phien-ban/{number}", None),
    RouteCase(
        "par_public.download_csv",
        "GET",
        "/cong-khai/{par}/phien-ban/{number}/chi-so-cchc.csv",
        None,
    ),
    RouteCase(
        "par_public.download_xlsx",
        "GET",
        "/cong-khai/{par}/phien-ban/{number}/chi-so-cchc.xlsx",
        None,
    ),
    RouteCase("healthz", "GET", "/healthz", None),
)
#: Not generated: logging out ends the session every other case of its role relies on (its
#: refusals are covered by tests/staff); static files are Flask's own. The administration actions
#: below change the state every other case relies on (close or archive the round the citizen
#: cases answer, revoke their link, disable or sign out the fuzzing accounts, clear the demo);
#: their refusals and bounds are tested in tests/admin and tests/staff/test_route_permissions.
UNFUZZED = {
    "auth.logout",
    "static",
    "round_admin.close",
    "round_admin.open_now",
    "round_admin.archive",
    "round_admin.unarchive",
    "round_admin.change_link",
    "accounts.reset_password",
    "demo_admin.clear",
}
#: Administration forms whose POST would change that shared state (GET is fuzzed).
UNFUZZED_POSTS = {"round_admin.edit", "round_admin.extend", "accounts.edit"}

#: Query names any page reads (the staff pages refuse names they do not know).
QUERY_NAMES = (
    "lang", "next", "action", "before", "unit", "from", "to", "cutoff",
    "adjustment", "trim_lower", "trim_upper", "page",
)  # fmt: skip

HOSTILE = (
    "", " ", "0", "-1", "1", "2", "3", "5", "10", "150", "100000000", "2147483648",
    "99999999999999999999", "9" * 400, "-99999999999999999999", "1e309", "1e-400", "nan",
    "inf", "-0", "0,05", "0.05", "²", "٣", "１２", "1_000", "0x10", " 7 ", "7\n",
    "9999-12-31", "0001-01-01", "2021-02-30", "2021-11-05", "20211105", "2021-W01-1",
    "05/11/2021", "31/12/9999", "01/01/0001", "23:59", "25:61", "\n", "x\n", "a\r\nb", "\t",
    "\x00", "a\x00b", "\x7f", "\u202e", "💥", "' OR 1=1 --", "<script>alert(1)</script>",
    "../../etc/passwd", "%00", "%0A", "x" * 5000, "rake", "poststratify", "none", "slovin",
    "cochran", "csv", "vi", "en", "fr", "next", "back", "submit", "y", "on", "true",
    "login", "request_refused", "ho_tich", "xa,2,0.5", "1,1,1\n2,2,2",
    str(uuid.UUID(int=7, version=4)), str(uuid.UUID(int=7, version=4)) + "\n",
    OWN, OTHER, R, P, FIELD, OWN + "\n", R + "\n",
)  # fmt: skip


def _values(valid: tuple[str, ...] = ()) -> st.SearchStrategy[str]:
    extreme_dates = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)).map(dt.date.isoformat)
    return st.one_of(
        st.sampled_from(HOSTILE + valid),
        st.text(max_size=30),
        st.integers(-(2**80), 2**80).map(str),
        extreme_dates,
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
    )


@dataclass
class Fuzz:
    app: Flask
    clients: dict[str | None, FlaskClient]
    token: str
    form_names: dict[str, tuple[str, ...]]
    fingerprint: Callable[[], str]
    #: Committed transactions that wrote to a table other than the audit log.
    commits: list[str]


def _fingerprint(app: Flask) -> Callable[[], str]:
    """A hash of every row of every table but the audit log."""
    tables = [t for t in Base.metadata.sorted_tables if t.name != "audit_event"]

    def digest() -> str:
        hasher = hashlib.sha256()
        with app.app_context(), session_scope() as session:
            for table in tables:
                order = list(table.primary_key.columns) or list(table.columns)
                for row in session.execute(sa.select(table).order_by(*order)):
                    hasher.update(repr(tuple(row)).encode())
        return hasher.hexdigest()

    return digest


_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


def _watch_writes(engine: sa.Engine) -> list[str]:
    """Record each committed transaction that wrote to a table other than ``audit_event``."""
    commits: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _statement(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if _WRITE.match(statement) and "audit_event" not in statement.split("(")[0]:
            conn.info.setdefault("writes", []).append(statement[:80])

    @sa.event.listens_for(engine, "commit")
    def _commit(conn):  # type: ignore[no-untyped-def]
        commits.extend(conn.info.pop("writes", []))

    @sa.event.listens_for(engine, "rollback")
    def _rollback(conn):  # type: ignore[no-untyped-def]
        conn.info.pop("writes", None)

    return commits


def _harvest(html: str) -> tuple[str, ...]:
    names = re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html)
    return tuple(sorted(set(names)))


def _postgres_schema() -> Iterator[str]:
    schema = f"f_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def fuzz(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzz]:
    """One app per backend for every case: two communes with responses, the PAR round, staff."""
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    schemas = _postgres_schema() if request.param == "postgresql" else None
    url = next(schemas) if schemas else f"sqlite:///{tmp / 'fuzz.sqlite3'}"
    app = make_app(url, tmp)
    citizen = app.test_client()
    token = demo_link(app, OWN).token
    for unit_code in (OWN, OTHER):
        for _ in range(3):
            assert submit_all(citizen, demo_link(app, unit_code).token).status_code == 303
    with app.app_context(), session_scope() as session:
        load_par_demo(session, dt.datetime.now(dt.UTC), DEMO_ROUND)
    clients: dict[str | None, FlaskClient] = {None: app.test_client()}
    for role in ROLES:
        make_user(app, role, role, OWN if role == "commune_officer" else None)
        clients[role] = app.test_client()
        assert login(clients[role], role) == 302
    form_names = {}
    for case in CASES:
        if case.form_page:
            page = clients[case.role].get(case.form_page.format(token=token))
            form_names[case.endpoint] = _harvest(page.text)
    commits = _watch_writes(app.extensions["db_engine"])
    yield Fuzz(app, clients, token, form_names, _fingerprint(app), commits)
    app.extensions["db_engine"].dispose()
    if schemas:
        next(schemas, None)


def test_every_route_is_fuzzed() -> None:
    from survey_app import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
    registered = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
        if rule.endpoint not in UNFUZZED
        and not (method == "POST" and rule.endpoint in UNFUZZED_POSTS)
    }
    assert registered == {(case.endpoint, case.method) for case in CASES}


def _examples(case: RouteCase, total: int) -> int:
    """This case's share of ``total`` examples (at least 5)."""
    return max(5, math.ceil(total * case.weight / sum(c.weight for c in CASES)))


def test_examples_add_up_to_the_budget() -> None:
    assert sum(_examples(case, EXAMPLES) for case in CASES) >= EXAMPLES


def _path(case: RouteCase, fuzz: Fuzz, draw: st.DrawFn) -> str:
    valid = {
        "token": fuzz.token,
        "submission_id": str(uuid.UUID(int=7, version=4)),
        "round": R,
        "par": P,
        "unit": OWN,
        "field": FIELD,
        "name": "citizen.css",
        "user": "1",
        "batch": "1",
        "response": "1",
        "member": "1",
        "number": "1",
        "change": "rotate",
    }
    parts = {}
    for name, value in valid.items():
        if "{" + name + "}" in case.path:
            # Mostly the real value, so that later parts and the query are reached too.
            chosen = draw(st.one_of(st.just(value), st.just(value), _values((value,))))
            parts[name] = quote(chosen, safe="") or value
    return case.path.format(**parts)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method}-{c.endpoint}")
def test_no_5xx_and_nothing_changed_on_refusal(
    fuzz: Fuzz, case: RouteCase, request: pytest.FixtureRequest
) -> None:
    factor = SLOW_FACTOR if request.config.getoption("--slow") else 1
    examples = _examples(case, EXAMPLES * factor)
    client = fuzz.clients[case.role]
    form_names = fuzz.form_names.get(case.endpoint, ())
    before_case = fuzz.fingerprint()
    changed_by_case = False

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=not request.config.getoption("--slow"),
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        nonlocal changed_by_case
        written = len(fuzz.commits)
        path = _path(case, fuzz, data.draw)
        query_names = st.sampled_from(QUERY_NAMES) | st.text(max_size=8)
        if case.query:
            query_names = st.sampled_from(case.query) | query_names
        query = data.draw(st.dictionaries(query_names, _values(), max_size=3))
        form = {}
        if case.method == "POST":
            names = st.sampled_from(form_names) if form_names else st.text(max_size=12)
            form = data.draw(st.dictionaries(names | st.text(max_size=8), _values(), max_size=6))
        reply = client.open(path, method=case.method, query_string=query, data=form)
        assert reply.status_code < 500, (case.method, path, query, form)
        new_writes = fuzz.commits[written:]
        if reply.status_code >= 400:
            assert not new_writes, ("written on refusal", path, query, form, new_writes)
        changed_by_case = changed_by_case or bool(new_writes)

    run()
    if not changed_by_case:
        # Nothing was committed outside the audit log: every row must be as it was.
        assert fuzz.fingerprint() == before_case
