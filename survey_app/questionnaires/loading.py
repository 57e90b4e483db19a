"""Questionnaires as data: load TOML definitions, validate them, build frozen `Questionnaire`s.

Pipeline as in pyxform: read (tomllib) → check every entry, collecting every problem with its
file, location and fix → build the frozen dataclasses, or raise QuestionnaireError listing all
problems at once. The format and the error catalog are documented in questionnaires/README.md.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType

from flask import current_app

from survey_app.questionnaires.answers import ValidatedAnswers, unknown_fields, validate_answers
from survey_app.questionnaires.model import (
    Catalog,
    Choice,
    Factor,
    Problem,
    Question,
    Questionnaire,
    QuestionnaireError,
    Section,
)
from survey_app.questionnaires.reading import (
    CODE_PATTERN,
    FORM_ID_PATTERN,
    LANGUAGE_PATTERN,
    NAME_PATTERN,
    PLACEHOLDER_TEXT,
    VERSION_PATTERN,
    Entry,
    TableReader,
    suggest,
)
from survey_app.questionnaires.survey_table import read_survey
from survey_app.questionnaires.versioned_files import in_file_order, load_versioned, read_toml

__all__ = [
    "Catalog",
    "Problem",
    "Question",
    "Questionnaire",
    "QuestionnaireError",
    "ValidatedAnswers",
    "load_catalog",
    "load_questionnaire",
    "main",
    "unknown_fields",
    "validate_answers",
]

TOP_KEYS = ("settings", "factors", "sections", "survey", "choices")
SETTINGS_KEYS = ("form_id", "version", "default_language", "form_title", "description")


def load_questionnaire(path: Path | str) -> Questionnaire:
    """Load and validate one questionnaire file; raise QuestionnaireError listing every problem."""
    questionnaire, problems = _load(Path(path))
    if questionnaire is None or problems:
        raise QuestionnaireError(problems)
    return questionnaire


def app_catalog() -> Catalog:
    """The catalog the running app loaded (and fully checked) when it started."""
    catalog: Catalog = current_app.extensions["questionnaires"]
    return catalog


def load_catalog(root: Path) -> Catalog:
    """Load every `<form_id>/<version>.toml` under `root`, checking folder and file names.

    Problems of all files are raised together. Folders starting with '.' or '_', and the
    criteria/ folder of PAR criteria sets, are skipped.
    """
    if not root.is_dir():
        problem = Problem(str(root), "folder", "is not a folder", "point it at questionnaires/")
        raise QuestionnaireError([problem])
    forms, problems = load_versioned(
        root,
        _load,
        lambda questionnaire: (questionnaire.form_id, questionnaire.version),
        "form_id",
        # criteria/ holds the PAR criteria sets, which have their own loader
        # (survey_app.par.criteria).
        skip={"criteria"},
    )
    if problems:
        raise QuestionnaireError(problems)
    return Catalog(MappingProxyType({k: MappingProxyType(v) for k, v in forms.items()}))


def _load(path: Path) -> tuple[Questionnaire | None, list[Problem]]:
    toml, problems = read_toml(path, "[[survey]]")
    if toml is None:
        return None, problems
    reader = TableReader(toml.file, toml.source)
    questionnaire = _build(reader, toml.data, toml.sha256)
    problems = in_file_order(reader.problems)
    return (None if problems else questionnaire), problems


def _build(reader: TableReader, data: dict[str, object], sha256: str) -> Questionnaire:
    top = Entry(data, "file")
    reader.check_keys(top, TOP_KEYS)
    settings = reader.table(data, "settings")
    reader.check_keys(
        settings, SETTINGS_KEYS, ("form_id", "version", "default_language", "form_title")
    )
    _read_languages(reader, settings)
    form_id = reader.string(settings, "form_id", FORM_ID_PATTERN) or ""
    version = reader.string(settings, "version", VERSION_PATTERN) or ""
    title = reader.text(settings, "form_title") or PLACEHOLDER_TEXT
    description = reader.text(settings, "description")
    factors = _read_factors(reader, data)
    choice_lists = _read_choices(reader, data)
    sections = _read_sections(reader, data, read_survey(reader, data, factors, choice_lists))
    return Questionnaire(
        form_id=form_id,
        version=version,
        title=title,
        description=description,
        default_language=reader.default_language,
        languages=reader.languages,
        factors=tuple(factors.values()),
        sections=sections,
        choice_lists=MappingProxyType({k: tuple(v) for k, v in choice_lists.items()}),
        source=reader.file,
        source_sha256=sha256,
    )


def _read_languages(reader: TableReader, settings: Entry) -> None:
    """The form's languages are those of form_title, the default language first."""
    default = reader.string(settings, "default_language", LANGUAGE_PATTERN) or "vi"
    title = settings.table.get("form_title")
    declared = [str(language) for language in title] if isinstance(title, dict) else []
    for language in declared:
        if not LANGUAGE_PATTERN.fullmatch(language):
            reader.report(
                "settings",
                f"form_title has a text for '{language}', which is not a language code",
                "use a two- or three-letter lowercase code (like vi)",
            )
    if declared and default not in declared:
        reader.report(
            "settings",
            f"default_language '{default}' has no form_title text",
            f'add {default} = "..." to form_title, or set default_language to one of: '
            + ", ".join(declared),
        )
    reader.default_language = default
    # Without a usable form_title the languages are unknown: texts are then not compared.
    reader.languages = (
        (default, *[lang for lang in declared if lang != default]) if declared else ()
    )


