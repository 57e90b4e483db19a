"""Calendar days in the service's time zone (config TIMEZONE, Vietnam by default).

Timestamps are stored in UTC; a "day" for staff is a local day: a response at 23:30 UTC was
given the next morning in Hà Tĩnh.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from survey_app.config import DEFAULTS


def service_zone() -> ZoneInfo:
    """The configured zone; the default one outside an app (scripts, bulk loads)."""
    name = current_app.config["TIMEZONE"] if has_app_context() else DEFAULTS["TIMEZONE"]
    return ZoneInfo(str(name))


def local_date(moment: dt.datetime) -> dt.date:
    """The local calendar day of an aware timestamp."""
    return moment.astimezone(service_zone()).date()


def format_local(moment: dt.datetime) -> str:
    """A timestamp as citizens and staff read it: local time, day first, with the zone."""
    local = moment.astimezone(service_zone())
    return f"{local:%d/%m/%Y %H:%M} ({local:%Z})" if local.tzname() else f"{local:%d/%m/%Y %H:%M}"


def local_today() -> dt.date:
    return local_date(dt.datetime.now(dt.UTC))
