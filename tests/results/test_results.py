"""Weighted results: same numbers as the analysis library, small samples, method note, scoping."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from flask import Flask

from analysis import columns as col
from analysis.calibration import calibration_matrix
from analysis.design import Design
from analysis.greg import calibration_model
from analysis.ranking import rank_intervals
from analysis.recode import recode_scores
from analysis.sipas import satisfaction_index
from analysis.weighting import design_weights
from analysis.weighting_chain import run_weighting
from survey_app.db import session_scope
from survey_app.demo.setup import DEMO_ROUND
from survey_app.responses.frames import codebook_for, population_table, responses_frame
from survey_app.results.estimates import (
    Results,
    SatisfactionTable,
    compute_results,
    satisfaction_by_unit,
)
from survey_app.results.options import ResultsOptions, WeightingOptions, results_options
from survey_app.results.weighting import with_weighting_cell
from survey_app.rounds.services import round_by_code
from survey_app.staff.models import AuditEvent
from survey_app.units.models import TransactionCount
from tests.conftest import make_app
from tests.factories.responses import insert_responses
from tests.factories.staff import logged_in_client

RESULTS = f"/staff/rounds/{DEMO_ROUND}/results/"
SIZES = {"439-son-giang": 60, "439-pho-chau": 45, "439-son-tay": 12}


def seed(app: Flask) -> None:
    for seed_value, (unit, count) in enumerate(SIZES.items()):
        insert_responses(app, unit, count, seed=seed_value, lean=0.3 * seed_value)


def results_for(app: Flask, options: ResultsOptions) -> Results:
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        return compute_results(session, survey_round, options, app.extensions["questionnaires"])


def direct_index(app: Flask, results: Results) -> pd.DataFrame:
    """The unit indices computed by calling analysis/ directly on the bridge's DataFrame."""
    with app.app_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        questionnaire = app.extensions["questionnaires"].get("sipas-commune", "2021.1")
        codebook = codebook_for(questionnaire)
        rows = responses_frame(session, survey_round, questionnaire)
        population = population_table(session, survey_round)
    design = results.weights.design
    frame = with_weighting_cell(rows)
    # Row-level weighting, as the analysis CLI would do it (the app weighs cell counts).
    weights = run_weighting(frame, design).weights
    scores = recode_scores(rows, codebook).assign(
        **{col.UNIT: rows[col.UNIT], col.FIELD: rows[col.FIELD], col.WEIGHT: weights}
    )
    assert population.illustrative
    unit_n = dict(results.weights.unit_population)
    calibration = None
    if design.method != "none":
        calibration = calibration_model(
            calibration_matrix(frame, design.margins, collapse=design.collapse),
            design_weights(frame, unit_n, col.UNIT),
        )
    return satisfaction_index(
        scores,
        {item.name: item.factor for item in codebook.items},
        Design(weights=col.WEIGHT, strata=col.UNIT, fpc=unit_n, lonely_psu="adjust"),
        by=col.UNIT,
        missing="skip",
        calibration=calibration,
    )


@pytest.mark.parametrize("adjustment", ["none", "poststratify", "rake"])
def test_numbers_equal_the_analysis_library_on_the_same_dataframe(
    app: Flask, adjustment: str
) -> None:
    seed(app)
    options = ResultsOptions(weighting=WeightingOptions(adjustment=adjustment, trim_upper=3.0))
    results = results_for(app, options)
    expected = direct_index(app, results)
    units = expected[expected["level"] == "unit"].set_index(col.UNIT)
    for unit in results.table.units:
        if unit.unit_code not in SIZES:
            assert unit.n == 0
            assert unit.index is None
            continue
        row = units.loc[unit.unit_code]
        assert unit.n == row["n"] == SIZES[unit.unit_code]
        assert unit.index == pytest.approx(row["estimate"], rel=1e-9)
        assert unit.se == pytest.approx(row["se"], rel=1e-9)
        assert unit.ci_low == pytest.approx(row["ci_low"], rel=1e-9)
        assert unit.ci_high == pytest.approx(row["ci_high"], rel=1e-9)
    mine = results.estimates[results.estimates["unit_code"] != ""]
    merged = mine.merge(expected, on=[col.UNIT, "level", "name"], suffixes=("", "_direct"))
    assert len(merged) == len(expected)
    np.testing.assert_allclose(merged["estimate"], merged["estimate_direct"], rtol=1e-9)
    np.testing.assert_allclose(merged["se"], merged["se_direct"], rtol=1e-9)


