"""The demo stays apart from real data: marked, kept out of real results, cleared in one go."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from survey_app.db import session_scope
from survey_app.demo.accounts import PASSWORDS_FILE
from survey_app.demo.setup import DEMO_ROUND
from survey_app.par.models import ParRound
from survey_app.responses.frames import response_filters
from survey_app.responses.models import Response
from survey_app.rounds.models import SurveyRound
from survey_app.rounds.services import round_by_code
from survey_app.staff.models import User
from survey_app.units.models import AdminUnit, TransactionCount
from tests.factories.demo import demo_link, submit_all
from tests.factories.staff import logged_in_client, login


def _setup(runner: FlaskCliRunner, tmp_path: Path, responses: int = 20) -> str:
    result = runner.invoke(
        args=["setup-demo", "--qr-dir", str(tmp_path / "qr"), "--sample-responses", str(responses)]
    )
    assert result.exit_code == 0, result.output
    return str(result.output)


def test_demo_passwords_survive_a_second_setup(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    first = _setup(runner, tmp_path)
    second = _setup(runner, tmp_path, responses=0)
    line = next(line for line in first.splitlines() if line.strip().startswith("noivu"))
    assert line in second
    password = line.split()[1]
    assert login(app.test_client(), "noivu", password) == 302
    stored = Path(app.instance_path) / PASSWORDS_FILE
    assert json.loads(stored.read_text(encoding="utf-8"))["noivu"] == password
    assert stored.stat().st_mode & 0o077 == 0


def test_demo_rounds_and_accounts_are_marked(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    _setup(runner, tmp_path)
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        assert survey_round.is_demo
        assert "SIPAS" not in survey_round.title
        assert all(p.is_demo for p in session.scalars(sa.select(ParRound)))
        assert all(u.is_demo for u in session.scalars(sa.select(User)))


def test_demo_responses_never_reach_a_real_rounds_readers(app: Flask) -> None:
    link = demo_link(app)
    client = app.test_client()
    assert submit_all(client, link.token).status_code == 303
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        response = session.scalars(sa.select(Response)).one()
        response.channel = "demo"
        session.flush()
        count = sa.select(sa.func.count()).select_from(Response)
        survey_round.is_demo = False
        assert session.scalar(count.where(*response_filters(survey_round))) == 0
        survey_round.is_demo = True
        assert session.scalar(count.where(*response_filters(survey_round))) == 1


def test_clear_demo_removes_rounds_accounts_and_made_up_counts(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    _setup(runner, tmp_path)
    real = logged_in_client(app, "analyst", username="chuyen.vien")
    result = runner.invoke(args=["clear-demo", "--yes"])
    assert result.exit_code == 0, result.output
    assert "Đã xoá dữ liệu mẫu: 1 đợt khảo sát, 1 đợt Chỉ số CCHC, 20 phiếu mẫu" in result.output
    with app.app_context(), session_scope() as session:
        assert session.scalars(sa.select(SurveyRound)).all() == []
        assert session.scalars(sa.select(ParRound)).all() == []
        assert session.scalar(sa.select(sa.func.count()).select_from(Response)) == 0
        assert [u.username for u in session.scalars(sa.select(User))] == ["chuyen.vien"]
        assert session.scalar(sa.select(sa.func.count()).select_from(TransactionCount)) == 0
        assert session.scalar(sa.select(sa.func.count()).select_from(AdminUnit)) > 25
    assert not (Path(app.instance_path) / PASSWORDS_FILE).exists()
    assert real.get("/staff/").status_code == 200
    again = runner.invoke(args=["clear-demo", "--yes"])
    assert "0 đợt khảo sát" in again.output


def test_admin_clears_the_demo_on_the_web_only_after_ticking_the_box(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    _setup(runner, tmp_path, responses=0)
    admin = logged_in_client(app, "admin", username="quan.tri.that")
    page = admin.get("/staff/admin/demo/")
    assert DEMO_ROUND in page.text
    unticked = admin.post("/staff/admin/demo/clear", data={}, follow_redirects=True)
    assert "Đánh dấu ô xác nhận trước khi xoá." in unticked.text
    with app.app_context(), session_scope() as session:
        assert round_by_code(session, DEMO_ROUND) is not None
    done = admin.post("/staff/admin/demo/clear", data={"understood": "y"}, follow_redirects=True)
    assert "Đã xoá dữ liệu mẫu" in done.text
    with app.app_context(), session_scope() as session:
        assert round_by_code(session, DEMO_ROUND) is None
        assert session.scalars(sa.select(User.username)).all() == ["quan.tri.that"]
