"""A published version's table as CSV and XLSX, read from its frozen snapshot (so a download
made years later matches the page and the decision exactly)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from survey_app.par.exports import neutralise
from survey_app.par.rules import RULE_LABELS

Cell = str | float | int | None


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def header(snap: dict[str, Any]) -> list[str]:
    fields = [f"Lĩnh vực {f['code']}: {f['label']}" for f in snap["criteria"]["fields"]]
    return [
        "Hạng",
        "Mã đơn vị",
        "Tên đơn vị",
        "Hạng: cận dưới (KTC đồng thời 90%)",
        "Hạng: cận trên (KTC đồng thời 90%)",
        *fields,
        "Điểm thẩm định",
        "Chỉ số hài lòng SIPAS (%)",
        "KTC 95% - cận dưới (%)",
        "KTC 95% - cận trên (%)",
        "Số phiếu (n)",
        f"Điểm điều tra XHH (tối đa {snap['criteria']['satisfaction_max']:g})",
        "Quy tắc khi không có khảo sát",
        "Tổng điểm",
        "Điểm tối đa",
        "Chỉ số CCHC (%)",
        "Xếp loại",
    ]


def row_cells(row: dict[str, Any]) -> list[Cell]:
    figures = row["satisfaction"] or {}
    return [
        row["rank"],
        row["unit_code"],
        row["unit_name"],
        # Versions published before rank intervals existed have none.
        row.get("rank_low"),
        row.get("rank_high"),
        *[_rounded(p) for p in row["field_points"]],
        _rounded(row["appraised"]),
        _percent(figures.get("index")),
        _percent(figures.get("ci_low")),
        _percent(figures.get("ci_high")),
        figures.get("n"),
        _rounded(row["satisfaction_points"], 3),
        RULE_LABELS[row["rule_applied"]] if row["rule_applied"] else "",
        _rounded(row["total"], 3),
        row["max_points"],
        _rounded(row["index_pct"]),
        row["band"],
    ]


def notes(snap: dict[str, Any], number: int, published: str, superseded: str) -> list[str]:
    criteria = snap["criteria"]
    lines = [
        f"Đợt: {snap['round']['code']} - {snap['round']['title']} (năm {snap['round']['year']})",
        f"Phiên bản công bố số {number}, công bố {published}"
        + (f"; ĐÃ ĐƯỢC THAY THẾ lúc {superseded}" if superseded else ""),
        f"Bộ tiêu chí {criteria['set_id']} phiên bản {criteria['version']}: "
        f"{criteria['total_points']:g} điểm = {criteria['appraised_max']:g} điểm thẩm định + "
        f"{criteria['satisfaction_max']:g} điểm điều tra xã hội học",
        "Điểm điều tra XHH = chỉ số hài lòng SIPAS có trọng số × điểm tối đa của phần này",
        f"Đơn vị không có kết quả khảo sát: {snap['rule_label']}",
        "Chỉ số CCHC (%) = tổng điểm / điểm tối đa × 100",
        snap["ranking_note"],
    ]
    for note in snap["method_notes"]:
        lines.append("Phương pháp tính chỉ số hài lòng:")
        lines.extend(f"  {line}" for line in note.splitlines())
    return lines


def _value(cell: Cell) -> Cell:
    return neutralise(cell) if isinstance(cell, str) else cell


def iter_csv(snap: dict[str, Any], note_lines: list[str]) -> Iterator[str]:
    """UTF-8 with a byte-order mark so that Excel shows Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in header(snap)])
    for row in snap["rows"]:
        writer.writerow(["" if c is None else _value(c) for c in row_cells(row)])
    writer.writerow([])
    for line in note_lines:
        writer.writerow([neutralise(line)])
    yield "\ufeff" + buffer.getvalue()


def xlsx_bytes(snap: dict[str, Any], note_lines: list[str]) -> bytes:
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = "Chỉ số CCHC"
    sheet.append([neutralise(name) for name in header(snap)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in snap["rows"]:
        sheet.append([_value(c) for c in row_cells(row)])
    sheet.freeze_panes = "D2"
    notes_sheet: Any = workbook.create_sheet("Ghi chú")
    for line in note_lines:
        notes_sheet.append([neutralise(line)])
    notes_sheet.column_dimensions["A"].width = 120
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
