"""Checking the [[survey]] table of a questionnaire: each question, its `relevant`, its constraint.

Part of the loader in `survey_app.questionnaires`; problems are collected on the TableReader.
"""

from __future__ import annotations

from dataclasses import dataclass

from survey_app.questionnaires.expressions import (
    Comparison,
    CountSelected,
    Expression,
    ExpressionError,
    Literal,
    Reference,
    Selected,
    parse,
)
from survey_app.questionnaires.model import QUESTION_TYPES, Choice, Constraint, Factor, Question
from survey_app.questionnaires.reading import (
    NAME_PATTERN,
    PLACEHOLDER_TEXT,
    Entry,
    TableReader,
    suggest,
)

MAX_NAME_LENGTH = 32  # names become export columns and SPSS variables
DEFAULT_TEXT_MAX_LENGTH = 500
TEXT_MAX_LENGTH_LIMIT = 2000
# Columns the raw-responses CSV already has, and SPSS reserved words: a question with one of
# these names would clash in an export.
RESERVED_NAMES = frozenset(
    {"response_id", "submission_id", "round_code", "unit_code", "form_id", "form_version"}
    | {"submitted_at", "channel", "duration_seconds"}
    | {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}
)
SELECT_TYPES = ("select_one", "select_multiple")
SURVEY_KEYS = (
    *("name", "type", "section", "label", "hint", "list_name", "required", "relevant"),
    *("constraint", "constraint_message", "factor", "privacy"),
)
# Which question types each optional attribute applies to.
APPLIES_TO = {
    "list_name": SELECT_TYPES,
    "required": ("select_one", "select_multiple", "integer", "text"),
    "constraint": ("integer", "text", "select_multiple"),
    "constraint_message": ("integer", "text", "select_multiple"),
    "factor": ("select_one",),
    "privacy": ("text",),
}
CONSTRAINT_KEYS = {
    "integer": ("min", "max"),
    "text": ("max_length",),
    "select_multiple": ("max_choices",),
}
ALL_CONSTRAINT_KEYS = ("min", "max", "max_length", "max_choices")


@dataclass(frozen=True)
class _Known:
    """What later checks need to know about a question named in [[survey]]."""

    index: int
    type: str | None
    list_name: str | None


def read_survey(
    reader: TableReader,
    data: dict[str, object],
    factors: dict[str, Factor],
    choice_lists: dict[str, list[Choice]],
) -> list[tuple[Entry, Question]]:
    entries = reader.entries(data, "survey")
    if not entries:
        reader.report("survey", "the form has no questions", "add [[survey]] entries")
    known: dict[str, _Known] = {}
    for index, entry in enumerate(entries):
        name, kind = entry.table.get("name"), entry.table.get("type")
        list_name = entry.table.get("list_name")
        if isinstance(name, str) and name not in known:
            known[name] = _Known(
                index,
                kind if isinstance(kind, str) else None,
                list_name if isinstance(list_name, str) else None,
            )
    questions: list[tuple[Entry, Question]] = []
    for index, entry in enumerate(entries):
        question = _read_question(reader, entry, factors, choice_lists)
        if question.name and known[question.name].index != index:
            reader.report(
                entry.location,
                f"duplicate question name '{question.name}' "
                f"(first used by {entries[known[question.name].index].location})",
                "give each question its own name: it becomes an export column",
            )
        if question.relevant is not None:
            _check_relevant(reader, entry, question.relevant, index, known, choice_lists)
        questions.append((entry, question))
    used = {question.list_name for _, question in questions}
    for list_name in choice_lists:
        if list_name not in used:
            reader.report(
                reader.first_seen.get(("choices", list_name), "choices"),
                f"choice list '{list_name}' is not used by any question",
                f'remove its [[choices]], or set list_name = "{list_name}" on a select question',
            )
    scored = {question.factor for _, question in questions}
    for factor in factors:
        if factor not in scored:
            reader.report(
                reader.first_seen.get(("factors", factor), "factors"),
                f"factor '{factor}' has no questions",
                f'set factor = "{factor}" on its items, or remove the factor',
            )
    return questions


