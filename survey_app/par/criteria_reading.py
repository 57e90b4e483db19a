"""Reading the raw TOML tables of a criteria set while collecting problems.

The questionnaire reader (`survey_app.questionnaires.reading`) with what criteria add: entries
located by their `code`, one code space for the whole file, points as exact `Decimal`s limited to
hundredths, inherited `evidence_required`, and the check that parts add up to their whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from survey_app.questionnaires.model import Text
from survey_app.questionnaires.reading import LANGUAGE_PATTERN, PLACEHOLDER_TEXT, Entry, TableReader

# Codes as printed in the province's decision ("1", "1.2", "1.2.3"); they key the stored scores.
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
CENT = Decimal("0.01")


class CriteriaReader(TableReader):
    """The questionnaire reader, locating entries by their `code` instead of `name`."""

    def entry_names(self, key: str, table: dict[str, object]) -> list[str]:
        code = table.get("code")
        return [code] if isinstance(code, str) else []


@dataclass
class Codes:
    """Every code of the file (fields, criteria, sub-criteria, satisfaction share one space)."""

    seen: dict[str, str]

    def claim(self, reader: TableReader, entry: Entry) -> str | None:
        code = reader.string(entry, "code")
        if code is None:
            return None
        if not CODE_PATTERN.fullmatch(code):
            reader.report(
                entry.location,
                f"'code' \"{code}\" is not valid",
                "use letters, digits, '.', '-' and '_' (like 1.2.3), at most 64 characters",
            )
            return None
        if code in self.seen:
            reader.report(
                entry.location,
                f"duplicate code '{code}' (first used at {self.seen[code]})",
                "give every field, criterion and sub-criterion its own code",
            )
            return None
        self.seen[code] = entry.location
        return code


def read_points(reader: TableReader, entry: Entry, key: str = "max_points") -> Decimal | None:
    value = reader.number(entry, key)
    if value is None:
        return None
    points = Decimal(str(value))
    if not points.is_finite() or points <= 0:
        reader.report(entry.location, f"'{key}' must be more than 0, not {value}", "fix the number")
        return None
    if points != points.quantize(CENT):
        reader.report(
            entry.location,
            f"'{key}' {value} has more than two decimals",
            "round it to hundredths of a point (like 0.25)",
        )
        return None
    return points


def show(points: Decimal) -> str:
    """Points as written in a file: 2, 0.5, 10 (no exponent, no trailing zeros)."""
    return format(points.normalize(), "f")


def read_languages(reader: TableReader, settings: Entry) -> None:
    """The set's languages are those of its title, the default language first."""
    default = reader.string(settings, "default_language", LANGUAGE_PATTERN) or "vi"
    title = settings.table.get("title")
    declared = [str(language) for language in title] if isinstance(title, dict) else []
    if declared and default not in declared:
        reader.report(
            "settings",
            f"default_language '{default}' has no title text",
            f'add {default} = "..." to title, or set default_language to one of: '
            + ", ".join(declared),
        )
    reader.default_language = default
    reader.languages = (
        (default, *[lang for lang in declared if lang != default]) if declared else ()
    )


@dataclass
class Draft:
    """An entry read so far, before its children are attached and its sum checked."""

    entry: Entry
    code: str
    label: Text
    max_points: Decimal | None
    scoring: Text | None
    evidence_required: bool | None


def read_entry(
    reader: TableReader, entry: Entry, codes: Codes, allowed: tuple[str, ...], required: list[str]
) -> Draft | None:
    reader.check_keys(entry, allowed, required)
    code = codes.claim(reader, entry)
    label = reader.text(entry, "label") or PLACEHOLDER_TEXT
    points = read_points(reader, entry)
    scoring = reader.text(entry, "scoring")
    evidence = (
        reader.boolean(entry, "evidence_required") if "evidence_required" in allowed else None
    )
    if code is None:
        return None
    return Draft(entry, code, label, points, scoring, evidence)


def inherit(own: bool | None, parent: bool | None) -> bool:
    """evidence_required: the entry's own value, else its parent's, else false."""
    if own is not None:
        return own
    return bool(parent)


def check_sum(
    reader: TableReader, parent: Draft, members: list[Draft], what: str, whose: str
) -> None:
    if not members or parent.max_points is None:
        return
    if any(member.max_points is None for member in members):
        return  # already reported; a sum of partly unreadable numbers would only mislead
    found = sum((member.max_points or Decimal(0) for member in members), Decimal(0))
    if found != parent.max_points:
        parts = ", ".join(f"{m.code}: {show(m.max_points or Decimal(0))}" for m in members)
        reader.report(
            parent.entry.location,
            f"the maxima of {whose} add up to {show(found)} ({parts}), but '{parent.code}' has "
            f"max_points = {show(parent.max_points)}",
            f"change max_points of '{parent.code}' or of its {what} so that they are equal",
        )
