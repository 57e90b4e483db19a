"""Importing administrative units and transaction counts from CSV, all-or-nothing.

Every problem is reported with its row number (as a spreadsheet shows it: the header is row 1),
and nothing is written unless the whole file is valid.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

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


def _read_rows(
    path: Path, required: Iterable[str], problems: list[str]
) -> list[tuple[int, dict[str, str]]]:
    # utf-8-sig: files saved by Excel start with a byte-order mark.
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportProblems(
            [
                f"{path.name}: row 1 (header): missing column(s) {', '.join(missing)}; "
                f"expected {', '.join(required)}"
            ]
        )
    rows = []
    for number, row in enumerate(reader, start=2):
        if None in row:
            problems.append(
                f"{path.name}: row {number}: more values than header columns; numbers must not "
                "contain thousands separators, and text with commas must be quoted"
            )
        rows.append((number, {k: (v or "").strip() for k, v in row.items() if k is not None}))
    return rows


def _parse_date(value: str, column: str, where: str, problems: list[str]) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(f"{where}: {column} '{value}' is not a date; write it as YYYY-MM-DD")
        return None


def import_units(session: Session, path: Path) -> ImportSummary:
    """Create or update units by code; parents and predecessors may refer to rows in the file."""
    problems: list[str] = []
    rows = _read_rows(path, ("code", "name", "kind", "valid_from"), problems)
    existing = {u.code: u for u in session.scalars(select(AdminUnit))}
    in_file: dict[str, int] = {}
    parsed: list[tuple[str, dict[str, str], dt.date | None, dt.date | None]] = []
    for number, row in rows:
        where = f"{path.name}: row {number}"
        code = row.get("code", "")
        if not code:
            problems.append(f"{where}: code is empty; every unit needs a unique code")
            continue
        if code in in_file:
            problems.append(f"{where}: code '{code}' repeats row {in_file[code]}")
        in_file[code] = number
        if not row.get("name"):
            problems.append(f"{where}: name is empty")
        if row.get("kind") not in UNIT_KINDS:
            problems.append(
                f"{where}: kind '{row.get('kind')}' is not one of {', '.join(UNIT_KINDS)}"
            )
        valid_from = _parse_date(row.get("valid_from", ""), "valid_from", where, problems)
        valid_to = None
        if row.get("valid_to"):
            valid_to = _parse_date(row["valid_to"], "valid_to", where, problems)
        if valid_from and valid_to and valid_to <= valid_from:
            problems.append(f"{where}: valid_to {valid_to} must be after valid_from {valid_from}")
        parsed.append((code, row, valid_from, valid_to))
    known = set(existing) | set(in_file)
    for code, row, _, _ in parsed:
        where = f"{path.name}: row {in_file[code]}"
        refs = [("parent_code", row.get("parent_code", ""))] + [
            ("predecessors", p) for p in row.get("predecessors", "").split(";") if p.strip()
        ]
        for column, ref in refs:
            if ref and ref.strip() not in known:
                problems.append(
                    f"{where}: {column} '{ref.strip()}' is not a unit in this file or the "
                    "database; add that unit first"
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
        where = f"{path.name}: row {number}"
        unit = units.get(row.get("unit_code", ""))
        if unit is None:
            problems.append(
                f"{where}: unit_code '{row.get('unit_code', '')}' is not a known unit; "
                "import the units first"
            )
        start = _parse_date(row.get("period_start", ""), "period_start", where, problems)
        end = _parse_date(row.get("period_end", ""), "period_end", where, problems)
        if start and end and end < start:
            problems.append(f"{where}: period_end {end} is before period_start {start}")
        raw = row.get("transactions", "")
        transactions = int(raw) if raw.isdigit() else None
        if transactions is None:
            problems.append(
                f"{where}: transactions '{raw}' must be a whole number ≥ 0 (no separators)"
            )
        field = row.get("field", "")
        if unit and start and end:
            key = (unit.code, start, end, field)
            if key in seen:
                problems.append(f"{where}: repeats row {seen[key]} (same unit, period, field)")
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
