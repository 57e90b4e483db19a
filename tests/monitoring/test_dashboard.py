"""The monitoring dashboard on a small hand-made data set: counts, order, days, pace, flags, scope.

The demo round opens 2021-10-09 and closes 2022-01-08; "today" is 2021-10-15 (Vietnam time).

    unit            target  responses                                 expected
    439-pho-chau        20  none                                      shortfall 20, no pace
    439-son-giang       10  4 on 13/10 (one 17:30 UTC on the 12th),   shortfall 3, 1 a day,
                            3 on 15/10; 2 too fast, 1 straight-lined   done 18/10
    439-son-tay          5  5 on 10/10                                complete
    439-kim-hoa          2  3 on 11/10, one flagged over quota        shortfall −1
    all others        none  none                                      listed last
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.db import session_scope
from survey_app.demo.setup import DEMO_ROUND
from survey_app.monitoring.chart import day_chart
from survey_app.monitoring.dashboard import Fill, Monitoring, Projection, monitor_round, project
from survey_app.responses.models import Response
from survey_app.rounds.services import round_by_code
from survey_app.units.models import AdminUnit
from tests.conftest import make_app
from tests.factories.demo import demo_link
from tests.factories.quotas import audit_events, set_quota
from tests.factories.staff import logged_in_client

NOW = dt.datetime(2021, 10, 10, 8, 0, tzinfo=dt.UTC)
TODAY = dt.date(2021, 10, 15)
MONITORING = f"/staff/rounds/{DEMO_ROUND}/monitoring"
UTC = dt.UTC


def at(day: int, hour: int = 3, minute: int = 0) -> dt.datetime:
    """October 2021, UTC (03:00 UTC is 10:00 in Vietnam, the same day)."""
    return dt.datetime(2021, 10, day, hour, minute, tzinfo=UTC)


def add_responses(app: Flask, unit_code: str, rows: list[dict[str, Any]]) -> None:
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        unit_id = session.scalar(sa.select(AdminUnit.id).where(AdminUnit.code == unit_code))
        for row in rows:
            values = {
                "duration_seconds": 300,
                "field": "ho_tich",
                "sex": "1",
                "age_group": "2",
                **row,
            }
            session.add(
                Response(
                    submission_id=str(uuid.uuid4()),
                    round_id=survey_round.id,
                    unit_id=unit_id,
                    form_id="sipas-commune",
                    form_version="2021.1",
                    channel="qr",
                    language="vi",
                    answers={},
                    **values,
                )
            )


@pytest.fixture
def data(app: Flask) -> Flask:
    demo_link(app, now=NOW)
    set_quota(app, "439-pho-chau", 20)
    set_quota(
        app,
        "439-son-giang",
        10,
        cells={("field", "ho_tich"): 6, ("field", "chung_thuc"): 4, ("sex_age", "2:3"): 3},
    )
    set_quota(app, "439-son-tay", 5)
    set_quota(app, "439-kim-hoa", 2)
    add_responses(
        app,
        "439-son-giang",
        [
            {"submitted_at": at(12, 17, 30), "sex": "2", "age_group": "3", "duration_seconds": 30},
            {"submitted_at": at(13), "sex": "2", "age_group": "3", "duration_seconds": 59},
            {"submitted_at": at(13), "duration_seconds": None},
            {"submitted_at": at(13), "field": "chung_thuc", "straightlined": True},
            {"submitted_at": at(15), "duration_seconds": 60},
            {"submitted_at": at(15)},
            {"submitted_at": at(15), "field": "chung_thuc"},
        ],
    )
    add_responses(app, "439-son-tay", [{"submitted_at": at(10), "field": "dat_dai"}] * 5)
    add_responses(
        app,
        "439-kim-hoa",
        [
            {"submitted_at": at(11), "field": "tu_phap"},
            {"submitted_at": at(11), "field": "tu_phap"},
            {"submitted_at": at(11), "field": "tu_phap", "over_quota": True},
        ],
    )
    return app


def monitor(app: Flask, unit_code: str | None = None, min_seconds: int = 60) -> Monitoring:
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        unit_id = (
            session.scalar(sa.select(AdminUnit.id).where(AdminUnit.code == unit_code))
            if unit_code
            else None
        )
        questionnaire = app.extensions["questionnaires"].get("sipas-commune", "2021.1")
        return monitor_round(
            session,
            survey_round,
            questionnaire,
            today=TODAY,
            min_seconds=min_seconds,
            unit_id=unit_id,
        )


def test_units_are_sorted_by_shortfall_with_their_counts(data: Flask) -> None:
    monitoring = monitor(data)
    top = [(u.code, u.fill.target, u.fill.accepted, u.shortfall) for u in monitoring.units[:4]]
    assert top == [
        ("439-pho-chau", 20, 0, 20),
        ("439-son-giang", 10, 7, 3),
        ("439-son-tay", 5, 5, 0),
        ("439-kim-hoa", 2, 3, -1),
    ]
    rest = monitoring.units[4:]
    assert len(rest) == 21
    assert all(u.fill.target is None for u in rest)
    assert [u.code for u in rest] == sorted(u.code for u in rest)
    assert monitoring.fill == Fill(target=37, accepted=15, missing=23)


def test_responses_per_day_use_the_local_calendar(data: Flask) -> None:
    assert monitor(data).days == (
        (dt.date(2021, 10, 9), 0),
        (dt.date(2021, 10, 10), 5),
        (dt.date(2021, 10, 11), 3),
        (dt.date(2021, 10, 12), 0),
        (dt.date(2021, 10, 13), 4),
        (dt.date(2021, 10, 14), 0),
        (dt.date(2021, 10, 15), 3),
    )


def test_projection_at_the_pace_of_the_last_seven_days(data: Flask) -> None:
    units = {u.code: u for u in monitor(data).units}
    assert units["439-son-giang"].recent == 7
    assert units["439-son-giang"].projection == Projection(
        "projected", 1.0, dt.date(2021, 10, 18), late=False
    )
    assert units["439-pho-chau"].projection.status == "no_pace"
    assert units["439-son-tay"].projection.status == "complete"
    assert units["439-kim-hoa"].projection.status == "complete"
    assert units["439-son-bang"].projection.status == "no_target"
    # The district finishes when its last unit does; one unit without any pace means unknown.
    district = monitor(data).projection
    assert district.status == "no_pace"
    assert district.per_day == pytest.approx(15 / 7)
    assert monitor(data, "439-son-giang").projection.completes_on == dt.date(2021, 10, 18)


def test_projection_rules() -> None:
    closes = dt.date(2021, 12, 31)
    short = Fill(target=100, accepted=40, missing=60)
    assert project(short, 14, 7, TODAY, closes) == Projection(
        "projected", 2.0, dt.date(2021, 11, 14), late=False
    )
    assert project(short, 1, 7, TODAY, closes) == Projection(
        "projected", 1 / 7, dt.date(2022, 12, 9), late=True
    )
    assert project(short, 0, 7, TODAY, closes) == Projection("no_pace")
    assert project(Fill(10, 12, 0), 0, 7, TODAY, closes) == Projection("complete")
    assert project(Fill(None, 12, 0), 5, 7, TODAY, closes) == Projection("no_target")


def test_quality_flags_are_counted(data: Flask) -> None:
    units = {u.code: u for u in monitor(data).units}
    giang = units["439-son-giang"].flags
    assert (giang.too_fast, giang.straightlined, giang.over_quota) == (2, 1, 0)
    assert units["439-kim-hoa"].flags.over_quota == 1
    district = monitor(data).flags
    assert (district.too_fast, district.straightlined, district.over_quota) == (2, 1, 1)
    # The threshold is a parameter: durations of 30 and 59 seconds, unknown durations never.
    assert monitor(data, min_seconds=31).flags.too_fast == 1
    assert monitor(data, min_seconds=61).flags.too_fast == 3


def test_fill_per_cell(data: Flask) -> None:
    unit = monitor(data, "439-son-giang")
    assert [(c.cell, c.label, c.fill) for c in unit.fields] == [
        ("ho_tich", "Hộ tịch", Fill(6, 5, 1)),
        ("chung_thuc", "Chứng thực", Fill(4, 2, 2)),
    ]
    assert [(c.cell, c.fill) for c in unit.sex_age] == [
        ("1:2", Fill(None, 5, 0)),
        ("2:3", Fill(3, 2, 1)),
    ]
    assert unit.units[0].short_cells == 3
    district = monitor(data)
    assert [(c.cell, c.fill) for c in district.fields] == [
        ("ho_tich", Fill(6, 5, 1)),
        ("chung_thuc", Fill(4, 2, 2)),
        ("dat_dai", Fill(None, 5, 0)),
        ("tu_phap", Fill(None, 3, 0)),
    ]
    assert district.sex_age[0].label == "Nam, 25–34"


def test_day_chart_geometry() -> None:
    days = [(dt.date(2021, 10, 9) + dt.timedelta(days=i), n) for i, n in enumerate((0, 5, 3))]
    chart = day_chart(days)
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 0
    assert heights[2] == pytest.approx(heights[1] * 3 / 5, abs=0.01)
    assert chart.bars[1].y + chart.bars[1].height == chart.baseline
    assert [label for _, label in chart.ticks] == ["0", "5"]
    assert [label for _, label in chart.labels] == ["09/10", "10/10", "11/10"]
    big = day_chart([(dt.date(2021, 1, 1) + dt.timedelta(days=i), 1234) for i in range(100)])
    assert [label for _, label in big.ticks] == ["0", "1.000", "2.000"]
    assert len(big.labels) <= 8


@pytest.fixture
def today_is_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("survey_app.monitoring.views.local_today", lambda: TODAY)


@pytest.mark.usefixtures("today_is_fixed")
@pytest.mark.parametrize(
    "role", ["district_officer", "admin", "analyst", "council_member", "chairman"]
)
def test_district_view(data: Flask, role: str) -> None:
    page = logged_in_client(data, role).get(f"{MONITORING}/")
    assert page.status_code == 200
    text = page.text
    order = [text.index(name) for name in ("Phố Châu", "Xã Sơn Giang", "Xã Sơn Tây", "Kim Hoa")]
    assert order == sorted(order)
    assert text.count("<rect ") == 7
    assert "10/10/2021: 5 phiếu" in text
    assert "18/10/2021" in text
    assert "chưa đủ dữ liệu" in text
    assert "15 / 37" in text


@pytest.mark.usefixtures("today_is_fixed")
def test_unit_view(data: Flask) -> None:
    page = logged_in_client(data, "district_officer").get(f"{MONITORING}/439-son-giang")
    assert page.status_code == 200
    assert "7 / 10" in page.text
    assert "18/10/2021" in page.text
    assert "Hộ tịch" in page.text
    assert "Phố Châu" not in page.text
    assert page.text.count("<rect ") == 7


def test_commune_officer_sees_only_their_unit(data: Flask) -> None:
    client = logged_in_client(data, "commune_officer", "439-son-giang")
    district = client.get(f"{MONITORING}/")
    assert district.status_code == 302
    assert district.headers["Location"].endswith(f"{MONITORING}/439-son-giang")
    own = client.get(f"{MONITORING}/439-son-giang")
    assert own.status_code == 200
    assert "7 / 10" in own.text
    for probe in ("439-pho-chau", "no-such-unit"):
        refused = client.get(f"{MONITORING}/{probe}")
        assert refused.status_code == 403
        assert "Phố Châu" not in refused.text
    denied = audit_events(data, "access_denied")
    assert [e.actor_name for e in denied] == ["commune-officer.439-son-giang"] * 2
    assert denied[1].detail == {"unit_code": "no-such-unit"}


def test_unknown_unit_or_round_is_404_for_district_staff(data: Flask) -> None:
    client = logged_in_client(data, "district_officer")
    assert client.get(f"{MONITORING}/no-such-unit").status_code == 404
    assert client.get("/staff/rounds/NO-ROUND/monitoring/").status_code == 404


def test_anonymous_is_sent_to_login(data: Flask) -> None:
    for path in (f"{MONITORING}/", f"{MONITORING}/439-son-giang"):
        reply = data.test_client().get(path)
        assert reply.status_code == 302
        assert "/staff/login" in reply.headers["Location"]


def test_round_list_links_to_monitoring(data: Flask) -> None:
    officer = logged_in_client(data, "district_officer").get("/staff/")
    assert f'href="{MONITORING}/"' in officer.text
    assert f'href="/staff/rounds/{DEMO_ROUND}/targets/"' in officer.text
    commune = logged_in_client(data, "commune_officer", "439-son-giang").get("/staff/")
    assert f'href="{MONITORING}/"' in commune.text
    assert "/targets/" not in commune.text


def test_threshold_comes_from_the_configuration(tmp_path: Path, sqlite_url: str) -> None:
    app = make_app(sqlite_url, tmp_path, QUALITY_MIN_SECONDS=45)
    demo_link(app, now=NOW)
    add_responses(app, "439-son-giang", [{"submitted_at": at(13), "duration_seconds": 44}])
    page = logged_in_client(app, "analyst").get(f"{MONITORING}/")
    assert 'Trả lời quá nhanh (&lt; 45 giây)</th><td class="num">1<' in page.text