def _read_question(
    reader: TableReader,
    entry: Entry,
    factors: dict[str, Factor],
    choice_lists: dict[str, list[Choice]],
) -> Question:
    at = entry.location
    reader.check_keys(entry, SURVEY_KEYS, ("name", "type", "section", "label"))
    name = reader.string(entry, "name", NAME_PATTERN) or ""
    if len(name) > MAX_NAME_LENGTH:
        reader.report(
            at,
            f"name '{name}' is {len(name)} characters long (limit 32)",
            "shorten it: it becomes an export column and an SPSS variable",
        )
    if name in RESERVED_NAMES:
        reader.report(
            at,
            f"name '{name}' is reserved (an export column or SPSS keyword)",
            "choose another name",
        )
    kind = reader.string(entry, "type") or ""
    if kind and kind not in QUESTION_TYPES:
        words = kind.split()
        fix = (
            f'write type = "{words[0]}" and list_name = "{words[1]}" as two keys'
            if len(words) == 2 and words[0] in SELECT_TYPES
            else suggest(kind, QUESTION_TYPES, "use one of: " + ", ".join(QUESTION_TYPES))
        )
        reader.report(at, f"unknown type '{kind}'", fix)
    if kind in QUESTION_TYPES:
        for key, types in APPLIES_TO.items():
            if key in entry.table and kind not in types:
                reader.report(
                    at,
                    f"'{key}' does not apply to {kind} questions",
                    f"remove it; it applies to {', '.join(types)}",
                )
    list_name = reader.string(entry, "list_name")
    if kind in SELECT_TYPES and "list_name" not in entry.table:
        reader.report(
            at, f"{kind} question has no 'list_name'", "add list_name naming a [[choices]] list"
        )
    if list_name is not None and list_name not in choice_lists:
        reader.report(
            at,
            f"list_name '{list_name}' has no [[choices]]",
            suggest(
                list_name,
                list(choice_lists),
                f'add [[choices]] entries with list_name = "{list_name}"',
            ),
        )
    choices = tuple(choice_lists.get(list_name or "", ()))
    factor = reader.string(entry, "factor")
    if factor is not None and factor not in factors:
        reader.report(
            at,
            f"factor '{factor}' is not declared",
            suggest(factor, list(factors), f'add a [[factors]] entry named "{factor}"'),
        )
    # A list with values on only some choices is reported once, with the list.
    unscored = not any(choice.value is not None for choice in choices)
    if factor is not None and kind == "select_one" and choices and unscored:
        reader.report(
            at,
            f"factor '{factor}' needs a scored list, but '{list_name}' has no values",
            "give each non-missing choice a value, or remove factor",
        )
    privacy = reader.string(entry, "privacy")
    if privacy is not None and privacy != "hashed":
        reader.report(at, f"privacy '{privacy}' is not known", 'write privacy = "hashed"')
    return Question(
        name=name,
        type=kind,
        section=reader.string(entry, "section") or "",
        label=reader.text(entry, "label") or PLACEHOLDER_TEXT,
        hint=reader.text(entry, "hint"),
        list_name=list_name,
        choices=choices,
        required=bool(reader.boolean(entry, "required")),
        relevant=_parse_relevant(reader, entry),
        constraint=_read_constraint(reader, entry, kind, len(choices)),
        constraint_message=reader.text(entry, "constraint_message"),
        factor=factor,
        privacy=privacy,
    )


def _parse_relevant(reader: TableReader, entry: Entry) -> Expression | None:
    source = reader.string(entry, "relevant")
    if source is None:
        return None
    try:
        return parse(source)
    except ExpressionError as error:
        reader.report(
            entry.location,
            f'relevant "{source}": {error}',
            "correct the expression (see 'relevant' in questionnaires/README.md)",
        )
        return None


