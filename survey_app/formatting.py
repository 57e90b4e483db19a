"""Numbers, dates and times as a Vietnamese office reads them, for every staff page and note.

Vietnamese writes 1.234,5: a dot groups thousands and a comma marks the decimals, the reverse
of English. Printing Python's default "699.765" for 699,765 or "0.85" for 0,85 makes a figure
mean something else, so every page and every text note formats through this module, never
with ``str`` or ``%``. Dates are day first (dd/mm/yyyy) and times are local (config
TIMEZONE): staff never see UTC. Files meant for machines keep ISO dates and ``.`` decimals
(see ``survey_app/exports/formats.py``).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Final

from flask import Flask

from survey_app.local_time import format_local, service_zone

#: What a page shows where there is no number (missing, suppressed, not a number).
MISSING: Final = "—"


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def _swap_separators(english: str) -> str:
    """ "1,234.5" → "1.234,5": swap the grouping and the decimal marks in one pass."""
    return english.translate(str.maketrans(",.", ".,"))


def number(value: Any, digits: int = 0) -> str:
    """``value`` with ``digits`` decimals and Vietnamese separators: 1234.5 → "1.234,5"."""
    if _missing(value):
        return MISSING
    return _swap_separators(f"{float(value):,.{digits}f}")


def integer(value: Any) -> str:
    """A count with grouped thousands: 26632 → "26.632"; None → "—"."""
    if _missing(value):
        return MISSING
    return _swap_separators(f"{round(float(value)):,d}")


def significant(value: Any, digits: int = 4) -> str:
    """``digits`` significant digits, as in a method note: 699765.2 → "699.765", 1.0342 → "1,034".

    Large values keep every integer digit (grouped) rather than turning into "7e+05", which an
    office reader would not recognise; small ones keep ``digits`` significant digits.
    """
    if _missing(value):
        return MISSING
    number_ = float(value)
    if number_ == 0:
        return "0"
    magnitude = math.floor(math.log10(abs(number_)))
    decimals = max(digits - 1 - magnitude, 0)
    text = f"{number_:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return _swap_separators(text)


def percent(value: Any, digits: int = 1) -> str:
    """A share (0–1) as a percentage: 0.853 → "85,3 %"."""
    if _missing(value):
        return MISSING
    return number(float(value) * 100, digits) + " %"


def day(value: dt.date | dt.datetime | None) -> str:
    """A calendar day, day first: "05/11/2021". A timestamp is read in the local zone first."""
    if value is None:
        return MISSING
    if isinstance(value, dt.datetime):
        value = value.astimezone(service_zone()) if value.tzinfo else value
    return f"{value:%d/%m/%Y}"


def moment(value: dt.datetime | None, *, seconds: bool = False) -> str:
    """A stored (UTC) timestamp in local time: "05/11/2021 14:30"; naive values count as UTC."""
    if value is None:
        return MISSING
    aware = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if seconds:
        return f"{aware.astimezone(service_zone()):%d/%m/%Y %H:%M:%S}"
    return format_local(aware)


def init_app(app: Flask) -> None:
    """Register the filters every staff template uses (``{{ n|number(1) }}``, ``|day``...).

    ``local_moment``, not ``moment``: the PAR pages register a ``moment`` filter of their own.
    """
    app.jinja_env.filters.update(
        number=number,
        integer=integer,
        percent=percent,
        day=day,
        local_moment=moment,
    )