def test_weights_reproduce_unit_totals_and_same_inputs_give_same_numbers(app: Flask) -> None:
    seed(app)
    first = results_for(app, ResultsOptions())
    second = results_for(app, ResultsOptions())
    pd.testing.assert_frame_equal(first.estimates, second.estimates)
    summary = first.weights.report["summary"]
    assert summary["sum"] == pytest.approx(sum(first.weights.unit_population.values()))
    assert first.table.note.kish_deff == summary["kish_deff"] > 1.0


def test_satisfaction_by_unit_uses_the_config(tmp_path: Any, sqlite_url: str) -> None:
    app = make_app(
        sqlite_url,
        tmp_path,
        RESULTS_MIN_N=50,
        RESULTS_SMALL_N_POLICY="suppress",
        RESULTS_ROUND_WEIGHTING={DEMO_ROUND: {"adjustment": "none"}},
    )
    seed(app)
    with app.test_request_context(), session_scope() as session:
        survey_round = round_by_code(session, DEMO_ROUND)
        assert survey_round is not None
        table = satisfaction_by_unit(session, survey_round)
    assert isinstance(table, SatisfactionTable)
    assert table.note.options.weighting.adjustment == "none"
    giang, chau = table.get("439-son-giang"), table.get("439-pho-chau")
    assert giang is not None
    assert chau is not None
    assert not giang.small_sample
    assert giang.index is not None
    assert chau.small_sample
    assert chau.suppressed
    assert chau.index is None
    assert chau.n == 45
    assert table.ranked()[0].unit_code == "439-son-giang"
    app.extensions["db_engine"].dispose()


def test_small_samples_are_flagged_by_default(app: Flask) -> None:
    seed(app)
    table = results_for(app, results_options(app.config, DEMO_ROUND)).table
    tay = table.get("439-son-tay")
    assert tay is not None
    assert tay.small_sample
    assert not tay.suppressed
    assert tay.index is not None
    assert tay.ci_low is not None
    page = logged_in_client(app, "analyst").get(RESULTS)
    assert page.status_code == 200
    assert "mẫu nhỏ (n &lt; 30)" in page.text


def test_suppressed_results_are_hidden_on_pages_and_in_exports(
    tmp_path: Any, sqlite_url: str
) -> None:
    app = make_app(sqlite_url, tmp_path, RESULTS_SMALL_N_POLICY="suppress")
    seed(app)
    client = logged_in_client(app, "district_officer")
    page = client.get(RESULTS + "439-son-tay")
    assert page.status_code == 200
    assert "ẩn: dưới 30 phiếu" in page.text
    export = client.get(f"/staff/rounds/{DEMO_ROUND}/exports/estimates.csv?unit=439-son-tay")
    table = pd.read_csv(
        io.BytesIO(export.data),
        sep=";",
        decimal=",",
        encoding="utf-8-sig",
        dtype={"unit_code": str},
    )
    assert set(table["unit_code"]) == {"439-son-tay"}
    assert table["suppressed"].all()
    assert table["estimate"].isna().all()
    assert (table["n"] > 0).all()
    app.extensions["db_engine"].dispose()


def test_method_note_on_the_page(app: Flask) -> None:
    seed(app)
    text = logged_in_client(app, "council_member").get(RESULTS + "?cutoff=2021-10-01").text
    assert 'id="method-note"' in text
    assert "sipas-commune phiên bản 2021.2" in text
    assert "đến hết ngày 01/10/2021 (giờ địa phương, Asia/Ho_Chi_Minh)" in text
    assert "Hiệu chỉnh lặp theo các tổng biên: đơn vị (" in text
    assert "Kish deff" in text
    assert "Hệ số thiết kế khảo sát" in text
    assert "số liệu minh hoạ" in text  # the demo counts are illustrative
    assert "adjustment=rake&amp;cutoff=2021-10-01" in text


def test_cutoff_leaves_later_responses_out(app: Flask) -> None:
    insert_responses(app, "439-son-giang", 40, seed=3, step=dt.timedelta(hours=1))
    everything = results_for(app, ResultsOptions())
    cut = results_for(app, ResultsOptions(cutoff=dt.date(2021, 10, 1)))
    assert everything.table.note.responses == 40
    # 1 October ends at 17:00 UTC in Vietnam (UTC+7): 08:00 to 16:00 UTC are in.
    assert cut.table.note.responses == 9
    assert cut.table.note.latest_submitted_at == dt.datetime(2021, 10, 1, 16, 0, tzinfo=dt.UTC)


def test_chart_and_table_rank_every_unit(app: Flask) -> None:
    seed(app)
    text = logged_in_client(app, "chairman").get(RESULTS).text
    svg = text[text.index("<svg") : text.index("</svg>")]
    assert svg.count("<circle") == 3
    assert "Xã Sơn Giang" in svg
    assert "Thị trấn Phố Châu" in svg
    assert "Tất cả đơn vị" in text
    assert "<script" not in text


