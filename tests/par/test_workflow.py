"""The PAR workflow through the pages: self-assessment, appraisal, approval with the
satisfaction component, publication, the table and its exports, and refused input."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.db import session_scope
from survey_app.demo.par_round import DEMO_PAR_ROUND, load_par_demo
from survey_app.demo.setup import DEMO_ROUND
from survey_app.par.rounds import criteria_catalog
from survey_app.par.table import build_table
from survey_app.results.estimates import satisfaction_by_unit
from survey_app.rounds.models import SurveyRound
from survey_app.sql_types import utcnow
from survey_app.staff.models import AuditEvent
from survey_app.units.models import AdminUnit
from tests.factories import par as pf
from tests.factories.responses import insert_responses
from tests.factories.staff import logged_in_client

UNIT, OTHER = pf.UNITS


def _url(unit: str, suffix: str = "", round_code: str = pf.ROUND) -> str:
    return f"/staff/par/{round_code}/{unit}/{suffix}"


def _version(app: Flask, unit: str) -> int:
    with app.app_context(), session_scope() as session:
        return pf.assessment_of(session, unit).version


def _self_form(app: Flask, unit: str, field: str, **scores: str) -> dict[str, Any]:
    """A complete self-assessment post for one field: full marks unless ``scores`` says
    otherwise (keys are item codes with '_' for '.'), a document wherever one is required."""
    with app.app_context():
        items = [i for i in criteria_catalog().get(*pf.CRITERIA).items() if i.field_code == field]
    data: dict[str, Any] = {"version": str(_version(app, unit))}
    for item in items:
        data[f"self_score-{item.code}"] = scores.get(
            item.code.replace(".", "_"), str(item.max_points)
        )
        data[f"explanation-{item.code}"] = f"Đã thực hiện {item.code}"
        if item.evidence_required:
            data[f"evidence_number-{item.code}"] = f"{item.code}/KH-UBND"
            data[f"evidence_date-{item.code}"] = "05/01/2021"
    return data


def _appraisal_form(
    app: Flask, unit: str, field: str, **changes: tuple[str, str]
) -> dict[str, Any]:
    with app.app_context():
        items = [i for i in criteria_catalog().get(*pf.CRITERIA).items() if i.field_code == field]
    data: dict[str, Any] = {"version": str(_version(app, unit))}
    for item in items:
        score, reason = changes.get(item.code.replace(".", "_"), (str(item.max_points), ""))
        data[f"appraised_score-{item.code}"] = score
        data[f"reason-{item.code}"] = reason
    return data


def _events(app: Flask, action: str) -> list[AuditEvent]:
    with app.app_context(), session_scope() as session:
        return list(
            session.scalars(
                sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def _field_codes(app: Flask) -> list[str]:
    with app.app_context():
        return [f.code for f in criteria_catalog().get(*pf.CRITERIA).fields]


def test_the_whole_workflow_through_the_pages(app: Flask) -> None:
    pf.make_par_round(app)
    officer = logged_in_client(app, "commune_officer", UNIT)
    for field in _field_codes(app):
        scores = {"1_1_1": "0,5"} if field == "1" else {}
        reply = officer.post(
            _url(UNIT, f"field/{field}/self"), data=_self_form(app, UNIT, field, **scores)
        )
        assert reply.status_code == 302, reply.text
    assert pf.score_row(app, UNIT, "1.1.1") == (0.5, None)
    assert (
        officer.post(_url(UNIT, "submit"), data={"version": _version(app, UNIT)}).status_code == 302
    )
    assert pf.status_of(app, UNIT) == "submitted"

    council = logged_in_client(app, "council_member")
    pf.seat(app, "council-member.district", "chair")
    for field in _field_codes(app):
        changes = {"1_1_1": ("0", "Kế hoạch ban hành chậm 2 tháng")} if field == "1" else {}
        form = _appraisal_form(app, UNIT, field, **changes)
        reply = council.post(_url(UNIT, f"field/{field}/appraisal"), data=form)
        assert reply.status_code == 302, reply.text
    reply = council.post(_url(UNIT, "complete-appraisal"), data={"version": _version(app, UNIT)})
    assert reply.status_code == 302
    # The commune now sees the appraised score and the council's reason.
    page = officer.get(_url(UNIT, "field/1")).text
    assert "Kế hoạch ban hành chậm 2 tháng" in page

    pf.through_approval(app, OTHER)
    chairman = logged_in_client(app, "chairman")
    assert (
        chairman.post(_url(UNIT, "approve"), data={"version": _version(app, UNIT)}).status_code
        == 302
    )
    confirm = chairman.get(f"/staff/par/{pf.ROUND}/publish").text
    fingerprint = confirm.split('name="fingerprint" value="')[1].split('"')[0]
    reply = chairman.post(
        f"/staff/par/{pf.ROUND}/publish", data={"fingerprint": fingerprint, "confirm": "yes"}
    )
    assert reply.status_code == 302
    assert pf.status_of(app, UNIT) == pf.status_of(app, OTHER) == "published"

    # Sơn Giang: 70 − 1 (item 1.1.1 appraised 0 of 1) = 69, no survey, rule "rescale":
    # 69 / 70 × 100 = 98.571… → 98,57 %, rank 2 behind Sơn Hàm (70 / 70 → 100 %).
    with app.app_context(), session_scope() as session:
        table = build_table(session, pf.assessment_of(session, UNIT).round)
    rows = {row.unit_code: row for row in table.rows}
    assert rows[UNIT].appraised == pytest.approx(69.0)
    assert rows[UNIT].index_pct == pytest.approx(69 / 70 * 100)
    assert (rows[OTHER].rank, rows[UNIT].rank) == (1, 2)
    assert rows[UNIT].rule_applied == "rescale"
    assert rows[UNIT].field_points[0] == pytest.approx(9.0)
    html = officer.get(f"/staff/par/{pf.ROUND}/table").text
    assert "98,57 %" in html
    assert "Áp dụng cho: Xã Sơn Hàm, Xã Sơn Giang." in html

    self_change = next(
        e
        for e in _events(app, "par_score")
        if e.detail["score"] == "self" and e.detail["item"] == "1.1.1"
    )
    assert self_change.detail == {
        "item": "1.1.1",
        "score": "self",
        "old": None,
        "new": 0.5,
        "reason": "Đã thực hiện 1.1.1",
    }
    assert self_change.actor_name == f"commune-officer.{UNIT}"
    appraised = next(
        e
        for e in _events(app, "par_score")
        if e.detail["score"] == "appraised"
        and e.detail["item"] == "1.1.1"
        and e.target.endswith(UNIT)
    )
    assert (appraised.detail["old"], appraised.detail["new"], appraised.detail["self_score"]) == (
        None,
        0.0,
        0.5,
    )
    assert appraised.detail["reason"] == "Kế hoạch ban hành chậm 2 tháng"
    statuses = [
        (e.detail["old"], e.detail["new"])
        for e in _events(app, "par_status")
        if e.target == f"par:{pf.ROUND}:{UNIT}"
    ]
    assert statuses == [
        ("draft", "submitted"),
        ("submitted", "appraised"),
        ("appraised", "approved"),
        ("approved", "published"),
    ]


def _close_survey(app: Flask) -> None:
    with app.app_context(), session_scope() as session:
        survey_round = session.scalars(
            sa.select(SurveyRound).where(SurveyRound.code == DEMO_ROUND)
        ).one()
        survey_round.opens_at = utcnow() - dt.timedelta(days=60)
        survey_round.closes_at = utcnow() - dt.timedelta(days=1)


def test_the_satisfaction_component_comes_from_the_weighted_survey_index(app: Flask) -> None:
    insert_responses(app, UNIT, 45, seed=3, lean=0.8)
    pf.make_par_round(app, survey_round_code=DEMO_ROUND)
    for unit in pf.UNITS:
        pf.self_assess(app, unit)
        pf.submit(app, unit)
        pf.appraise(app, unit)
    # The survey is still open: no approval on figures that can still change.
    chairman = logged_in_client(app, "chairman")
    reply = chairman.post(_url(UNIT, "approve"), data={"version": _version(app, UNIT)})
    assert reply.status_code == 409
    assert "chưa kết thúc" in reply.text
    assert pf.status_of(app, UNIT) == "appraised"

    _close_survey(app)
    reply = chairman.post(_url(UNIT, "approve"), data={"version": _version(app, UNIT)})
    assert reply.status_code == 302, reply.text
    pf.approve(app, OTHER)
    with app.app_context(), session_scope() as session:
        expected = satisfaction_by_unit(session, session.scalars(sa.select(SurveyRound)).one()).get(
            UNIT
        )
        assert expected is not None
        assert expected.index is not None
        assessment = pf.assessment_of(session, UNIT)
        assert assessment.satisfaction_index == pytest.approx(expected.index)
        assert assessment.satisfaction_n == expected.n == 45
        assert "Gia quyền" in assessment.satisfaction_method
        table = build_table(session, assessment.round)
    rows = {row.unit_code: row for row in table.rows}
    # Sơn Giang: 70 appraised + index × 30; Sơn Hàm has no responses: rescaled 70/70 → 100 %.
    assert rows[UNIT].satisfaction_points == pytest.approx(expected.index * 30)
    assert rows[UNIT].total == pytest.approx(70 + expected.index * 30)
    assert rows[UNIT].rule_applied == ""
    assert rows[OTHER].rule_applied == "rescale"
    assert rows[OTHER].index_pct == pytest.approx(100.0)
    page = chairman.get(_url(UNIT)).text
    assert "Khoảng tin cậy 95%" in page
    assert "45" in page

    # Later responses do not move an approved unit's figures.
    insert_responses(app, UNIT, 10, seed=4, lean=0.0)
    with app.app_context(), session_scope() as session:
        assert pf.assessment_of(session, UNIT).satisfaction_index == pytest.approx(expected.index)


def test_published_table_exports_csv_and_xlsx_with_neutralised_text(app: Flask) -> None:
    pf.make_par_round(app)
    for unit in pf.UNITS:
        pf.through_approval(app, unit)
    with app.app_context(), session_scope() as session:
        unit = session.scalars(sa.select(AdminUnit).where(AdminUnit.code == OTHER)).one()
        unit.name = '=HYPERLINK("http://example.com","Sơn Hàm")'
    analyst = logged_in_client(app, "analyst")
    preview = analyst.get(f"/staff/par/{pf.ROUND}/table.csv")
    assert preview.status_code == 200
    assert "ban-xem-truoc" in preview.headers["Content-Disposition"]
    assert "BẢN XEM TRƯỚC" in preview.text
    pf.publish(app)
    reply = analyst.get(f"/staff/par/{pf.ROUND}/table.csv")
    assert reply.data.startswith("\ufeff".encode())
    lines = reply.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Hạng,Mã đơn vị,Tên đơn vị,")
    assert "'=HYPERLINK" in reply.text
    assert ",=HYPERLINK" not in reply.text
    book = openpyxl.load_workbook(io.BytesIO(analyst.get(f"/staff/par/{pf.ROUND}/table.xlsx").data))
    sheet = book["Chỉ số CCHC"]
    names = [sheet.cell(row=r, column=3).value for r in range(2, 4)]
    assert '\'=HYPERLINK("http://example.com","Sơn Hàm")' in names
    header = [cell.value for cell in sheet[1]]
    assert sheet.cell(row=2, column=header.index("Chỉ số CCHC (%)") + 1).value == 100.0
    assert sheet.cell(row=2, column=1).value == 1
    assert any("Bộ tiêu chí" in str(row[0].value) for row in book["Ghi chú"].iter_rows())
    assert [e.detail["format"] for e in _events(app, "par_export")] == ["csv", "csv", "xlsx"]


def test_the_difference_from_the_previous_round_follows_predecessors(app: Flask) -> None:
    # 2019: Sơn Giang loses item 3.3.1 (3 points): 67 / 70 → 95.71 %; Sơn Quang, Sơn Diệm and
    # Sơn An get full marks. 2021: Quang Diệm has two predecessors in 2019 (no comparison); An
    # Hòa Thịnh has one (Sơn An): compared with it.
    earlier = ("439-son-giang", "439-son-quang", "439-son-diem", "439-son-an")
    pf.make_par_round(app, code="PAR-2019", year=2019, units=earlier)
    for unit in earlier:
        pf.through_approval(
            app,
            unit,
            appraised=lambda item, unit=unit: (
                "0" if (unit == UNIT and item.code == "3.3.1") else str(item.max_points)
            ),
            code="PAR-2019",
        )
    pf.publish(app, code="PAR-2019")
    later = ("439-son-giang", "439-quang-diem", "439-an-hoa-thinh")
    pf.make_par_round(app, code="PAR-2021", units=later)
    for unit in later:
        pf.through_approval(app, unit, code="PAR-2021")
    with app.app_context(), session_scope() as session:
        table = build_table(session, pf.assessment_of(session, UNIT, "PAR-2021").round)
    assert table.previous_round is not None
    assert table.previous_round.code == "PAR-2019"
    rows = {row.unit_code: row for row in table.rows}
    assert rows[UNIT].previous_index == pytest.approx(67 / 70 * 100)
    assert rows[UNIT].change == pytest.approx(100.0 - 95.71)
    assert rows["439-quang-diem"].change is None
    assert rows["439-quang-diem"].previous_note == "sáp nhập từ 2 đơn vị: không so sánh"
    assert rows["439-an-hoa-thinh"].change == pytest.approx(0.0)
    assert "Xã Sơn An" in rows["439-an-hoa-thinh"].previous_note


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "Điểm phải là một số, ví dụ 1 hoặc 0,5."),
        ("NaN", "Điểm phải là một số, ví dụ 1 hoặc 0,5."),
        ("-0,5", "Điểm không được âm."),
        ("1,5", "Điểm không được vượt quá điểm tối đa 1."),
        ("2", "Điểm không được vượt quá điểm tối đa 1."),
        ("0,125", "Điểm chỉ được có tối đa hai chữ số thập phân."),
    ],
)
def test_refused_self_scores_are_shown_next_to_the_field(
    app: Flask, value: str, message: str
) -> None:
    pf.make_par_round(app)
    officer = logged_in_client(app, "commune_officer", UNIT)
    reply = officer.post(
        _url(UNIT, "field/1/self"), data=_self_form(app, UNIT, "1", **{"1_1_1": value})
    )
    assert reply.status_code == 422
    assert f'<p class="error" id="err-self_score-1.1.1">{message}</p>' in reply.text
    assert 'aria-invalid="true" aria-describedby="err-self_score-1.1.1"' in reply.text
    assert f'value="{value}"' in reply.text  # what was typed is kept for correcting
    # Nothing of the field was stored: not the bad value, nor the good ones beside it.
    assert pf.score_row(app, UNIT, "1.1.1") == (None, None)
    assert pf.score_row(app, UNIT, "1.2") == (None, None)


def test_refused_appraisal_scores_and_a_missing_reason(app: Flask) -> None:
    pf.make_par_round(app)
    pf.self_assess(app, UNIT)
    pf.submit(app, UNIT)
    council = logged_in_client(app, "council_member")
    pf.seat(app, "council-member.district", "chair")
    form = _appraisal_form(app, UNIT, "1", **{"1_2": ("3", "")})
    reply = council.post(_url(UNIT, "field/1/appraisal"), data=form)
    assert reply.status_code == 422
    assert "Điểm không được vượt quá điểm tối đa 1." in reply.text
    form = _appraisal_form(app, UNIT, "1", **{"1_2": ("0,5", "")})
    reply = council.post(_url(UNIT, "field/1/appraisal"), data=form)
    assert reply.status_code == 422
    assert (
        '<p class="error" id="err-reason-1.2">Điểm thẩm định khác điểm tự chấm: ghi rõ lý do.'
        in (reply.text)
    )
    assert pf.score_row(app, UNIT, "1.2") == (1.0, None)


@pytest.mark.parametrize(
    ("number", "day", "field", "message"),
    [
        ("12/KH-UBND", "31/02/2021", "evidence_date", "phải theo dạng ngày/tháng/năm"),
        ("12/KH-UBND", "05/11/2999", "evidence_date", "không được sau ngày hôm nay"),
        ("", "05/11/2021", "evidence_number", "Nhập số, ký hiệu văn bản."),
        ("x" * 101, "05/11/2021", "evidence_number", "Tối đa 100 ký tự"),
    ],
)
def test_refused_evidence_references(
    app: Flask, number: str, day: str, field: str, message: str
) -> None:
    pf.make_par_round(app)
    officer = logged_in_client(app, "commune_officer", UNIT)
    form = _self_form(app, UNIT, "1")
    form["evidence_number-1.2"], form["evidence_date-1.2"] = number, day
    reply = officer.post(_url(UNIT, "field/1/self"), data=form)
    assert reply.status_code == 422
    assert f'id="err-{field}-1.2">' in reply.text
    assert message in reply.text


def test_submission_needs_every_score_and_the_required_evidence(app: Flask) -> None:
    pf.make_par_round(app)
    officer = logged_in_client(app, "commune_officer", UNIT)
    form = _self_form(app, UNIT, "1")
    del form["evidence_number-1.2"], form["evidence_date-1.2"]
    assert officer.post(_url(UNIT, "field/1/self"), data=form).status_code == 302
    reply = officer.post(_url(UNIT, "submit"), data={"version": _version(app, UNIT)})
    assert reply.status_code == 422
    assert "Tiêu chí 1.2: Tiêu chí này cần tài liệu kiểm chứng" in reply.text
    assert "Tiêu chí 2.1.1: Chưa có điểm tự chấm." in reply.text
    assert pf.status_of(app, UNIT) == "draft"


def test_after_the_deadline_only_a_district_officer_can_reopen(app: Flask) -> None:
    pf.make_par_round(app)
    pf.self_assess(app, UNIT)
    with app.app_context(), session_scope() as session:
        pf.assessment_of(session, UNIT).round.self_assessment_deadline = utcnow() - dt.timedelta(
            minutes=1
        )
    officer = logged_in_client(app, "commune_officer", UNIT)
    reply = officer.post(_url(UNIT, "submit"), data={"version": _version(app, UNIT)})
    assert reply.status_code == 409
    assert "Đã quá hạn tự đánh giá" in reply.text
    reply = officer.post(_url(UNIT, "field/1/self"), data=_self_form(app, UNIT, "1"))
    assert reply.status_code == 409
    assert pf.status_of(app, UNIT) == "draft"

    district = logged_in_client(app, "district_officer")
    tomorrow = (utcnow() + dt.timedelta(days=2)).date().isoformat()
    reopen = {"version": _version(app, UNIT), "deadline_date": tomorrow, "deadline_time": "17:00"}
    assert district.post(_url(UNIT, "reopen"), data=reopen).status_code == 422  # no reason
    reply = district.post(
        _url(UNIT, "reopen"), data=reopen | {"deadline_date": "2020-01-01", "reason": "x"}
    )
    assert reply.status_code == 422
    assert "Hạn mới phải sau thời điểm hiện tại." in reply.text
    reply = district.post(_url(UNIT, "reopen"), data=reopen | {"reason": "Xã bị mất điện ngày nộp"})
    assert reply.status_code == 302
    assert (
        officer.post(_url(UNIT, "submit"), data={"version": _version(app, UNIT)}).status_code == 302
    )
    assert pf.status_of(app, UNIT) == "submitted"
    reopened = [e for e in _events(app, "par_status") if e.detail["reason"]]
    assert reopened[0].detail["reason"] == "Xã bị mất điện ngày nộp"
    assert reopened[0].detail["new_deadline"].startswith(tomorrow)
    assert reopened[0].actor_name == "district-officer.district"


def test_a_form_from_a_stale_page_is_refused(app: Flask) -> None:
    pf.make_par_round(app)
    officer = logged_in_client(app, "commune_officer", UNIT)
    stale = _self_form(app, UNIT, "1")
    assert (
        officer.post(_url(UNIT, "field/2/self"), data=_self_form(app, UNIT, "2")).status_code == 302
    )
    reply = officer.post(_url(UNIT, "field/1/self"), data=stale)
    assert reply.status_code == 409
    assert "vừa được người khác thay đổi" in reply.text
    assert pf.score_row(app, UNIT, "1.2") == (None, None)


def test_tampered_form_fields_are_refused(app: Flask) -> None:
    pf.make_par_round(app)
    officer = logged_in_client(app, "commune_officer", UNIT)
    form = _self_form(app, UNIT, "1") | {"self_score-2.1.1": "1"}  # an item of another field
    assert officer.post(_url(UNIT, "field/1/self"), data=form).status_code == 400
    form = _self_form(app, UNIT, "1") | {"remove_evidence-1.2": "abc"}
    assert officer.post(_url(UNIT, "field/1/self"), data=form).status_code == 400
    form = _self_form(app, UNIT, "1") | {"version": "x"}
    assert officer.post(_url(UNIT, "field/1/self"), data=form).status_code == 400
    assert officer.get(_url(UNIT, "field/99")).status_code == 404


def test_evidence_can_be_removed_and_both_changes_are_audited(app: Flask) -> None:
    pf.make_par_round(app)
    officer = logged_in_client(app, "commune_officer", UNIT)
    assert (
        officer.post(_url(UNIT, "field/1/self"), data=_self_form(app, UNIT, "1")).status_code == 302
    )
    with app.app_context(), session_scope() as session:
        row = next(s for s in pf.assessment_of(session, UNIT).scores if s.item_code == "1.2")
        evidence_id = row.evidence[0].id
    form = {k: v for k, v in _self_form(app, UNIT, "1").items() if not k.startswith("evidence_")}
    form["remove_evidence-1.2"] = str(evidence_id)
    assert officer.post(_url(UNIT, "field/1/self"), data=form).status_code == 302
    removed = _events(app, "par_evidence_removed")
    assert [(e.detail["item"], e.detail["document_number"]) for e in removed] == [
        ("1.2", "1.2/KH-UBND")
    ]
    assert len(_events(app, "par_evidence_added")) == sum(
        1 for i in criteria_items(app) if i.field_code == "1" and i.evidence_required
    )


def criteria_items(app: Flask) -> list[Any]:
    with app.app_context():
        return list(criteria_catalog().get(*pf.CRITERIA).items())


def test_create_par_round_command_and_the_demo_hook(app: Flask) -> None:
    runner = app.test_cli_runner()
    with app.app_context(), session_scope() as session:
        from survey_app.demo.setup import load_demo

        load_demo(session, utcnow())
    result = runner.invoke(
        args=[
            "create-par-round",
            "--code",
            "PAR-CLI",
            "--title",
            "Chỉ số CCHC 2021",
            "--year",
            "2021",
            "--deadline",
            "2021-11-05",
            "--survey-round",
            DEMO_ROUND,
            "--band",
            "A:90",
            "--band",
            "B:80:90",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "deadline 2021-11-05 23:59 (Asia/Ho_Chi_Minh)" in result.output
    units = re.search(r"(\d+) units", result.output)
    assert units is not None
    assert int(units.group(1)) > 20
    bad = runner.invoke(
        args=[
            "create-par-round",
            "--code",
            "PAR-BAD",
            "--title",
            "x",
            "--year",
            "2021",
            "--deadline",
            "2021-11-05",
            "--band",
            "A:80:95",
            "--band",
            "B:90",
        ]
    )
    assert bad.exit_code != 0
    assert "out of order" in bad.output
    bad = runner.invoke(
        args=[
            "create-par-round",
            "--code",
            "PAR-BAD",
            "--title",
            "x",
            "--year",
            "2021",
            "--deadline",
            "2021-11-05",
            "--criteria-version",
            "2099.1",
        ]
    )
    assert bad.exit_code != 0
    assert "known versions: 2021.1" in bad.output
    with app.app_context(), session_scope() as session:
        first = load_par_demo(session, utcnow(), DEMO_ROUND)
        again = load_par_demo(session, utcnow(), DEMO_ROUND)
        assert first.id == again.id
        assert first.code == DEMO_PAR_ROUND
        assert first.survey_round is not None
        assert len(first.assessments) > 20


def test_the_workflow_on_both_backends(any_app: Flask) -> None:
    # Sơn Giang loses item 1.2 (1 point): 69 / 70 → 98.57 %, rank 2; Sơn Hàm 100 %, rank 1.
    pf.make_par_round(any_app)
    pf.through_approval(
        any_app, UNIT, appraised=lambda item: "0" if item.code == "1.2" else str(item.max_points)
    )
    pf.through_approval(any_app, OTHER)
    pf.publish(any_app)
    with any_app.app_context(), session_scope() as session:
        table = build_table(session, pf.assessment_of(session, UNIT).round)
        assert table.par_round.bands[0] == {"label": "Tốt", "lower": 90.0, "upper": None}
    assert [(row.unit_code, row.rank) for row in table.rows] == [(OTHER, 1), (UNIT, 2)]
    assert table.rows[1].index_pct == pytest.approx(69 / 70 * 100)
    assert pf.status_of(any_app, UNIT) == "published"


def _form_fields(html: str) -> dict[str, str]:
    """The named inputs and textareas of a page, as a browser would post them back."""
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="checkbox"' not in tag:
            fields[name.group(1)] = value.group(1) if value else ""
    fields.update(re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', html))
    return fields


def test_the_pages_own_forms_post_back(app: Flask) -> None:
    pf.make_par_round(app)
    officer = logged_in_client(app, "commune_officer", UNIT)
    page = officer.get(_url(UNIT, "field/4")).text
    fields = _form_fields(page)
    assert {"version", "self_score-4.1", "explanation-4.1", "evidence_number-4.1"} <= set(fields)
    fields |= {"self_score-4.1": "1,5", "self_score-4.2": "0,75", "self_score-4.3": "1,5"}
    fields |= {"evidence_number-4.1": "15/QĐ-UBND", "evidence_date-4.1": "02/03/2021"}
    fields |= {"evidence_number-4.2": "16/QĐ-UBND", "evidence_date-4.2": "02/03/2021"}
    fields.pop("csrf_token", None)
    reply = officer.post(_url(UNIT, "field/4/self"), data=fields)
    assert reply.status_code == 302, reply.text
    assert pf.score_row(app, UNIT, "4.2") == (0.75, None)
    page = officer.get(_url(UNIT, "field/4")).text
    assert 'value="0,75"' in page
    assert "Số 15/QĐ-UBND ngày 02/03/2021" in page
