"""The paper form laid out from the questionnaire: numbered questions, choice numbers to tick
or type, blocks of rating items as one grid, and every skip rule written out in words.

The same frozen ``Questionnaire`` drives the phone form and this page, so the two can never
disagree on wording, choices or skips (queXML/LimeSurvey's printable survey do the same).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from survey_app.questionnaires.expressions import (
    Comparison,
    Literal,
    Logical,
    Node,
    Not,
    Reference,
    Selected,
)
from survey_app.questionnaires.model import Choice, Question, Questionnaire, Section

OPERATOR_WORDS = {"<": "nhỏ hơn", "<=": "không quá", ">": "lớn hơn", ">=": "từ"}


@dataclass(frozen=True)
class PaperQuestion:
    number: int
    question: Question
    skip: str | None  # "Chỉ trả lời nếu ..." when the question has a `relevant` rule


@dataclass(frozen=True)
class PaperBlock:
    """A run of questions on one page: a rating grid when they share one choice list."""

    questions: tuple[PaperQuestion, ...]
    grid_choices: tuple[Choice, ...] | None


@dataclass(frozen=True)
class PaperSection:
    section: Section
    blocks: tuple[PaperBlock, ...]


def choice_keys(choices: tuple[Choice, ...]) -> list[str]:
    """What is printed beside each choice and typed at data entry.

    The codes themselves when they are short numbers (the SIPAS scale 1–5 and 9 for "không
    biết", as on the ministry's paper forms), else the choices' positions 1, 2, 3, ...
    """
    codes = [choice.name for choice in choices]
    if all(code.isascii() and code.isdigit() and len(code) <= 2 for code in codes):
        return codes
    return [str(position) for position in range(1, len(codes) + 1)]


def number_questions(questionnaire: Questionnaire) -> dict[str, int]:
    """Question name → its number on paper (notes carry no number)."""
    answerable = [q for q in questionnaire.questions if q.has_answer]
    return {q.name: position for position, q in enumerate(answerable, start=1)}


def paper_sections(questionnaire: Questionnaire, language: str = "vi") -> list[PaperSection]:
    numbers = number_questions(questionnaire)
    sections = []
    for section in questionnaire.sections:
        items = [
            PaperQuestion(numbers[q.name], q, skip_words(questionnaire, q, numbers, language))
            for q in section.questions
            if q.has_answer
        ]
        sections.append(PaperSection(section, tuple(_blocks(items))))
    return sections


def _blocks(items: list[PaperQuestion]) -> list[PaperBlock]:
    blocks: list[PaperBlock] = []
    run: list[PaperQuestion] = []

    def close_run() -> None:
        if len(run) >= 2:
            blocks.append(PaperBlock(tuple(run), run[0].question.choices))
        else:
            blocks.extend(PaperBlock((item,), None) for item in run)
        run.clear()

    for item in items:
        question = item.question
        if question.type == "select_one" and (
            not run or run[0].question.list_name == question.list_name
        ):
            run.append(item)
            continue
        close_run()
        if question.type == "select_one":
            run.append(item)
        else:
            blocks.append(PaperBlock((item,), None))
    close_run()
    return blocks


def skip_words(
    questionnaire: Questionnaire,
    question: Question,
    numbers: Mapping[str, int],
    language: str = "vi",
) -> str | None:
    """The question's `relevant` rule as an instruction a respondent can follow on paper."""
    if question.relevant is None:
        return None
    condition = _words(questionnaire, question.relevant.root, numbers, language)
    return f"Chỉ trả lời nếu {condition}." if language == "vi" else f"Answer only if {condition}."


def _choice_label(questionnaire: Questionnaire, name: str, code: str, language: str) -> str:
    choice = questionnaire.question(name).choice(code)
    return f"“{choice.label[language]}”" if choice is not None else f"“{code}”"


def _words(
    questionnaire: Questionnaire, node: Node, numbers: Mapping[str, int], language: str
) -> str:
    vi = language == "vi"
    match node:
        case Logical(operator=operator, left=left, right=right):
            joiner = (" và " if operator == "and" else " hoặc ") if vi else f" {operator} "
            return (
                _words(questionnaire, left, numbers, language)
                + joiner
                + _words(questionnaire, right, numbers, language)
            )
        case Not(operand=operand):
            inner = _words(questionnaire, operand, numbers, language)
            return f"không phải ({inner})" if vi else f"not ({inner})"
        case Selected(reference=reference, code=code):
            label = _choice_label(questionnaire, reference.name, code, language)
            number = numbers[reference.name]
            return f"ở câu {number} có chọn {label}" if vi else f"question {number} has {label}"
        case Comparison(operator=operator, left=Reference(name=name), right=Literal(value=value)):
            number = numbers[name]
            if questionnaire.question(name).choices and operator in ("=", "!="):
                label = _choice_label(questionnaire, name, str(value), language)
                verb = ("chọn" if operator == "=" else "không chọn") if vi else operator
                return (
                    f"ở câu {number} Ông/Bà {verb} {label}" if vi else f"Q{number} {verb} {label}"
                )
            words = OPERATOR_WORDS.get(operator, operator) if vi else operator
            return f"câu {number} {words} {value}" if vi else f"Q{number} {words} {value}"
    # Any other form of rule: quote it, naming the questions it depends on.
    referenced = ", ".join(str(numbers[r.name]) for r in _references(node) if r.name in numbers)
    return f"điều kiện theo câu {referenced}" if vi else f"the condition on Q{referenced}"


def _references(node: Node) -> list[Reference]:
    match node:
        case Reference():
            return [node]
        case Comparison(left=left, right=right) | Logical(left=left, right=right):
            return _references(left) + _references(right)
        case Not(operand=operand):
            return _references(operand)
        case Selected(reference=reference):
            return [reference]
    return []
