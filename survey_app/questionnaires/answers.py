"""Server-side acceptance of answers: the single source of truth for what a response may hold.

Pure functions of a Questionnaire and the submitted form fields; the browser's own checks
(required, maxlength) are a convenience only.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from survey_app.questionnaires.expressions import AnswerValue, evaluate
from survey_app.questionnaires.model import Question, Questionnaire

# Without min/max an integer still has to fit a database integer column.
INTEGER_LIMIT = 999_999_999
_INTEGER = re.compile(r"[+-]?[0-9]{1,12}")  # ASCII digits only: int() would accept "1_000", "١٢"
# C0 control characters other than tab and newline cannot be typed on a phone, and PostgreSQL
# rejects NUL in text; drop them rather than fail the respondent.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

MESSAGES: dict[str, dict[str, str]] = {
    "choose_one": {"vi": "Vui lòng chọn một câu trả lời.", "en": "Please choose an answer."},
    "choose_some": {
        "vi": "Vui lòng chọn ít nhất một câu trả lời.",
        "en": "Please choose at least one answer.",
    },
    "enter": {"vi": "Vui lòng nhập câu trả lời.", "en": "Please enter an answer."},
    "only_one_choice": {
        "vi": "Vui lòng chỉ chọn một câu trả lời.",
        "en": "Please choose only one answer.",
    },
    "only_one_value": {"vi": "Chỉ được nhập một giá trị.", "en": "Please enter only one value."},
    "unknown_choice": {"vi": "Lựa chọn không hợp lệ.", "en": "This is not one of the options."},
    "repeated_choice": {
        "vi": "Mỗi lựa chọn chỉ được chọn một lần.",
        "en": "Each option can be chosen only once.",
    },
    "max_choices": {"vi": "Chọn tối đa {max} câu trả lời.", "en": "Choose at most {max} answers."},
    "not_integer": {"vi": "Vui lòng nhập một số nguyên.", "en": "Please enter a whole number."},
    "range": {
        "vi": "Giá trị phải từ {min} đến {max}.",
        "en": "The value must be from {min} to {max}.",
    },
    "at_least": {
        "vi": "Giá trị phải lớn hơn hoặc bằng {min}.",
        "en": "The value must be at least {min}.",
    },
    "at_most": {
        "vi": "Giá trị phải nhỏ hơn hoặc bằng {max}.",
        "en": "The value must be at most {max}.",
    },
    "too_long": {"vi": "Tối đa {max} ký tự.", "en": "At most {max} characters."},
}


@dataclass(frozen=True)
class ValidatedAnswers:
    """Answers by question name (None = unanswered or not relevant) and errors by name."""

    values: dict[str, AnswerValue]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


class _RejectedAnswer(Exception):
    """An answer that cannot be accepted; carries the message key and its parameters."""

    def __init__(self, key: str, constraint: bool = False, **params: int) -> None:
        super().__init__(key)
        self.key = key
        self.constraint = constraint  # True: the question's constraint_message replaces it
        self.params = params


def validate_answers(
    questionnaire: Questionnaire, raw: Mapping[str, list[str]], language: str = "vi"
) -> ValidatedAnswers:
    """Check submitted fields (name → every value sent, as request.form.getlist gives them).

    Walks the questions in form order so `relevant` sees the answers accepted before it: an
    answer to a question that is not relevant is dropped (None) and never an error; an invalid
    answer counts as unanswered for the questions after it. Fields of pages not shown yet come
    out as "required" errors, so a page-by-page view keeps only the errors of the pages shown.
    Messages are in `language` (falling back to the form's default language, then Vietnamese).
    """
    values: dict[str, AnswerValue] = {}
    errors: dict[str, str] = {}
    for question in questionnaire.fields:
        values[question.name] = None
        if question.relevant is not None and not evaluate(question.relevant, values):
            continue
        try:
            values[question.name] = _accept(question, raw.get(question.name, []))
        except _RejectedAnswer as invalid:
            errors[question.name] = _message(questionnaire, question, invalid, language)
    return ValidatedAnswers(values, errors)


def unknown_fields(questionnaire: Questionnaire, field_names: Iterable[str]) -> set[str]:
    """Submitted names that are not answerable questions of this form (notes are not)."""
    return set(field_names) - {question.name for question in questionnaire.fields}


def _accept(question: Question, submitted: list[str]) -> AnswerValue:
    if question.type == "select_multiple":
        return _accept_codes(question, [code.strip() for code in submitted if code.strip()])
    present = [value for value in submitted if _clean(value)]
    if len(present) > 1:
        raise _RejectedAnswer(
            "only_one_choice" if question.type == "select_one" else "only_one_value"
        )
    if not present:
        if question.required:
            raise _RejectedAnswer("choose_one" if question.type == "select_one" else "enter")
        return None
    if question.type == "select_one":
        code = present[0].strip()
        if question.choice(code) is None:
            raise _RejectedAnswer("unknown_choice")
        return code
    if question.type == "integer":
        return _accept_integer(question, present[0].strip())
    text = _clean(present[0])
    limit = question.constraint.max_length
    if limit is not None and len(text) > limit:
        raise _RejectedAnswer("too_long", constraint=True, max=limit)
    return text


def _accept_codes(question: Question, codes: list[str]) -> list[str] | None:
    if not codes:
        if question.required:
            raise _RejectedAnswer("choose_some")
        return None
    if any(question.choice(code) is None for code in codes):
        raise _RejectedAnswer("unknown_choice")
    if len(set(codes)) != len(codes):
        raise _RejectedAnswer("repeated_choice")
    limit = question.constraint.max_choices
    if limit is not None and len(codes) > limit:
        raise _RejectedAnswer("max_choices", constraint=True, max=limit)
    # The order of the choice list, so equal answers are stored and exported identically.
    return [choice.name for choice in question.choices if choice.name in codes]


def _accept_integer(question: Question, text: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise _RejectedAnswer("not_integer")
    number = int(text)
    low, high = question.constraint.min, question.constraint.max
    lowest = low if low is not None else -INTEGER_LIMIT
    highest = high if high is not None else INTEGER_LIMIT
    if lowest <= number <= highest:
        return number
    if low is not None and high is not None:
        raise _RejectedAnswer("range", constraint=True, min=lowest, max=highest)
    if number < lowest:
        raise _RejectedAnswer("at_least", constraint=low is not None, min=lowest)
    raise _RejectedAnswer("at_most", constraint=high is not None, max=highest)


def _clean(text: str) -> str:
    """NFC (Vietnamese has composed and decomposed spellings), one kind of newline, trimmed."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def _message(
    questionnaire: Questionnaire, question: Question, invalid: _RejectedAnswer, language: str
) -> str:
    if invalid.constraint and question.constraint_message is not None:
        return question.constraint_message.get(language)
    texts = MESSAGES[invalid.key]
    for candidate in (language, questionnaire.default_language):
        if candidate in texts:
            return texts[candidate].format(**invalid.params)
    return texts["vi"].format(**invalid.params)
