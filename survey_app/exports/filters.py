"""Filters of an export (unit, date range) read from the query string and checked.

Every parameter is validated: an unknown name, a repeated one, a malformed date, a reversed
range or a unit code that is not in the round is a :class:`FilterProblem` (answered 400 with
the message, and audited). Whether the user may see the unit is checked separately
(:func:`survey_app.rounds.access.unit_for_staff`: 403 and audit).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from survey_app.bounds import OutOfBounds, parse_date
from survey_app.query import QueryProblem
from survey_app.results.options import day_start
from survey_app.rounds.access import RoundUnitRef

RESPONSE_FILTERS = ("unit", "from", "to")
WEIGHTING_PARAMETERS = ("adjustment", "trim_lower", "trim_upper")


class FilterProblem(QueryProblem):
    """A filter that cannot be used; the message names it and says what is allowed."""


@dataclass(frozen=True)
class ExportFilters:
    """Rows of one unit (or every unit the user may see) submitted within [date_from, date_to].

    Dates are local calendar days (config TIMEZONE), both inclusive.
    """

    unit: RoundUnitRef | None
    unit_ids: tuple[int, ...] | None
    date_from: dt.date | None
    date_to: dt.date | None
    #: The moment the export was asked for: rows arriving later are left out, so the row
    #: count, the weights and the rows all describe the same responses.
    as_of: dt.datetime | None = None

    @property
    def submitted_from(self) -> dt.datetime | None:
        return None if self.date_from is None else day_start(self.date_from)

    @property
    def submitted_before(self) -> dt.datetime | None:
        end = None
        if self.date_to is not None:
            end = day_start(self.date_to + dt.timedelta(days=1))
        if self.as_of is None:
            return end
        return self.as_of if end is None else min(end, self.as_of)

    def describe(self) -> dict[str, str]:
        """The filters as plain text, for the audit log and the method note."""
        return {
            "unit": self.unit.code if self.unit else "",
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
        }


def _date(values: dict[str, str], name: str) -> dt.date | None:
    text = values.get(name, "").strip()
    if not text:
        return None
    # Bounded (survey_app.bounds): the day after 9999-12-31 would overflow.
    try:
        return parse_date(text, name)
    except OutOfBounds as problem:
        raise FilterProblem(str(problem)) from None


def read_filters(
    values: dict[str, str], units: list[RoundUnitRef], scope: int | None
) -> ExportFilters:
    """Check the unit and date filters against the round's ``units``.

    ``scope``: the only unit id the user may see (commune officer), else None. Without a
    ``unit`` filter a commune officer gets their own unit. A unit code in the round but out of
    scope is *not* refused here: the caller refuses it with 403 and an audit entry.
    """
    date_from, date_to = _date(values, "from"), _date(values, "to")
    if date_from and date_to and date_from > date_to:
        raise FilterProblem(
            f"khoảng ngày bị đảo: 'from' {date_from.isoformat()} sau 'to' {date_to.isoformat()}"
        )
    code = values.get("unit", "").strip()
    unit = None
    if code:
        unit = next((u for u in units if u.code == code), None)
        if unit is None:
            raise FilterProblem(f"đơn vị '{code[:64]}' không thuộc đợt khảo sát này")
    elif scope is not None:
        unit = next((u for u in units if u.id == scope), None)
    unit_ids = (unit.id,) if unit is not None else None
    return ExportFilters(unit=unit, unit_ids=unit_ids, date_from=date_from, date_to=date_to)
