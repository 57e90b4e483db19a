"""The PAR Index table as CSV and XLSX: one row per unit, then the notes that explain it.

Text that a spreadsheet would run as a formula (starting with = + - @ or a control character)
is prefixed with an apostrophe; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from survey_app.exports.formats import sheet_title
from survey_app.par.rules import RULE_LABELS, STATUS_LABELS
from survey_app.par.table import RANKING_NOTE, ParTable, TableRow

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n")
Cell = str | float | int | None


def neutralise(text: str) -> str:
    """Keep a spreadsheet from reading text as a formula (OWASP CSV injection)."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _cell(value: Cell) -> Cell:
    return neutralise(value) if isinstance(value, str) else value


def _rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def header(table: ParTable) -> list[str]:
    fields = [f"Lĩnh vực {f.code}: {f.label.get('vi')}" for f in table.criteria.fields]
    columns = [
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
        f"Điểm điều tra XHH (tối đa {table.criteria.satisfaction.max_points})",
        "Quy tắc khi không có khảo sát",
        "Tổng điểm",
        "Điểm tối đa",
        "Chỉ số CCHC (%)",
        "Xếp loại",
        "Trạng thái",
    ]
    if table.previous_round is not None:
        columns += [
            "Chỉ số đợt trước (%)",
            "Thay đổi (điểm %)",
            "Hạng đợt trước",
            "Ghi chú so sánh",
        ]
    return columns


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 2)


def row_cells(table: ParTable, row: TableRow) -> list[Cell]:
    figures = row.satisfaction
    cells: list[Cell] = [
        row.rank,
        row.unit_code,
        row.unit_name,
        row.rank_low,
        row.rank_high,
        *[_rounded(points) for points in row.field_points],
        _rounded(row.appraised),
        _percent(figures.index) if figures else None,
        _percent(figures.ci_low) if figures else None,
        _percent(figures.ci_high) if figures else None,
        figures.n if figures else None,
        _rounded(row.satisfaction_points, 3),
        RULE_LABELS[row.rule_applied] if row.rule_applied else "",
        _rounded(row.total, 3),
        row.max_points,
        _rounded(row.index_pct),
        row.band,
        STATUS_LABELS[row.status],
    ]
    if table.previous_round is not None:
        cells += [_rounded(row.previous_index), _rounded(row.change), row.previous_rank]
        cells.append(row.previous_note)
    return cells


def notes(table: ParTable) -> list[str]:
    par_round = table.par_round
    bands = "; ".join(
        f"{b['label']}: từ {b['lower']:g}%" + (f" đến dưới {b['upper']:g}%" if b["upper"] else "")
        for b in par_round.bands
    )
    lines = [
        f"Đợt: {par_round.code} - {par_round.title} (năm {par_round.year})",
        "Trạng thái: "
        + ("đã công bố" if table.published else "BẢN XEM TRƯỚC, CHƯA CÔNG BỐ")
        + (f" {par_round.published_at:%Y-%m-%d %H:%M} UTC" if par_round.published_at else ""),
        f"Bộ tiêu chí: {table.criteria.set_id} phiên bản {table.criteria.version} "
        f"(sha256 {table.criteria.source_sha256[:12]}); tổng {table.criteria.total_points} điểm = "
        f"{table.criteria.appraised_max} điểm thẩm định + {table.criteria.satisfaction.max_points} "
        "điểm điều tra xã hội học",
        "Điểm điều tra XHH = chỉ số hài lòng SIPAS có trọng số × điểm tối đa của phần này",
        f"Đơn vị không có kết quả khảo sát: {table.rule_label}",
        "Chỉ số CCHC (%) = tổng điểm / điểm tối đa × 100",
        RANKING_NOTE,
        f"Xếp loại: {bands or 'không xếp loại'}",
    ]
    if table.previous_round is not None:
        lines.append(
            f"So sánh với đợt {table.previous_round.code} (năm {table.previous_round.year}); "
            "đơn vị sáp nhập được so với đơn vị tiền thân nếu chỉ có một"
        )
    for note in table.method_notes:
        lines.append("Phương pháp tính chỉ số hài lòng:")
        lines.extend(f"  {line}" for line in note.splitlines())
    return lines


def iter_csv(table: ParTable) -> Iterator[str]:
    """CSV text, UTF-8 with a byte-order mark so that Excel shows Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in header(table)])
    for row in table.rows:
        writer.writerow(["" if c is None else _cell(c) for c in row_cells(table, row)])
    writer.writerow([])
    for line in notes(table):
        writer.writerow([neutralise(line)])
    yield "\ufeff" + buffer.getvalue()


def xlsx_bytes(table: ParTable) -> bytes:
    workbook = Workbook()
    sheet: Any = workbook.active
    sheet.title = sheet_title("Chỉ số CCHC")
    sheet.append([neutralise(name) for name in header(table)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append([_cell(c) for c in row_cells(table, row)])
    sheet.freeze_panes = "D2"
    for index in range(1, len(header(table)) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 14 if index != 3 else 24
    notes_sheet: Any = workbook.create_sheet(sheet_title("Ghi chú"))
    for line in notes(table):
        notes_sheet.append([neutralise(line)])
    notes_sheet.column_dimensions["A"].width = 120
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
