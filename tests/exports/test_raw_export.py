"""The raw CSV export: one row per response, codes not labels, readable by pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from flask import Flask
from flask.testing import FlaskCliRunner

from tests.factories.demo import FULL_ANSWERS, demo_link, submit_all


def test_export_responses_csv_reads_in_pandas(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    client = app.test_client()
    first = demo_link(app, "439-son-giang")
    second = demo_link(app, "439-pho-chau")
    assert submit_all(client, first.token).status_code == 303
    multi = dict(FULL_ANSWERS, overall="9", comment='Tốt, "nhanh"\nxin cảm ơn')
    assert submit_all(client, second.token, multi).status_code == 303
    out = tmp_path / "responses.csv"
    result = runner.invoke(
        args=["export-responses", "--round", "SIPAS-2021-HUONG-SON", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    responses = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(responses) == 2
    assert list(responses.columns[:9]) == [
        "response_id",
        "submission_id",
        "round_code",
        "unit_code",
        "form_id",
        "form_version",
        "submitted_at",
        "channel",
        "duration_seconds",
    ]
    assert "dossier_code" not in responses.columns
    assert set(responses["unit_code"]) == {"439-son-giang", "439-pho-chau"}
    by_unit = responses.set_index("unit_code")
    assert by_unit.loc["439-son-giang", "access_1"] == "4"
    assert by_unit.loc["439-pho-chau", "overall"] == "9"
    assert by_unit.loc["439-pho-chau", "comment"] == 'Tốt, "nhanh"\nxin cảm ơn'
    assert by_unit.loc["439-pho-chau", "feedback_1"] == ""
    assert pd.to_datetime(responses["submitted_at"], utc=True).notna().all()