def _read_factors(reader: TableReader, data: dict[str, object]) -> dict[str, Factor]:
    factors: dict[str, Factor] = {}
    for entry in reader.entries(data, "factors"):
        reader.check_keys(entry, ("name", "label"), ("name", "label"))
        name = reader.string(entry, "name", NAME_PATTERN)
        label = reader.text(entry, "label")
        if name in factors:
            reader.report(
                entry.location, f"duplicate factor name '{name}'", "give each factor its own name"
            )
        elif name is not None:
            factors[name] = Factor(name, label or PLACEHOLDER_TEXT)
    return factors


def _read_choices(reader: TableReader, data: dict[str, object]) -> dict[str, list[Choice]]:
    lists: dict[str, list[Choice]] = {}
    for entry in reader.entries(data, "choices"):
        reader.check_keys(
            entry,
            ("list_name", "name", "label", "value", "missing"),
            ("list_name", "name", "label"),
        )
        list_name = reader.string(entry, "list_name", NAME_PATTERN)
        name = reader.string(entry, "name", CODE_PATTERN)
        label = reader.text(entry, "label") or PLACEHOLDER_TEXT
        value, missing = reader.number(entry, "value"), bool(reader.boolean(entry, "missing"))
        if missing and value is not None:
            reader.report(
                entry.location,
                f"choice '{name}' is missing = true and has a value",
                "remove value: a missing answer never counts as a score",
            )
        if list_name is None or name is None:
            continue
        choices = lists.setdefault(list_name, [])
        if any(choice.name == name for choice in choices):
            reader.report(
                entry.location,
                f"duplicate choice name '{name}' in list '{list_name}'",
                "give each choice of a list its own code",
            )
            continue
        choices.append(Choice(list_name, name, label, value, missing))
    for list_name, choices in lists.items():
        unvalued = [c.name for c in choices if not c.missing and c.value is None]
        if 0 < len(unvalued) < len([c for c in choices if not c.missing]):
            reader.report(
                reader.first_seen[("choices", list_name)],
                f"list '{list_name}' gives values to some choices but not to "
                + ", ".join(f"'{code}'" for code in unvalued),
                "give every choice a value (a scored list), or none; mark a 'no answer' "
                "choice missing = true",
            )
    return lists


def _read_sections(
    reader: TableReader, data: dict[str, object], questions: list[tuple[Entry, Question]]
) -> tuple[Section, ...]:
    entries = reader.entries(data, "sections")
    if not entries:
        reader.report(
            "sections",
            "the form has no sections",
            "add [[sections]] entries: each section is a page of the form",
        )
    order: dict[str, int] = {}
    named: list[tuple[Entry, str]] = []
    for entry in entries:
        reader.check_keys(entry, ("name", "label", "hint"), ("name", "label"))
        name = reader.string(entry, "name", NAME_PATTERN)
        if name in order:
            reader.report(
                entry.location, f"duplicate section name '{name}'", "give each section its own name"
            )
        elif name is not None:
            order[name] = len(order)
            named.append((entry, name))
    latest = 0
    for entry, question in questions:
        position = order.get(question.section)
        if position is None and question.section and entries:
            reader.report(
                entry.location,
                f"section '{question.section}' is not declared",
                suggest(question.section, list(order), "add a [[sections]] entry"),
            )
        elif position is not None and position < latest:
            reader.report(
                entry.location,
                f"question is in section '{question.section}' after questions of a later section",
                "keep each section's questions together, in the order of [[sections]]",
            )
        latest = max(latest, position or 0)
    sections = []
    for entry, name in named:
        members = tuple(question for _, question in questions if question.section == name)
        if not members:
            reader.report(
                entry.location,
                f"section '{name}' has no questions",
                f'add questions with section = "{name}", or remove the section',
            )
        label = reader.text(entry, "label") or PLACEHOLDER_TEXT
        sections.append(Section(name, label, reader.text(entry, "hint"), members))
    return tuple(sections)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m survey_app.questionnaires [PATH ...]` (see __main__.py): check forms.

    Prints one line per valid version, every problem to stderr; exit status 1 if any problem.
    """
    arguments = list(sys.argv[1:] if argv is None else argv) or ["questionnaires"]
    problems: list[Problem] = []
    for path in map(Path, arguments):
        try:
            if path.is_dir():
                catalog = load_catalog(path)
                found = [catalog.get(f, v) for f in catalog.form_ids() for v in catalog.versions(f)]
            else:
                found = [load_questionnaire(path)]
        except QuestionnaireError as error:
            problems.extend(error.problems)
            continue
        for questionnaire in found:
            print(f"ok {questionnaire.source}: {len(questionnaire.questions)} questions")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0
