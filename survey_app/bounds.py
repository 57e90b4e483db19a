"""Explicit limits on numbers and dates typed or sent by anyone, with Vietnamese messages.

Each bound is far beyond any real value and well inside what Python's ``date`` arithmetic,
PostgreSQL's ``integer``/``bigint`` columns and the dashboards' projections can hold, so an
out-of-range value is refused with a message (4xx) instead of overflowing somewhere later (5xx).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

#: Staff dates (cut-offs, export ranges, deadlines): the service did not exist before 2000 and
#: a date after 2100 is a typo. Adding a day or a time zone to either end stays in range.
DATE_MIN: Final = dt.date(2000, 1, 1)
DATE_MAX: Final = dt.date(2100, 12, 31)

#: A response target for one unit or cell. A commune handles a few thousand dossiers a year; a
#: million is far beyond any plan and keeps the completion projection in range.
TARGET_MAX: Final = 1_000_000

#: Row ids and version counters fit PostgreSQL's ``integer``.
ID_MAX: Final = 2**31 - 1

# ASCII digits only: str.isdigit() and int() also accept "²", "٣", "１".
_DIGITS: Final = re.compile(r"[0-9]{1,10}")
_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class OutOfBounds(ValueError):
    """A value outside its documented bounds; the message (Vietnamese) says which are allowed."""


def parse_date(text: str, name: str) -> dt.date:
    """A date written YYYY-MM-DD between ``DATE_MIN`` and ``DATE_MAX``."""
    try:
        # fromisoformat alone also reads "20211105", week dates and non-ASCII digits.
        day = dt.date.fromisoformat(text) if _ISO_DATE.fullmatch(text) else None
    except ValueError:
        day = None
    if day is None:
        raise OutOfBounds(f"'{name}' phải là ngày dạng YYYY-MM-DD, nhận được {text[:40]!r}")
    if not DATE_MIN <= day <= DATE_MAX:
        raise OutOfBounds(
            f"'{name}' phải từ {DATE_MIN.isoformat()} đến {DATE_MAX.isoformat()}, "
            f"nhận được {text[:40]!r}"
        )
    return day


def parse_id(text: str) -> int | None:
    """A row id or version number written in ASCII digits, or None if it is not one."""
    if not _DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if number <= ID_MAX else None


def check_target(number: int) -> int:
    """A response target between 0 and ``TARGET_MAX``."""
    if not 0 <= number <= TARGET_MAX:
        raise OutOfBounds(f"Chỉ tiêu phải từ 0 đến {TARGET_MAX:,}.".replace(",", "."))
    return number
