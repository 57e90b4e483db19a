"""Writing export rows as CSV (streamed) and XLSX (write-only workbook in a temporary file).

Both neutralise text a spreadsheet would run as a formula (OWASP "CSV injection"): a cell
starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading single
quote, unless it is a plain number (``-3`` stays a number).

CSV comes in two flavours (:data:`CSV_FLAVOURS`). ``vi``, the default for staff, is what Excel
opens correctly on a computer set to Vietnamese: ``;`` between fields (the comma is the decimal
mark there), decimal commas, local dates dd/mm/yyyy, UTF-8 with a byte-order mark. ``plain`` is
for programs: ``,``, ``.`` decimals, ISO-8601 UTC timestamps. Neither starts with note lines (a
spreadsheet would show them as data and misread the header): the method note is a separate
download, and a sheet of its own in XLSX.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, WriteOnlyCell

from analysis import columns as col
from survey_app.local_time import service_zone
from survey_app.questionnaires.model import Questionnaire

FORMULA_START: Final = frozenset("=+-@\t\r")
# A decimal comma too: "-0,5" is the vi flavour's way of writing a number, not a formula.
_PLAIN_NUMBER: Final = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")
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


@dataclass(frozen=True)
class CsvFlavour:
    """How a CSV file writes its fields, numbers and timestamps."""

    name: str
    label: str
    delimiter: str
    decimal: str

    @property
    def local(self) -> bool:
        """Whether values are written for a Vietnamese reader (decimal comma, local dates)."""
        return self.decimal == ","


CSV_FLAVOURS: Final = {
    "vi": CsvFlavour("vi", "Excel tiếng Việt (dấu ; và dấu phẩy thập phân)", ";", ","),
    "plain": CsvFlavour("plain", "Cho phần mềm (dấu , và dấu chấm thập phân, giờ UTC)", ",", "."),
}
DEFAULT_FLAVOUR: Final = "vi"
#: The query parameter that picks a flavour.
FLAVOUR_PARAMETER: Final = "flavour"


class FlavourProblem(ValueError):
    """An unknown flavour; the message lists the known ones."""


def csv_flavour(name: str | None) -> CsvFlavour:
    """The flavour called ``name`` (the default when empty), or :class:`FlavourProblem`."""
    flavour = CSV_FLAVOURS.get(name or DEFAULT_FLAVOUR)
    if flavour is None:
        raise FlavourProblem(
            f"'{FLAVOUR_PARAMETER}' không hợp lệ: {str(name)[:40]!r}; dùng "
            + " hoặc ".join(f"{code} ({f.label})" for code, f in CSV_FLAVOURS.items())
        )
    return flavour


def decimal_text(value: float) -> str:
    """A float with a decimal comma and every digit kept (a weight must survive the trip)."""
    return float.__repr__(value).replace(".", ",")


def local_timestamp(iso_utc: str) -> str:
    """An ISO-8601 UTC timestamp as local "dd/mm/yyyy hh:mm:ss", which Excel reads as a date."""
    moment = dt.datetime.fromisoformat(iso_utc).astimezone(service_zone())
    return f"{moment:%d/%m/%Y %H:%M:%S}"


def _localiser(timestamps: Sequence[int]) -> Callable[[Sequence[Any]], list[Any]]:
    """A function writing a row's floats with decimal commas and its timestamps locally.

    Applied after free text is neutralised, so "-0,5" (a number written here) is never
    mistaken for text; the safety net of :func:`_csv_text` accepts decimal commas too.
    """

    def localise(row: Sequence[Any]) -> list[Any]:
        values = [decimal_text(v) if isinstance(v, float) else v for v in row]
        for position in timestamps:
            if values[position].__class__ is str:
                values[position] = local_timestamp(values[position])
        return values

    return localise


def _csv_text(rows: Sequence[Sequence[Any]], delimiter: str) -> str:
    """Rows as CSV text, every risky cell neutralised.

    Free-text cells were neutralised already (cheaply, by position); every other cell holds
    a validated code, a number or a server-made value. As a safety net, one C-level scan of
    the text looks for any field that could still start with a risky character and, if it
    finds one, the rows are written again with every cell checked. A false alarm (a quoted
    text holding "\n-" or ",=", or a negative number) only costs that rewrite.
    """
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    text = buffer.getvalue()
    if _risky_field_start(delimiter).search(text) is None:
        return text
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(
        neutralise_row(row) for row in rows
    )
    return buffer.getvalue()


@functools.cache
def _risky_field_start(delimiter: str) -> re.Pattern[str]:
    """A field starts at a line start or after the delimiter, possibly inside a quote (a field
    holding a carriage return is always quoted; unquoted, \\r is the line terminator)."""
    return re.compile(rf'(?:^|{re.escape(delimiter)})(?:[=+\-@\t]|"[=+\-@\t\r])', re.MULTILINE)


def csv_chunks(
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    flavour: CsvFlavour,
    free_text: Sequence[int] = (),
    timestamps: Sequence[int] = (),
) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (Excel then reads Vietnamese correctly), in chunks.

    ``free_text``: positions of the columns that may hold any text (text questions).
    ``timestamps``: positions of ISO-8601 UTC timestamps, written locally by the vi flavour.
    """
    delimiter = flavour.delimiter
    localise = _localiser(timestamps) if flavour.local else None
    yield (BOM + _csv_text([header], delimiter)).encode("utf-8")
    pending: list[Sequence[Any]] = []
    for row in rows:
        row = _neutralise_free_text(row, free_text) if free_text else row
        pending.append(localise(row) if localise else row)
        if len(pending) == CSV_CHUNK_ROWS:
            yield _csv_text(pending, delimiter).encode("utf-8")
            pending = []
    if pending:
        yield _csv_text(pending, delimiter).encode("utf-8")


