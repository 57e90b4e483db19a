"""Response targets (computed from the sampling plan, edited by staff) and the quota policies."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from analysis import columns as col
from analysis.quotas import field_targets, sex_age_targets
from analysis.sampling import unit_targets
from analysis.units import field_counts
from survey_app import migrate
from survey_app.db import session_scope
from survey_app.demo.setup import DEMO_DIR, DEMO_ROUND
from survey_app.quotas.models import QuotaCell
from survey_app.responses.models import Response
from survey_app.rounds.models import RoundUnit
from survey_app.rounds.services import round_by_code
from survey_app.units.models import AdminUnit
from tests.conftest import make_app
from tests.factories.demo import FULL_ANSWERS, demo_link
from tests.factories.quotas import audit_events, post_final, set_quota, stored
from tests.factories.staff import PASSWORD, logged_in_client, make_user

TARGETS = f"/staff/rounds/{DEMO_ROUND}/targets"
UNIT = "439-son-giang"
SHARES = [("1", "1", 0.1), ("1", "2", 0.3), ("2", "1", 0.2), ("2", "2", 0.4)]


def demo_population() -> pd.DataFrame:
    """The demo transaction counts read straight from the CSV files, as an analyst would."""
    counts = pd.read_csv(DEMO_DIR / "transactions.csv", dtype={"field": "string"})
    kinds = pd.read_csv(DEMO_DIR / "units.csv")[["code", "kind"]]
    table = counts.merge(kinds, left_on="unit_code", right_on="code")
    return table[[col.UNIT, col.KIND, col.FIELD, col.TRANSACTIONS]]


def saved_targets(app: Flask) -> tuple[dict[str, int | None], dict[tuple[str, str, str], int]]:
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        units: dict[str, int | None] = dict(
            session.execute(
                sa.select(AdminUnit.code, RoundUnit.target)
                .join(RoundUnit, RoundUnit.unit_id == AdminUnit.id)
                .where(RoundUnit.round_id == survey_round.id)
            ).all()
        )
        cells = {
            (code, dimension, cell): target
            for code, dimension, cell, target in session.execute(
                sa.select(AdminUnit.code, QuotaCell.dimension, QuotaCell.cell, QuotaCell.target)
                .join(AdminUnit, AdminUnit.id == QuotaCell.unit_id)
                .where(QuotaCell.round_id == survey_round.id)
            )
        }
    return units, cells


@pytest.fixture
def officer(app: Flask) -> FlaskClient:
    demo_link(app)
    return logged_in_client(app, "district_officer")


def test_cli_targets_equal_the_analysis_library(app: Flask) -> None:
    demo_link(app)
    result = app.test_cli_runner().invoke(args=["compute-targets", "--round", DEMO_ROUND])
    assert result.exit_code == 0, result.output
    assert "Targets set for 25 units (25 changed)." in result.output
    population = demo_population()
    expected = unit_targets(population, "slovin", 0.05, floors={"xa": 150, "thi_tran": 200})
    expected_fields = field_targets(expected, field_counts(population))
    units, cells = saved_targets(app)
    assert units == dict(zip(expected[col.UNIT], expected[col.TARGET].astype(int), strict=True))
    assert cells == {
        (unit, "field", field): int(target)
        for unit, field, target in zip(
            expected_fields[col.UNIT],
            expected_fields[col.FIELD],
            expected_fields[col.TARGET],
            strict=True,
        )
    }
    assert audit_events(app, "quota_targets_computed")[0].detail["method"] == "slovin"


def test_cli_refuses_bad_options(app: Flask) -> None:
    demo_link(app)
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["compute-targets", "--round", "NOPE"])
    assert unknown.exit_code != 0
    assert "no round with code 'NOPE'" in unknown.output
    bad_floor = runner.invoke(args=["compute-targets", "--round", DEMO_ROUND, "--floor", "xa=-1"])
    assert bad_floor.exit_code != 0
    assert "KIND=N" in bad_floor.output
    bad_e = runner.invoke(args=["compute-targets", "--round", DEMO_ROUND, "--e", "1.5"])
    assert bad_e.exit_code != 0
    assert "margin of error e" in bad_e.output
    assert saved_targets(app)[0][UNIT] is None


def test_web_compute_with_cochran_floors_and_sex_age_shares(
    officer: FlaskClient, app: Flask
) -> None:
    shares_text = "sex,age_group,share\n" + "\n".join(f"{s},{a},{v}" for s, a, v in SHARES)
    reply = officer.post(
        f"{TARGETS}/compute",
        data={
            "method": "cochran",
            "e": "0,06",
            "floor_xa": "100",
            "floor_thi_tran": "",
            "by_field": "y",
            "sex_age_shares": shares_text,
        },
    )
    assert reply.status_code == 302, reply.text
    population = demo_population()
    expected = unit_targets(population, "cochran", 0.06, floors={"xa": 100})
    shares = pd.DataFrame(SHARES, columns=[col.SEX, col.AGE_GROUP, col.SHARE])
    expected_cells = sex_age_targets(expected, shares)
    units, cells = saved_targets(app)
    assert units == dict(zip(expected[col.UNIT], expected[col.TARGET].astype(int), strict=True))
    for unit, sex, age, target in expected_cells[
        [col.UNIT, col.SEX, col.AGE_GROUP, col.TARGET]
    ].itertuples(index=False):
        assert cells[unit, "sex_age", f"{sex}:{age}"] == target
    for unit, target in units.items():
        assert target is not None
        for dimension in ("field", "sex_age"):
            split = [t for (u, d, _), t in cells.items() if u == unit and d == dimension]
            assert sum(split) == target
    listing = officer.get(f"{TARGETS}/")
    assert "Đã tính chỉ tiêu cho 25 đơn vị" in listing.text


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("e", "abc", "Hãy nhập một số thập phân"),
        ("e", "0", "Sai số phải lớn hơn 0 và nhỏ hơn 1"),
        ("floor_xa", "-5", "Không được nhập số âm."),
        ("floor_thi_tran", "2.5", "Hãy nhập một số nguyên"),
        ("sex_age_shares", "1,1,0.5\n2,1", "cơ cấu giới tính × nhóm tuổi, dòng 2: ghi ba giá trị"),
        ("sex_age_shares", "1,1,-0.5", "cơ cấu giới tính × nhóm tuổi, dòng 1: tỷ lệ &#39;-0.5"),
    ],
)
def test_web_compute_refuses_bad_parameters(
    officer: FlaskClient, app: Flask, field: str, value: str, message: str
) -> None:
    data = {"method": "slovin", "e": "0.05", "floor_xa": "150", "floor_thi_tran": "200"}
    reply = officer.post(f"{TARGETS}/compute", data={**data, field: value})
    assert reply.status_code == 400
    assert f'id="{field}-error">{message}' in reply.text
    assert saved_targets(app)[0][UNIT] is None
    assert audit_events(app, "quota_targets_computed") == []


def test_web_compute_without_counts_for_the_period_says_so(
    officer: FlaskClient, app: Flask
) -> None:
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        survey_round.period_end = survey_round.period_end.replace(day=29)
    reply = officer.post(f"{TARGETS}/compute", data={"method": "slovin", "e": "0.05"})
    assert reply.status_code == 422
    assert "chưa có số giao dịch của kỳ 01/01/2021–29/09/2021" in reply.text
    assert "import-counts" in reply.text
    units, cells = saved_targets(app)
    assert set(units.values()) == {None}
    assert cells == {}


def test_unit_edit_refuses_bad_values_next_to_the_field(officer: FlaskClient, app: Flask) -> None:
    set_quota(app, UNIT, 150, cells={("field", "ho_tich"): 60, ("field", "dat_dai"): 90})
    page = officer.get(f"{TARGETS}/{UNIT}")
    assert page.status_code == 200
    assert 'name="cell-field-ho_tich"' in page.text
    assert 'value="60"' in page.text
    reply = officer.post(
        f"{TARGETS}/{UNIT}",
        data={"target": "-1", "cell-field-ho_tich": "sáu mươi", "cell-field-dat_dai": ""},
    )
    assert reply.status_code == 400
    assert 'id="target-error">Không được nhập số âm.' in reply.text
    assert 'id="cell-field-ho_tich-error">Hãy nhập một số nguyên' in reply.text
    assert 'id="cell-field-dat_dai-error">Hãy nhập chỉ tiêu cho ô này.' in reply.text
    units, cells = saved_targets(app)
    assert units[UNIT] == 150
    assert cells[UNIT, "field", "ho_tich"] == 60
    assert audit_events(app, "quota_target_changed") == []


def test_unit_edit_is_saved_and_audited_with_old_and_new_values(
    officer: FlaskClient, app: Flask
) -> None:
    set_quota(app, UNIT, 150, cells={("field", "ho_tich"): 60, ("field", "dat_dai"): 90})
    reply = officer.post(
        f"{TARGETS}/{UNIT}",
        data={"target": "160", "cell-field-ho_tich": "70", "cell-field-dat_dai": "90"},
    )
    assert reply.status_code == 302
    units, cells = saved_targets(app)
    assert units[UNIT] == 160
    assert cells[UNIT, "field", "ho_tich"] == 70
    (event,) = audit_events(app, "quota_target_changed")
    assert event.actor_name == "district-officer.district"
    assert event.target == f"{DEMO_ROUND}/{UNIT}"
    assert event.detail == {
        "unit": {"old": 150, "new": 160},
        "field:ho_tich": {"old": 60, "new": 70},
    }
    # Emptying the unit's target removes the limit; that is a change too.
    officer.post(
        f"{TARGETS}/{UNIT}",
        data={"target": "", "cell-field-ho_tich": "70", "cell-field-dat_dai": "90"},
    )
    assert saved_targets(app)[0][UNIT] is None
    assert audit_events(app, "quota_target_changed")[-1].detail == {
        "unit": {"old": 160, "new": None}
    }


def test_unit_edit_needs_a_csrf_token(tmp_path: Path, sqlite_url: str) -> None:
    app = make_app(sqlite_url, tmp_path, WTF_CSRF_ENABLED=True)
    demo_link(app)
    set_quota(app, UNIT, 150)
    client = app.test_client()
    login_page = client.get("/staff/login")
    assert login_page.status_code == 200
    make_user(app, "noivu", "district_officer")
    credentials = {"username": "noivu", "password": PASSWORD}
    logged_in = client.post(
        "/staff/login", data={**credentials, "csrf_token": _csrf_token(login_page.text)}
    )
    assert logged_in.status_code == 302
    refused = client.post(f"{TARGETS}/{UNIT}", data={"target": "10"})
    assert refused.status_code == 400
    assert saved_targets(app)[0][UNIT] == 150
    page = client.get(f"{TARGETS}/{UNIT}")
    accepted = client.post(
        f"{TARGETS}/{UNIT}", data={"target": "10", "csrf_token": _csrf_token(page.text)}
    )
    assert accepted.status_code == 302
    assert saved_targets(app)[0][UNIT] == 10


def _csrf_token(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found is not None, html
    return found.group(1)


@pytest.mark.parametrize("role", ["analyst", "council_member", "chairman"])
def test_only_district_officers_and_admins_edit_targets(app: Flask, role: str) -> None:
    demo_link(app)
    client = logged_in_client(app, role)
    assert client.get(f"{TARGETS}/").status_code == 403
    assert client.post(f"{TARGETS}/{UNIT}", data={"target": "1"}).status_code == 403
    assert logged_in_client(app, "admin").get(f"{TARGETS}/").status_code == 200


def test_commune_officer_and_anonymous_cannot_touch_targets(app: Flask) -> None:
    demo_link(app)
    officer = logged_in_client(app, "commune_officer", UNIT)
    assert officer.post(f"{TARGETS}/{UNIT}", data={"target": "1"}).status_code == 403
    assert audit_events(app, "access_denied")[-1].actor_name == "commune-officer.439-son-giang"
    anonymous = app.test_client().get(f"{TARGETS}/")
    assert anonymous.status_code == 302
    assert "/staff/login" in anonymous.headers["Location"]
    assert saved_targets(app)[0][UNIT] is None


def test_policy_accept_flag_accepts_and_flags_beyond_the_target(any_app: Flask) -> None:
    link = demo_link(any_app, UNIT)
    set_quota(any_app, UNIT, 2, policy="accept_flag")
    client = any_app.test_client()
    assert [post_final(client, link.token).status_code for _ in range(3)] == [303, 303, 303]
    assert [r.over_quota for r in stored(any_app, UNIT)] == [False, False, True]
    # The form still opens: nothing is closed under this policy.
    assert 'name="submission_id"' in client.get(f"/s/{link.token}").text


def test_policy_close_thanks_the_citizen_and_stores_nothing(any_app: Flask) -> None:
    link = demo_link(any_app, UNIT)
    set_quota(any_app, UNIT, 2, policy="close")
    client = any_app.test_client()
    assert client.get(f"/s/{link.token}").status_code == 200
    assert [post_final(client, link.token).status_code for _ in range(2)] == [303, 303]
    refused = post_final(client, link.token)
    assert refused.status_code == 409
    assert "Đã đủ số phiếu" in refused.text
    assert "Xin chân thành cảm ơn" in refused.text
    assert len(stored(any_app, UNIT)) == 2
    # A new visitor is told on the first page, before answering anything.
    first_page = client.get(f"/s/{link.token}")
    assert first_page.status_code == 200
    assert "Đã đủ số phiếu" in first_page.text
    assert 'name="submission_id"' not in first_page.text
    # Other units are unaffected.
    other = demo_link(any_app, "439-son-tay")
    assert post_final(client, other.token).status_code == 303


def test_retry_after_the_quota_closed_still_gets_its_first_receipt(any_app: Flask) -> None:
    link = demo_link(any_app, UNIT)
    set_quota(any_app, UNIT, 1, policy="close")
    client = any_app.test_client()
    submission = "2f1c7e8a-1b2c-4d3e-8f90-0123456789ab"
    first = post_final(client, link.token, submission_id=submission)
    assert first.status_code == 303
    retry = post_final(client, link.token, submission_id=submission)
    assert retry.status_code == 303
    assert retry.headers["Location"] == first.headers["Location"]
    assert len(stored(any_app, UNIT)) == 1


def test_cell_quotas_close_only_the_full_cell(any_app: Flask) -> None:
    link = demo_link(any_app, UNIT)
    set_quota(
        any_app,
        UNIT,
        None,
        cells={("field", "ho_tich"): 1, ("sex_age", "1:2"): 1},
        policy="close",
    )
    client = any_app.test_client()
    ho_tich = dict(FULL_ANSWERS, field="ho_tich", sex="2", age_group="3")
    assert post_final(client, link.token, ho_tich).status_code == 303
    assert post_final(client, link.token, ho_tich).status_code == 409
    other_field = dict(FULL_ANSWERS, field="dat_dai", sex="1", age_group="2")
    assert post_final(client, link.token, other_field).status_code == 303
    # Same field as before but the sex × age cell 1:2 is now full.
    assert post_final(client, link.token, other_field).status_code == 409
    # A respondent in cells without targets is never refused.
    free = dict(FULL_ANSWERS, field="tu_phap", sex="2", age_group="5")
    assert post_final(client, link.token, free).status_code == 303
    assert [(r.field, r.sex, r.age_group) for r in stored(any_app, UNIT)] == [
        ("ho_tich", "2", "3"),
        ("dat_dai", "1", "2"),
        ("tu_phap", "2", "5"),
    ]
    # The unit as a whole is not full: the first page still opens.
    assert 'name="submission_id"' in client.get(f"/s/{link.token}").text


def test_cell_quota_accept_flag_marks_the_cell_surplus(app: Flask) -> None:
    link = demo_link(app, UNIT)
    set_quota(app, UNIT, None, cells={("field", "ho_tich"): 1}, policy="accept_flag")
    client = app.test_client()
    for field in ("ho_tich", "ho_tich", "dat_dai"):
        assert post_final(client, link.token, dict(FULL_ANSWERS, field=field)).status_code == 303
    assert [r.over_quota for r in stored(app, UNIT)] == [False, True, False]


def test_quality_columns_are_derived_at_insert(app: Flask) -> None:
    link = demo_link(app, UNIT)
    client = app.test_client()
    scored = app.extensions["questionnaires"].get("sipas-commune", "2021.1").scored_items()
    uniform = {**FULL_ANSWERS, **{name: "5" for name in FULL_ANSWERS if name in scored}}
    post_final(client, link.token, uniform)
    post_final(client, link.token)
    first, second = stored(app, UNIT)
    assert (first.straightlined, second.straightlined) == (True, False)
    vietnam = ZoneInfo("Asia/Ho_Chi_Minh")
    assert first.local_date == first.submitted_at.astimezone(vietnam).date()


def test_migration_backfills_existing_responses(sqlite_url: str, tmp_path: Path) -> None:
    migrate.upgrade(sqlite_url, "0001")
    engine = sa.create_engine(sqlite_url)
    uniform = {f"access_{i}": "4" for i in range(1, 5)} | {"overall": "2"}
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO admin_unit (id, code, name, kind, valid_from) "
                "VALUES (1, 'u', 'U', 'xa', '2020-01-01')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO survey_round (id, code, title, form_id, form_version, opens_at, "
                "closes_at, period_start, period_end, quota_policy, created_at) VALUES (1, 'r', "
                "'R', 'sipas-commune', '2021.1', '2021-10-01 00:00:00', '2021-12-01 00:00:00', "
                "'2021-01-01', '2021-09-30', 'close', '2021-10-01 00:00:00')"
            )
        )
        for number, answers in enumerate((uniform, FULL_ANSWERS), start=1):
            connection.execute(
                sa.text(
                    "INSERT INTO response (id, submission_id, round_id, unit_id, form_id, "
                    "form_version, submitted_at, channel, language, over_quota, answers) VALUES "
                    "(:id, :sid, 1, 1, 'sipas-commune', '2021.1', '2021-10-12 17:30:00.000000', "
                    "'qr', 'vi', 0, :answers)"
                ),
                {"id": number, "sid": f"s{number}", "answers": json.dumps(answers)},
            )
    migrate.upgrade(sqlite_url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(Response.local_date, Response.straightlined).order_by(Response.id)
        ).all()
    engine.dispose()
    # 17:30 UTC on the 12th is 00:30 on the 13th in Vietnam.
    assert [tuple(row) for row in rows] == [
        (dt.date(2021, 10, 13), True),
        (dt.date(2021, 10, 13), False),
    ]


def test_floors_never_exceed_the_population(officer: FlaskClient, app: Flask) -> None:
    reply = officer.post(
        f"{TARGETS}/compute",
        data={"method": "slovin", "e": "0.05", "floor_xa": "1000000", "floor_thi_tran": "0"},
    )
    assert reply.status_code == 302
    population = demo_population()
    totals = population[population[col.FIELD].isna()].set_index(col.UNIT)
    units, _ = saved_targets(app)
    for unit, row in totals.iterrows():
        if row[col.KIND] == "xa":
            assert units[str(unit)] == row[col.TRANSACTIONS]
        else:
            assert (
                units[str(unit)]
                == unit_targets(population, "slovin", 0.05)
                .set_index(col.UNIT)
                .loc[unit, col.TARGET]
            )


def test_pages_warn_when_cells_no_longer_add_up_to_the_target(
    officer: FlaskClient, app: Flask
) -> None:
    set_quota(app, UNIT, 292, cells={("field", "ho_tich"): 122, ("field", "dat_dai"): 170})
    assert 'id="target-mismatch"' not in officer.get(f"{TARGETS}/").text
    reply = officer.post(
        f"{TARGETS}/{UNIT}",
        data={"target": "300", "cell-field-ho_tich": "122", "cell-field-dat_dai": "170"},
    )
    assert reply.status_code == 302  # saved: the officer may fix the cells next
    page = officer.get(f"{TARGETS}/").text
    assert 'id="target-mismatch"' in page
    assert "chỉ tiêu 300, các ô «Lĩnh vực thủ tục» cộng lại 292" in page
    assert "292 ≠ 300" in page
    unit_page = officer.get(f"{TARGETS}/{UNIT}").text
    assert "Các ô «Lĩnh vực thủ tục» cộng lại 292, khác chỉ tiêu đơn vị 300" in unit_page
    # Fixing a cell makes the warning go away.
    officer.post(
        f"{TARGETS}/{UNIT}",
        data={"target": "300", "cell-field-ho_tich": "130", "cell-field-dat_dai": "170"},
    )
    assert 'id="target-mismatch"' not in officer.get(f"{TARGETS}/").text
