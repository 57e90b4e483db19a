"""Reading what staff type into the PAR forms: points, texts and document references.

Every function returns the clean value or raises `InputRefused` with the Vietnamese message
shown next to the field. Points are read as `Decimal` (so "0,3" is exactly 0.3 and the
comparison with the criterion's maximum is exact) and limited to hundredths of a point.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

#: Characters of an explanation or reason: enough for a paragraph, and small enough that a
#: field's form stays within the request size limit.
TEXT_LIMIT = 1000
DOCUMENT_NUMBER_LIMIT = 100
DESCRIPTION_LIMIT = 300
CENT = Decimal("0.01")
DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


class InputRefused(ValueError):
    """A value that cannot be stored; the message is shown to the user next to the field."""


def show_points(value: Decimal | float | None) -> str:
    """Points the Vietnamese way: 1,5 (decimal comma), 2, 0,25; '—' when absent."""
    if value is None:
        return "—"
    number = Decimal(str(value)).quantize(CENT).normalize()
    return format(number, "f").replace(".", ",")


def parse_points(raw: str, maximum: Decimal) -> Decimal | None:
    """A score from 0 to ``maximum`` in hundredths, or None for an empty field."""
    text = raw.strip().replace(" ", "")
    if not text:
        return None
    # Vietnamese writes 0,5; a decimal point is accepted too. Thousands separators never
    # occur in criterion points, so a single comma is always the decimal separator.
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        points = Decimal(text)
    except InvalidOperation:
        raise InputRefused("Điểm phải là một số, ví dụ 1 hoặc 0,5.") from None
    if not points.is_finite():
        raise InputRefused("Điểm phải là một số, ví dụ 1 hoặc 0,5.")
    if points < 0:
        raise InputRefused("Điểm không được âm.")
    if points > maximum:
        raise InputRefused(f"Điểm không được vượt quá điểm tối đa {show_points(maximum)}.")
    if points != points.quantize(CENT):
        raise InputRefused("Điểm chỉ được có tối đa hai chữ số thập phân.")
    return points.quantize(CENT)


def stored_points(points: Decimal | None) -> float | None:
    """The column value: a float that prints back as the same hundredths."""
    return None if points is None else float(points)


def same_points(stored: float | None, points: Decimal | None) -> bool:
    if stored is None or points is None:
        return stored is None and points is None
    return Decimal(str(stored)).quantize(CENT) == points.quantize(CENT)


def clean_text(raw: str, limit: int = TEXT_LIMIT) -> str:
    """Trimmed text with Windows line ends normalised; refused beyond ``limit`` characters."""
    text = raw.replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise InputRefused(f"Tối đa {limit} ký tự (hiện có {len(text)}).")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
        raise InputRefused("Văn bản có ký tự điều khiển không hợp lệ.")
    return text


def parse_document_date(raw: str, today: dt.date) -> dt.date:
    """A document's date, dd/mm/yyyy (or yyyy-mm-dd from a date picker); not in the future."""
    text = raw.strip()
    for pattern in DATE_FORMATS:
        try:
            day = dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if day > today:
            raise InputRefused("Ngày văn bản không được sau ngày hôm nay.")
        if day.year < 1945:
            raise InputRefused("Ngày văn bản không hợp lệ.")
        return day
    raise InputRefused("Ngày văn bản phải theo dạng ngày/tháng/năm, ví dụ 05/11/2021.")