def _neutralise_free_text(row: Sequence[Any], positions: Sequence[int]) -> Sequence[Any]:
    """Neutralise the cells that hold free text (a copy of the row only when one is risky)."""
    copied: list[Any] | None = None
    for position in positions:
        value = row[position]
        if value.__class__ is str and value[:1] in FORMULA_START:
            copied = list(row) if copied is None else copied
            copied[position] = neutralise(value)
    return row if copied is None else copied


#: The header of a method note, as a table (its own CSV download, or an XLSX sheet).
NOTE_HEADER: Final = ("Mục", "Nội dung")


#: ``submitted_at`` where a file stores it as a local date-time (XLSX), not as UTC text.
LOCAL_SUBMITTED_AT: Final = ("Thời điểm gửi (giờ địa phương)", "Submitted at (local time)")


def codebook_rows(
    questionnaire: Questionnaire, header: Sequence[str], *, local_times: bool = False
) -> list[list[str]]:
    """variable, Vietnamese label, English label, type, choices ("code=label; ...")."""
    rows = [["variable", "label_vi", "label_en", "type", "choices"]]
    questions = {question.name: question for question in questionnaire.questions}
    for name in header:
        question = questions.get(name)
        if question is None:
            vi, en = METADATA_LABELS.get(name, (name, name))
            if local_times and name == col.SUBMITTED_AT:
                vi, en = LOCAL_SUBMITTED_AT
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


#: Characters Excel refuses in a sheet name; it also caps names at 31 characters.
_SHEET_FORBIDDEN: Final = re.compile(r"[\[\]:*?/\\]")
SHEET_TITLE_CHARS: Final = 31


def sheet_title(name: str) -> str:
    """``name`` as Excel accepts a sheet name, diacritics kept ("Ghi chú phương pháp").

    Forbidden characters become spaces, apostrophes cannot open or close the name, and the
    name is cut at 31 characters (Excel counts characters, not bytes), at a word if it can be.
    """
    title = " ".join(_SHEET_FORBIDDEN.sub(" ", name).split()).strip("'")
    if len(title) > SHEET_TITLE_CHARS:
        cut = title[:SHEET_TITLE_CHARS]
        title = cut.rsplit(" ", 1)[0] if " " in cut else cut
    return title.strip("' ") or "Trang"


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its title, header and rows.

    ``codes``: positions of answer codes that are whole numbers ("1".."5", "9"), stored as
    numbers so Excel can sum and filter them. ``timestamps``: positions of ISO-8601 UTC
    timestamps, stored as local date-times that Excel shows day first.
    """

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    codes: Sequence[int] = ()
    timestamps: Sequence[int] = ()


#: How Excel shows a stored date-time (day first, as a Vietnamese office reads it).
XLSX_TIMESTAMP_FORMAT: Final = "dd/mm/yyyy hh:mm:ss"


def _typed_row(sheet: Any, row: Sequence[Any], spec: Sheet) -> list[Any]:
    values = [_xlsx_cell(value) for value in row]
    for position in spec.codes:
        value = values[position]
        if value.__class__ is str and value.isdigit():
            values[position] = int(value)
    for position in spec.timestamps:
        value = values[position]
        if value.__class__ is str:
            local = dt.datetime.fromisoformat(value).astimezone(service_zone())
            cell = WriteOnlyCell(sheet, value=local.replace(tzinfo=None))
            cell.number_format = XLSX_TIMESTAMP_FORMAT
            values[position] = cell
    return values


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> None:
    """Write the sheets with openpyxl's write-only (streaming) workbook.

    Rows go to temporary files as they come, so memory does not grow with the row count.
    Numbers stay numbers (floats and ints are written as such, never as text).
    """
    workbook = Workbook(write_only=True)
    for spec in sheets:
        sheet = workbook.create_sheet(sheet_title(spec.title))
        sheet.append([_xlsx_cell(value) for value in spec.header])
        typed = bool(spec.codes or spec.timestamps)
        for row in spec.rows:
            sheet.append(_typed_row(sheet, row, spec) if typed else [_xlsx_cell(v) for v in row])
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
