"""Importing administrative units and transaction counts from CSV or Excel, all-or-nothing.

Every problem is reported with its row number (as a spreadsheet shows it: the header is row 1),
and nothing is written unless the whole file is valid.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.units.models import UNIT_KINDS, AdminUnit, TransactionCount

UNIT_COLUMNS = ("code", "name", "kind", "parent_code", "valid_from", "valid_to", "predecessors")
COUNT_COLUMNS = ("unit_code", "period_start", "period_end", "field", "transactions")


class ImportProblems(Exception):
    """Every problem found in a file; ``str()`` lists them one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int


#: Whole numbers larger than this are typing mistakes, not a commune's yearly workload.
MAX_TRANSACTIONS = 10_000_000


def _read_rows(
    path: Path, required: Iterable[str], problems: list[str]
) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV or .xlsx file as text by column name, numbered as a spreadsheet does."""
    if path.suffix.lower() == ".xlsx":
        header, records = _xlsx_records(path)
    else:
        # utf-8-sig: files saved by Excel start with a byte-order mark.
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise ImportProblems(
                [f"{path.name}: tệp không phải văn bản UTF-8; lưu lại dạng CSV UTF-8 hoặc .xlsx"]
            ) from None
        reader = csv.reader(io.StringIO(text))
        header = [name.strip() for name in next(reader, [])]
        records = list(reader)
    missing = [c for c in required if c not in header]
    if missing:
        raise ImportProblems(
            [
                f"{path.name}: dòng 1 (tiêu đề): thiếu cột {', '.join(missing)}; "
                f"cần các cột {', '.join(required)}"
            ]
        )
    rows = []
    for number, values in enumerate(records, start=2):
        if not any(value.strip() for value in values):
            continue
        if len(values) > len(header):
            problems.append(
                f"{path.name}: dòng {number}: nhiều giá trị hơn số cột tiêu đề; số không được có "
                "dấu phân cách hàng nghìn, chữ có dấu phẩy phải đặt trong ngoặc kép"
            )
        rows.append((number, {k: v.strip() for k, v in zip(header, values, strict=False) if k}))
    return rows


def _xlsx_records(path: Path) -> tuple[list[str], list[list[str]]]:
    """The first sheet of a workbook as text cells; dates become YYYY-MM-DD as in CSV files."""
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError):
        raise ImportProblems([f"{path.name}: không đọc được tệp Excel (.xlsx)"]) from None
    try:
        sheet = book.worksheets[0]
        table = [[_cell_text(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()
    if not table:
        return [], []
    return [name.strip() for name in table[0]], table[1:]


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _parse_date(value: str, column: str, where: str, problems: list[str]) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        problems.append(
            f"{where}: {column} '{value[:40]}' không phải ngày; ghi dạng YYYY-MM-DD "
            "(ví dụ 2021-01-01)"
        )
        return None
    if not 1900 <= day.year <= 2100:
        problems.append(f"{where}: {column} {value} nằm ngoài khoảng năm 1900–2100")
        return None
    return day


def import_units(session: Session, path: Path) -> ImportSummary:
    """Create or update units by code; parents and predecessors may refer to rows in the file."""
    problems: list[str] = []
    rows = _read_rows(path, ("code", "name", "kind", "valid_from"), problems)
    existing = {u.code: u for u in session.scalars(select(AdminUnit))}
    in_file: dict[str, int] = {}
    parsed: list[tuple[str, dict[str, str], dt.date | None, dt.date | None]] = []
    for number, row in rows:
        where = f"{path.name}: dòng {number}"
        code = row.get("code", "")
        if not code:
            problems.append(f"{where}: cột code trống; mỗi đơn vị cần một mã riêng")
            continue
        if code in in_file:
            problems.append(f"{where}: mã '{code}' trùng với dòng {in_file[code]}")
        in_file[code] = number
        if not row.get("name"):
            problems.append(f"{where}: cột name trống")
        if row.get("kind") not in UNIT_KINDS:
            problems.append(
                f"{where}: kind '{row.get('kind')}' không thuộc {', '.join(UNIT_KINDS)}"
            )
        valid_from = _parse_date(row.get("valid_from", ""), "valid_from", where, problems)
        valid_to = None
        if row.get("valid_to"):
            valid_to = _parse_date(row["valid_to"], "valid_to", where, problems)
        if valid_from and valid_to and valid_to <= valid_from:
            problems.append(f"{where}: valid_to {valid_to} phải sau valid_from {valid_from}")
        parsed.append((code, row, valid_from, valid_to))
    known = set(existing) | set(in_file)
    for code, row, _, _ in parsed:
        where = f"{path.name}: dòng {in_file[code]}"
        refs = [("parent_code", row.get("parent_code", ""))] + [
            ("predecessors", p) for p in row.get("predecessors", "").split(";") if p.strip()
        ]
        for column, ref in refs:
            if ref and ref.strip() not in known:
                problems.append(
                    f"{where}: {column} '{ref.strip()}' không có trong tệp cũng như trong cơ sở "
                    "dữ liệu; thêm đơn vị đó trước"
                )
    if problems:
        raise ImportProblems(problems)

    created = updated = 0
    units = dict(existing)
    for code, row, valid_from, valid_to in parsed:
        unit = units.get(code)
        if unit is None:
            unit = AdminUnit(code=code)
            session.add(unit)
            units[code] = unit
            created += 1
        else:
            updated += 1
        unit.name = row["name"]
        unit.kind = row["kind"]
        assert valid_from is not None  # validated above
        unit.valid_from = valid_from
        unit.valid_to = valid_to
    for code, row, _, _ in parsed:
        unit = units[code]
        parent = row.get("parent_code", "")
        unit.parent = units[parent] if parent else None
        unit.predecessors = [
            units[p.strip()] for p in row.get("predecessors", "").split(";") if p.strip()
        ]
    session.flush()
    return ImportSummary(created, updated)


def import_counts(
    session: Session, path: Path, *, illustrative: bool = False, source: str = ""
) -> ImportSummary:
    """Create or replace transaction counts keyed by (unit, period, field)."""
    problems: list[str] = []
    rows = _read_rows(path, ("unit_code", "period_start", "period_end", "transactions"), problems)
    units = {u.code: u for u in session.scalars(select(AdminUnit))}
    seen: dict[tuple[str, dt.date, dt.date, str], int] = {}
    parsed: list[tuple[AdminUnit, dt.date, dt.date, str, int]] = []
    for number, row in rows:
        where = f"{path.name}: dòng {number}"
        unit = units.get(row.get("unit_code", ""))
        if unit is None:
            problems.append(
                f"{where}: unit_code '{row.get('unit_code', '')[:64]}' không phải đơn vị đã có; "
                "nhập danh sách đơn vị trước"
            )
        start = _parse_date(row.get("period_start", ""), "period_start", where, problems)
        end = _parse_date(row.get("period_end", ""), "period_end", where, problems)
        if start and end and end < start:
            problems.append(f"{where}: period_end {end} trước period_start {start}")
        raw = row.get("transactions", "")
        # isascii: "²" and other Unicode digits pass isdigit() but are not numbers to int().
        digits = raw.isascii() and raw.isdigit() and len(raw) <= 9
        transactions = int(raw) if digits and int(raw) <= MAX_TRANSACTIONS else None
        if transactions is None:
            problems.append(
                f"{where}: transactions '{raw[:40]}' phải là số nguyên từ 0 đến "
                f"{MAX_TRANSACTIONS:,}, không có dấu phân cách".replace(",", ".")
            )
        field = row.get("field", "")
        if unit and start and end:
            key = (unit.code, start, end, field)
            if key in seen:
                problems.append(f"{where}: trùng dòng {seen[key]} (cùng đơn vị, kỳ và lĩnh vực)")
            seen[key] = number
            if transactions is not None:
                parsed.append((unit, start, end, field, transactions))
    if problems:
        raise ImportProblems(problems)

    created = updated = 0
    for unit, start, end, field, transactions in parsed:
        count = session.scalars(
            select(TransactionCount).where(
                TransactionCount.unit_id == unit.id,
                TransactionCount.period_start == start,
                TransactionCount.period_end == end,
                TransactionCount.field == field,
            )
        ).first()
        if count is None:
            count = TransactionCount(unit=unit, period_start=start, period_end=end, field=field)
            session.add(count)
            created += 1
        else:
            updated += 1
        count.transactions = transactions
        count.illustrative = illustrative
        count.source = source
    session.flush()
    return ImportSummary(created, updated)
