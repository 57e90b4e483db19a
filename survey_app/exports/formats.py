"""Writing export rows as CSV (streamed) and XLSX (write-only workbook in a temporary file).

Both neutralise text a spreadsheet would run as a formula (OWASP "CSV injection"): a cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading single
quote, unless it is a plain number (``-3`` stays a number). Both carry the method note: CSV as
leading ``#`` lines (the first says how many, so a reader can skip them), XLSX as a sheet.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from analysis import columns as col
from survey_app.questionnaires.model import Questionnaire

FORMULA_START: Final = frozenset("=+-@\t\r")
_PLAIN_NUMBER: Final = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
# A CSV field starts at a line start or after a comma, possibly inside a quote (a field
# holding a carriage return is always quoted; unquoted, \r is the line terminator).
_RISKY_FIELD_START: Final = re.compile(r'(?:^|,)(?:[=+\-@\t]|"[=+\-@\t\r])', re.MULTILINE)
BOM: Final = "\ufeff"
#: Rows written to the CSV buffer before it is handed to the client as one chunk.
CSV_CHUNK_ROWS: Final = 1000
#: Bytes per chunk when streaming a finished file.
FILE_CHUNK_BYTES: Final = 1 << 20
#: Rows an XLSX sheet holds, the header included (Excel's limit).
XLSX_MAX_ROWS: Final = 1_048_576

METADATA_LABELS: Final = {
    col.RESPONSE_ID: ("Mã phiếu (trong hệ thống)", "Response id"),
    col.SUBMISSION_ID: ("Mã lần gửi (do điện thoại tạo)", "Submission id"),
    col.ROUND: ("Mã đợt khảo sát", "Survey round code"),
    col.UNIT: ("Mã đơn vị", "Unit code"),
    col.FORM_ID: ("Mã bảng hỏi", "Questionnaire id"),
    col.FORM_VERSION: ("Phiên bản bảng hỏi", "Questionnaire version"),
    col.SUBMITTED_AT: ("Thời điểm gửi (UTC, ISO-8601)", "Submitted at (UTC, ISO-8601)"),
    col.CHANNEL: ("Kênh", "Channel"),
    col.DURATION: ("Thời gian trả lời (giây)", "Duration (seconds)"),
    col.WEIGHT: ("Trọng số (xem ghi chú phương pháp)", "Weight (see the method note)"),
}
METADATA_TYPES: Final = {col.RESPONSE_ID: "integer", col.DURATION: "integer", col.WEIGHT: "decimal"}


def neutralise(value: str) -> str:
    """Prefix a single quote to text a spreadsheet would evaluate as a formula."""
    if value[:1] in FORMULA_START and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_row(row: Sequence[Any]) -> list[Any]:
    return [
        neutralise(value) if value.__class__ is str and value[:1] in FORMULA_START else value
        for value in row
    ]


def _xlsx_cell(value: Any) -> Any:
    if value.__class__ is not str:
        return value
    # XML 1.0 cannot hold most control characters; openpyxl refuses them.
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))


def note_lines(items: Sequence[tuple[str, str]]) -> list[str]:
    """The method note as ``#`` lines for the top of a CSV file (first: how many there are)."""
    body = [f"# {label}: {' '.join(value.split())}" for label, value in items]
    count = len(body) + 1
    first = (
        f"# Ghi chú phương pháp (method note): {count} dòng đầu bắt đầu bằng '#'; "
        f"bỏ qua khi đọc bảng (pandas: skiprows={count})"
    )
    return [first, *body]


def _neutralise_free_text(row: Sequence[Any], positions: Sequence[int]) -> Sequence[Any]:
    """Neutralise the cells that hold free text (a copy of the row only when one is risky)."""
    copied: list[Any] | None = None
    for position in positions:
        value = row[position]
        if value.__class__ is str and value[:1] in FORMULA_START:
            copied = list(row) if copied is None else copied
            copied[position] = neutralise(value)
    return row if copied is None else copied


def _csv_text(rows: Sequence[Sequence[Any]]) -> str:
    """Rows as CSV text, every risky cell neutralised.

    Free-text cells were neutralised already (cheaply, by position); every other cell holds
    a validated code, a number or a server-made value. As a safety net, one C-level scan of
    the text looks for any field that could still start with a risky character and, if it
    finds one, the rows are written again with every cell checked. A false alarm (a quoted
    text holding "\n-" or ",=") only costs that rewrite.
    """
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    text = buffer.getvalue()
    if _RISKY_FIELD_START.search(text) is None:
        return text
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(neutralise_row(row) for row in rows)
    return buffer.getvalue()


def csv_chunks(
    notes: Sequence[str],
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    free_text: Sequence[int] = (),
) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (Excel then reads Vietnamese correctly), in chunks.

    ``free_text``: positions of the columns that may hold any text (text questions).
    """
    head = "".join(line.replace("\r", " ").replace("\n", " ") + "\r\n" for line in notes)
    yield (BOM + head + _csv_text([header])).encode("utf-8")
    pending: list[Sequence[Any]] = []
    for row in rows:
        pending.append(_neutralise_free_text(row, free_text) if free_text else row)
        if len(pending) == CSV_CHUNK_ROWS:
            yield _csv_text(pending).encode("utf-8")
            pending = []
    if pending:
        yield _csv_text(pending).encode("utf-8")


def codebook_rows(questionnaire: Questionnaire, header: Sequence[str]) -> list[list[str]]:
    """variable, Vietnamese label, English label, type, choices ("code=label; ...")."""
    rows = [["variable", "label_vi", "label_en", "type", "choices"]]
    questions = {question.name: question for question in questionnaire.questions}
    for name in header:
        question = questions.get(name)
        if question is None:
            vi, en = METADATA_LABELS.get(name, (name, name))
            rows.append([name, vi, en, METADATA_TYPES.get(name, "text"), ""])
            continue
        choices = "; ".join(
            f"{choice.name}={choice.label.get('vi')}" + (" (missing)" if choice.missing else "")
            for choice in question.choices
        )
        rows.append(
            [name, question.label.get("vi"), question.label.get("en"), question.type, choices]
        )
    return rows


def write_xlsx(
    path: Path,
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[Any]]]],
) -> None:
    """Write ``(title, header, rows)`` sheets with openpyxl's write-only (streaming) workbook.

    Rows go to temporary files as they come, so memory does not grow with the row count.
    """
    workbook = Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = workbook.create_sheet(title)
        sheet.append([_xlsx_cell(value) for value in header])
        for row in rows:
            sheet.append([_xlsx_cell(value) for value in row])
    workbook.save(str(path))


def temporary_path(suffix: str) -> Path:
    """A new empty temporary file's path (the caller deletes it, see :func:`stream_file`)."""
    handle, name = tempfile.mkstemp(prefix="export-", suffix=suffix)
    os.close(handle)
    return Path(name)


def stream_file(path: Path) -> Iterator[bytes]:
    """Yield the file in chunks, then delete it (also when the client goes away early)."""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(FILE_CHUNK_BYTES):
                yield chunk
    finally:
        with suppress(FileNotFoundError):
            path.unlink()