def test_commune_officer_sees_only_their_unit(app: Flask) -> None:
    seed(app)
    client = logged_in_client(app, "commune_officer", "439-son-giang")
    page = client.get(RESULTS)
    assert page.status_code == 200
    assert "Xã Sơn Giang" in page.text
    assert "Thị trấn Phố Châu" not in page.text
    assert "Tất cả đơn vị" not in page.text
    assert page.text.count("<circle") == 1
    assert client.get(RESULTS + "439-son-giang").status_code == 200
    assert client.get(RESULTS + "439-pho-chau").status_code == 403
    with app.app_context(), session_scope() as session:
        denied = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "access_denied")
        ).all()
    assert [event.detail.get("unit_id") is not None for event in denied] == [True]


@pytest.mark.parametrize("role", ["admin", "district_officer", "analyst", "council_member"])
def test_district_roles_see_every_unit(app: Flask, role: str) -> None:
    seed(app)
    client = logged_in_client(app, role)
    assert "Thị trấn Phố Châu" in client.get(RESULTS).text
    assert client.get(RESULTS + "439-pho-chau").status_code == 200
    assert client.get(RESULTS + "no-such-unit").status_code == 404


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("adjustment=magic", "&#39;adjustment&#39; không hợp lệ"),
        ("trim_upper=0.5", "&#39;trim_upper&#39; là bội số"),
        ("trim_lower=abc", "&#39;trim_lower&#39; phải là một số"),
        ("cutoff=yesterday", "&#39;cutoff&#39; phải là ngày"),
        ("unit_id=7", "tham số không được hỗ trợ: unit_id"),
        ("adjustment=none&adjustment=rake", "tham số lặp lại: adjustment"),
    ],
)
def test_bad_options_are_400_and_audited(app: Flask, query: str, message: str) -> None:
    seed(app)
    reply = logged_in_client(app, "analyst").get(f"{RESULTS}?{query}")
    assert reply.status_code == 400
    assert message in reply.text
    with app.app_context(), session_scope() as session:
        refused = session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "request_refused")
        ).one()
    assert refused.actor_name == "analyst.district"


def test_round_without_responses_says_so(app: Flask) -> None:
    client = logged_in_client(app, "analyst")
    insert_responses(app, "439-son-giang", 0)
    reply = client.get(RESULTS)
    assert reply.status_code == 200
    assert "chưa có phiếu trả lời nào" in reply.text


def test_missing_transaction_counts_are_explained(app: Flask) -> None:
    seed(app)
    with app.app_context(), session_scope() as session:
        session.execute(
            sa.delete(TransactionCount).where(
                TransactionCount.unit_id
                == sa.select(sa.text("id"))
                .select_from(sa.text("admin_unit"))
                .where(sa.text("code = '439-son-tay'"))
                .scalar_subquery()
            )
        )
    reply = logged_in_client(app, "analyst").get(RESULTS)
    assert reply.status_code == 422
    assert "439-son-tay" in reply.text
    assert "chưa có số giao dịch" in reply.text


def test_units_carry_joint_rank_intervals_on_the_page(app: Flask) -> None:
    seed(app)
    options = results_options(app.config, DEMO_ROUND)
    results = results_for(app, options)
    shown = [unit for unit in results.table.units if unit.index is not None]
    assert len(shown) == 3
    unit_rows = results.estimates[
        (results.estimates["level"] == "unit") & (results.estimates["unit_code"] != "")
    ].set_index("unit_code")
    expected = rank_intervals(
        unit_rows["estimate"].astype(float),
        unit_rows["se"].astype(float),
        confidence=options.confidence,
        # The index's degrees of freedom: respondents minus strata (units).
        df=float(sum(SIZES.values()) - len(SIZES)),
    )
    for unit in shown:
        assert unit.rank == expected.loc[unit.unit_code, "rank"]
        assert unit.rank_low == expected.loc[unit.unit_code, "rank_low"]
        assert unit.rank_high == expected.loc[unit.unit_code, "rank_high"]
        assert unit.rank_low is not None
        assert unit.rank_high is not None
        assert unit.rank_low <= unit.rank <= unit.rank_high
    client = logged_in_client(app, "chairman")
    text = client.get(RESULTS).text
    for unit in shown:
        assert f"hạng {unit.rank} (khoảng {unit.rank_low}–{unit.rank_high})" in text
    assert "Klein, Wright &amp; Wieczorek 2020" in text
    giang = next(unit for unit in shown if unit.unit_code == "439-son-giang")
    detail = client.get(f"{RESULTS}439-son-giang").text
    assert f"hạng {giang.rank} (khoảng {giang.rank_low}–{giang.rank_high})" in detail