def _check_relevant(
    reader: TableReader,
    entry: Entry,
    expression: Expression,
    index: int,
    known: dict[str, _Known],
    choice_lists: dict[str, list[Choice]],
) -> None:
    at, names = entry.location, list(known)
    for reference in expression.references():
        target = known.get(reference.name)
        ref = "${" + reference.name + "}"
        if target is None:
            reader.report(
                at,
                f"relevant refers to {ref}, which is not a question",
                suggest(reference.name, names, "refer to an earlier question's name"),
            )
        elif target.index == index:
            reader.report(
                at,
                f"relevant refers to {ref}, the question itself",
                "refer only to earlier questions",
            )
        elif target.index > index:
            reader.report(
                at,
                f"relevant refers to {ref}, which comes later in the form",
                f"refer only to earlier questions, or move '{reference.name}' first",
            )
        elif target.type == "note":
            reader.report(
                at,
                f"relevant refers to {ref}, a note, which has no answer",
                "refer to a question that has an answer",
            )
    for node in expression.nodes():
        checks: list[tuple[Reference, str]] = []
        if isinstance(node, Selected | CountSelected):
            function = "selected" if isinstance(node, Selected) else "count-selected"
            allowed = SELECT_TYPES if isinstance(node, Selected) else ("select_multiple",)
            target = known.get(node.reference.name)
            if target is not None and target.type not in allowed:
                reader.report(
                    at,
                    f"{function}() needs a {' or '.join(allowed)} question, but "
                    f"${{{node.reference.name}}} is {target.type}",
                    "compare the value with = instead"
                    if function == "selected"
                    else "use count-selected() only on select_multiple questions",
                )
            if isinstance(node, Selected):
                checks.append((node.reference, node.code))
        elif isinstance(node, Comparison):
            for left, right in ((node.left, node.right), (node.right, node.left)):
                match left, right:
                    case Reference(), Literal(value=str() as code):
                        checks.append((left, code))
        for reference, code in checks:
            target = known.get(reference.name)
            if target is None or target.type not in SELECT_TYPES or target.list_name is None:
                continue
            codes = [choice.name for choice in choice_lists.get(target.list_name, [])]
            if codes and code not in codes:
                reader.report(
                    at,
                    f"relevant uses '{code}' for ${{{reference.name}}}, which is not a "
                    f"choice of list '{target.list_name}'",
                    "use one of: " + ", ".join(codes),
                )


def _read_constraint(reader: TableReader, entry: Entry, kind: str, n_choices: int) -> Constraint:
    raw = entry.table.get("constraint")
    default = Constraint(max_length=DEFAULT_TEXT_MAX_LENGTH) if kind == "text" else Constraint()
    if raw is None or kind not in CONSTRAINT_KEYS:
        return default  # an inapplicable constraint was reported with the other attributes
    if not isinstance(raw, dict):
        reader.report(
            entry.location,
            "'constraint' must be a table",
            "write e.g. constraint = { min = 18, max = 120 }",
        )
        return default
    allowed = CONSTRAINT_KEYS[kind]
    values: dict[str, int] = {}
    for key, value in raw.items():
        if key in ALL_CONSTRAINT_KEYS and key not in allowed:
            reader.report(
                entry.location,
                f"constraint '{key}' does not apply to {kind} questions",
                f"use {' or '.join(allowed)} instead, or remove it",
            )
        elif key not in allowed:
            fix = suggest(key, allowed, f"use {' or '.join(allowed)}")
            reader.report(entry.location, f"unknown constraint key '{key}'", fix)
        elif not isinstance(value, int) or isinstance(value, bool):
            reader.report(
                entry.location,
                f"constraint '{key}' must be a whole number",
                f"write {key} = 10 (without quotes)",
            )
        else:
            values[key] = value
    low, high = values.get("min"), values.get("max")
    if low is not None and high is not None and low > high:
        reader.report(
            entry.location, f"constraint min {low} is greater than max {high}", "swap them"
        )
    limits = {"max_length": (1, TEXT_MAX_LENGTH_LIMIT), "max_choices": (1, max(n_choices, 1))}
    for key, (lowest, highest) in limits.items():
        if key in values and not lowest <= values[key] <= highest:
            reader.report(
                entry.location,
                f"constraint {key} {values[key]} is out of range",
                f"use a number from {lowest} to {highest}",
            )
    if kind == "text":
        values.setdefault("max_length", DEFAULT_TEXT_MAX_LENGTH)
    return Constraint(**values)
