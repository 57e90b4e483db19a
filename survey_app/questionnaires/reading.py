"""Reading raw TOML tables of a questionnaire while collecting problems instead of stopping.

Every reader method returns the typed value or None, and reports a Problem (where, what, how to
fix) when the raw value is wrong, so `survey_app.questionnaires` can check a whole file in one go.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from survey_app.questionnaires.model import Problem, Text, make_text

NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
CODE_PATTERN = re.compile(r"[A-Za-z0-9_]+")
FORM_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
VERSION_PATTERN = re.compile(r"\d+(\.\d+)*")
LANGUAGE_PATTERN = re.compile(r"[a-z]{2,3}")
# Stands in for an invalid text so checking can go on; a file with problems is never built.
PLACEHOLDER_TEXT = make_text({"": ""}, "")

_PATTERN_FIXES = {
    NAME_PATTERN: "use lowercase letters, digits and _, starting with a letter (like access_1)",
    CODE_PATTERN: "use letters, digits and _ only (like 1, 9 or ho_tich)",
    FORM_ID_PATTERN: "use lowercase letters, digits, - and _ (like sipas-commune)",
    VERSION_PATTERN: 'use whole numbers separated by dots (like "2021.1")',
    LANGUAGE_PATTERN: "use a two- or three-letter lowercase language code (like vi)",
}


def suggest(word: str, options: Sequence[str], otherwise: str) -> str:
    """A fix for an unknown word: the closest known one (typos like requried), else `otherwise`."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else otherwise


def table_lines(source: str) -> dict[str, list[int]]:
    """Line numbers of each `[[table]]` header, so a location can point into the file."""
    lines: dict[str, list[int]] = {}
    for number, line in enumerate(source.splitlines(), start=1):
        header = re.match(r"\s*\[\[\s*([A-Za-z_]+)\s*\]\]", line)
        if header:
            lines.setdefault(header.group(1), []).append(number)
    return lines


@dataclass(frozen=True)
class Entry:
    """One table of the file (settings, or one [[survey]] entry...) and its location."""

    table: dict[str, object]
    location: str


class TableReader:
    """Collects the problems of one file; `languages` are set once settings are read."""

    def __init__(self, file: str, source: str) -> None:
        self.file = file
        self.lines = table_lines(source)
        self.problems: list[Problem] = []
        self.languages: tuple[str, ...] = ()
        self.default_language = ""
        # (table, name) → location of its first entry; for choices the name is the list_name.
        self.first_seen: dict[tuple[str, str], str] = {}

    def report(self, location: str, message: str, fix: str) -> None:
        self.problems.append(Problem(self.file, location, message, fix))

    def entries(self, data: dict[str, object], key: str) -> list[Entry]:
        """The [[key]] tables, located as `key[n] 'name' (line L)`, counting n from 1."""
        raw = data.get(key, [])
        if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
            self.report(key, f"'{key}' must be a list of tables", f"write each entry as [[{key}]]")
            return []
        lines = self.lines.get(key, [])
        entries = []
        for index, table in enumerate(raw):
            names = self.entry_names(key, table)
            label = "".join(f" '{name}'" for name in names)
            # Line numbers only when every entry is a [[key]] header (not an inline array).
            line = f" (line {lines[index]})" if len(lines) == len(raw) else ""
            location = f"{key}[{index + 1}]{label}{line}"
            if names:
                self.first_seen.setdefault((key, names[0]), location)
            entries.append(Entry(table, location))
        return entries

    def entry_names(self, key: str, table: dict[str, object]) -> list[str]:
        """What names an entry in its location: a choice by list and code, others by name."""
        names = [str(table[k]) for k in ("list_name", "name") if isinstance(table.get(k), str)]
        return names if key == "choices" else names[-1:]

    def table(self, data: dict[str, object], key: str) -> Entry:
        raw = data.get(key)
        if not isinstance(raw, dict):
            what = "missing" if raw is None else f"'{key}' must be a table"
            self.report(key, what, f"add a [{key}] table")
            return Entry({}, key)
        return Entry(raw, key)

    def check_keys(
        self, entry: Entry, allowed: Sequence[str], required: Sequence[str] = ()
    ) -> None:
        for key in entry.table:
            if key not in allowed:
                fix = suggest(key, allowed, "remove it; allowed keys here: " + ", ".join(allowed))
                self.report(entry.location, f"unknown key '{key}'", fix)
        for key in required:
            if key not in entry.table:
                self.report(entry.location, f"missing '{key}'", f"add {key} = ...")

    def string(self, entry: Entry, key: str, pattern: re.Pattern[str] | None = None) -> str | None:
        value = entry.table.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.report(
                entry.location,
                f"'{key}' must be a quoted string, not {_toml(value)}",
                f'write {key} = "{value}"',
            )
            return None
        if pattern is not None and not pattern.fullmatch(value):
            self.report(
                entry.location, f"'{key}' \"{value}\" is not valid", _PATTERN_FIXES[pattern]
            )
            return None
        return value

    def boolean(self, entry: Entry, key: str) -> bool | None:
        value = entry.table.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.report(
            entry.location,
            f"'{key}' must be true or false, not {_toml(value)}",
            f"write {key} = true or {key} = false, without quotes",
        )
        return None

    def number(self, entry: Entry, key: str) -> int | float | None:
        value = entry.table.get(key)
        # bool is an int in Python but `value = true` is a mistake, not the number 1.
        if value is None or (isinstance(value, int | float) and not isinstance(value, bool)):
            return value
        self.report(
            entry.location,
            f"'{key}' must be a number, not {_toml(value)}",
            f"write {key} = 1 (a number, without quotes)",
        )
        return None

    def text(self, entry: Entry, key: str) -> Text | None:
        """A {vi = ..., en = ...} table: every declared language present, no undeclared ones."""
        value = entry.table.get(key)
        if value is None:
            return None
        example = ", ".join(f'{language} = "..."' for language in self.languages)
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            self.report(
                entry.location,
                f"'{key}' must be a table of texts by language, not {_toml(value)}",
                f"write {key} = {{ {example} }}",
            )
            return None
        ok = True
        for language in self.languages:
            if not str(value.get(language, "")).strip():
                ok = False
                what = "an empty" if language in value else "no"
                self.report(
                    entry.location,
                    f"'{key}' has {what} '{language}' text",
                    f'add {language} = "..." to {key}: every text needs each of the form\'s '
                    f"languages ({', '.join(self.languages)})",
                )
        for language in value:
            if self.languages and language not in self.languages:
                ok = False
                self.report(
                    entry.location,
                    f"'{key}' has a '{language}' text but the form has no language '{language}'",
                    f"remove it, or declare the language by adding {language} to "
                    "settings.form_title",
                )
        if not ok:
            return None
        return make_text(
            {lang: str(value[lang]).strip() for lang in self.languages}, self.default_language
        )


def _toml(value: object) -> str:
    """A raw value as the TOML author wrote it, for messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return str(value)
