"""Reading the PAR pages' posted forms into the domain's entries.

A field name the page never shows is a tampered request (400), not a value to ignore; values
themselves are checked by the domain (`par.entry`), which reports them next to their fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from flask import abort, request

from survey_app.bounds import OutOfBounds, parse_date, parse_id
from survey_app.local_time import service_zone
from survey_app.par import entry
from survey_app.par.criteria_model import ScoredItem
from survey_app.par.rules import ParInvalid

SELF_PARTS = (
    entry.SELF_SCORE,
    entry.EXPLANATION,
    entry.EVIDENCE_NUMBER,
    entry.EVIDENCE_DATE,
    entry.EVIDENCE_DESCRIPTION,
    entry.REMOVE_EVIDENCE,
)
APPRAISAL_PARTS = (entry.APPRAISED_SCORE, entry.REASON)


def posted_version() -> int:
    """The assessment version the page was rendered with (for the stale-page check)."""
    # ASCII digits within an integer column: "²".isdigit() is True but int("²") fails.
    version = parse_id(request.form.get("version", ""))
    if version is None:
        abort(400)
    return version


def check_names(allowed: set[str]) -> None:
    if set(request.form) - allowed - {"csrf_token", "version", "action"}:
        abort(400)


def _names(items: Sequence[ScoredItem], parts: Sequence[str]) -> set[str]:
    return {entry.field_name(part, item.code) for item in items for part in parts}


def _value(part: str, code: str) -> str:
    return request.form.get(entry.field_name(part, code), "")


def self_entries(items: Sequence[ScoredItem]) -> dict[str, entry.SelfEntry]:
    check_names(_names(items, SELF_PARTS))
    entries = {}
    for item in items:
        removals = request.form.getlist(entry.field_name(entry.REMOVE_EVIDENCE, item.code))
        removal_ids = [parse_id(value) for value in removals]
        if None in removal_ids:
            abort(400)
        entries[item.code] = entry.SelfEntry(
            score=_value(entry.SELF_SCORE, item.code),
            explanation=_value(entry.EXPLANATION, item.code),
            evidence_number=_value(entry.EVIDENCE_NUMBER, item.code),
            evidence_date=_value(entry.EVIDENCE_DATE, item.code),
            evidence_description=_value(entry.EVIDENCE_DESCRIPTION, item.code),
            remove_evidence=tuple(number for number in removal_ids if number is not None),
        )
    return entries


def appraisal_entries(items: Sequence[ScoredItem]) -> dict[str, entry.AppraisalEntry]:
    check_names(_names(items, APPRAISAL_PARTS))
    return {
        item.code: entry.AppraisalEntry(
            _value(entry.APPRAISED_SCORE, item.code), _value(entry.REASON, item.code)
        )
        for item in items
    }


def new_deadline() -> dt.datetime:
    """The reopening's deadline, typed as a date and time in the service's time zone."""
    try:
        day = parse_date(request.form.get("deadline_date", "").strip(), "deadline_date")
        moment = dt.time.fromisoformat(request.form.get("deadline_time", "") or "23:59")
    except OutOfBounds as problem:
        raise ParInvalid({"deadline": f"Nhập ngày (và giờ) của hạn mới: {problem}"}) from None
    except ValueError:
        raise ParInvalid({"deadline": "Nhập ngày (và giờ) của hạn mới."}) from None
    return dt.datetime.combine(day, moment, service_zone()).astimezone(dt.UTC)
