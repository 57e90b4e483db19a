"""Units and transaction counts from CSV, with row-numbered errors and nothing half-imported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskCliRunner

from survey_app.db import session_scope
from survey_app.demo.setup import DEMO_DIR
from survey_app.rounds.services import units_valid_during
from survey_app.units.models import AdminUnit, TransactionCount


def test_demo_units_import_with_predecessors(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["import-units", str(DEMO_DIR / "units.csv")])
    assert result.exit_code == 0, result.output
    with app.app_context(), session_scope() as session:
        kim_hoa = session.scalars(sa.select(AdminUnit).where(AdminUnit.code == "439-kim-hoa")).one()
        assert sorted(p.name for p in kim_hoa.predecessors) == [
            "Xã Sơn Mai",
            "Xã Sơn Phúc",
            "Xã Sơn Thủy",
        ]
        assert kim_hoa.parent is not None
        assert kim_hoa.parent.name == "Huyện Hương Sơn"
        units_2021 = units_valid_during(session, dt.date(2021, 1, 1), dt.date(2021, 9, 30))
        assert len(units_2021) == 25
        assert sum(u.kind == "thi_tran" for u in units_2021) == 2
        units_2019 = units_valid_during(session, dt.date(2019, 1, 1), dt.date(2019, 12, 31))
        assert "439-son-phuc" in {u.code for u in units_2019}
        assert "439-kim-hoa" not in {u.code for u in units_2019}


def test_counts_import_marks_illustrative(app: Flask, runner: FlaskCliRunner) -> None:
    runner.invoke(args=["import-units", str(DEMO_DIR / "units.csv")])
    result = runner.invoke(
        args=["import-counts", str(DEMO_DIR / "transactions.csv"), "--illustrative"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context(), session_scope() as session:
        counts = list(session.scalars(sa.select(TransactionCount)))
        assert len(counts) == 275
        assert all(c.illustrative for c in counts)
        totals = {c.unit.code: c.transactions for c in counts if c.field == ""}
        by_field: dict[str, int] = {}
        for c in counts:
            if c.field:
                by_field[c.unit.code] = by_field.get(c.unit.code, 0) + c.transactions
        assert totals == by_field


def test_bad_units_file_reports_every_row_and_imports_nothing(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "units.csv"
    bad.write_text(
        "code,name,kind,parent_code,valid_from,valid_to,predecessors\n"
        "a,Xã A,xa,,2020-01-01,,\n"
        "b,,village,,2020-13-01,,\n"
        "a,Xã A again,xa,,2020-01-01,2019-01-01,\n"
        "c,Xã C,xa,zzz,2020-01-01,,nope\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-units", str(bad)])
    assert result.exit_code != 0
    out = result.output
    assert "không nhập gì" in out
    assert "dòng 3: cột name trống" in out
    assert "dòng 3: kind 'village' không thuộc" in out
    assert "dòng 3: valid_from '2020-13-01' không phải ngày" in out
    assert "dòng 4: mã 'a' trùng với dòng 2" in out
    assert "dòng 4: valid_to 2019-01-01 phải sau valid_from" in out
    assert "dòng 5: parent_code 'zzz' không có trong tệp" in out
    assert "dòng 5: predecessors 'nope' không có trong tệp" in out
    with app.app_context(), session_scope() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(AdminUnit)) == 0


def test_bad_counts_file(app: Flask, runner: FlaskCliRunner, tmp_path: Path) -> None:
    runner.invoke(args=["import-units", str(DEMO_DIR / "units.csv")])
    bad = tmp_path / "counts.csv"
    bad.write_text(
        "\ufeffunit_code,period_start,period_end,field,transactions\n"
        "439-pho-chau,2021-01-01,2021-09-30,,1,200\n"
        "nowhere,2021-01-01,2021-09-30,,10\n"
        "439-pho-chau,2021-09-30,2021-01-01,,-5\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-counts", str(bad)])
    assert result.exit_code != 0
    assert "dòng 2: nhiều giá trị hơn số cột tiêu đề" in result.output
    assert "dòng 3: unit_code 'nowhere' không phải đơn vị đã có" in result.output
    assert "dòng 4: period_end 2021-01-01 trước period_start" in result.output
    assert "dòng 4: transactions '-5' phải là số nguyên" in result.output


def test_missing_header_column(runner: FlaskCliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "units.csv"
    bad.write_text("code,name\nx,y\n", encoding="utf-8")
    result = runner.invoke(args=["import-units", str(bad)])
    assert "dòng 1 (tiêu đề): thiếu cột kind, valid_from" in result.output
