"""Creating rounds from the command line: units named once each, unknown codes refused."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskCliRunner

from survey_app.db import session_scope
from survey_app.demo.setup import DEMO_DIR
from survey_app.rounds.services import round_by_code

ARGS = [
    "create-round",
    "--code",
    "R1",
    "--title",
    "Thử",
    "--form",
    "sipas-commune",
    "--version",
    "2021.1",
    "--opens",
    "2021-10-01",
    "--closes",
    "2021-11-01",
    "--period-start",
    "2021-01-01",
    "--period-end",
    "2021-09-30",
]


def test_repeated_unit_codes_take_part_once(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["import-units", str(DEMO_DIR / "units.csv")])
    result = runner.invoke(
        args=[*ARGS, "--unit", "439-son-giang", "--unit", "439-pho-chau", "--unit", "439-son-giang"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, "R1")
        assert survey_round is not None
        assert sorted(ru.unit.code for ru in survey_round.units) == [
            "439-pho-chau",
            "439-son-giang",
        ]


def test_unknown_unit_code_is_refused(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["import-units", str(DEMO_DIR / "units.csv")])
    result = runner.invoke(args=[*ARGS, "--unit", "439-son-giang", "--unit", "nowhere"])
    assert result.exit_code != 0
    assert "unknown unit code(s): nowhere" in result.output
    with app.app_context(), session_scope() as session:
        assert round_by_code(session, "R1") is None
