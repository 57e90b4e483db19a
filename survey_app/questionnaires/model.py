"""Frozen dataclasses for a loaded questionnaire, and the error type listing every problem.

Built only by `survey_app.questionnaires` after validation, so every cross-reference here holds
(list names exist, factors are declared, `relevant` refers only to earlier questions).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from survey_app.questionnaires.expressions import AnswerValue, Expression, evaluate

QUESTION_TYPES = ("select_one", "select_multiple", "integer", "text", "note")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a questionnaire file: where, what, and how to fix it."""

    file: str
    location: str
    message: str
    fix: str

    def __str__(self) -> str:
        return f"{self.file}: {self.location}: {self.message}. Fix: {self.fix}"


class QuestionnaireError(ValueError):
    """Raised with every problem found, so one edit-and-reload cycle can fix them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class Text:
    """A text in several languages; `get` falls back to the form's default language."""

    translations: Mapping[str, str]
    default_language: str

    def get(self, language: str) -> str:
        return self.translations.get(language, self.translations[self.default_language])

    def __getitem__(self, language: str) -> str:
        """`label[language]`, as templates write it; same fallback as `get`."""
        return self.get(language)


def make_text(translations: Mapping[str, str], default_language: str) -> Text:
    return Text(MappingProxyType(dict(translations)), default_language)


@dataclass(frozen=True)
class Factor:
    name: str
    label: Text


@dataclass(frozen=True)
class Choice:
    list_name: str
    name: str
    label: Text
    value: int | float | None
    missing: bool


@dataclass(frozen=True)
class Constraint:
    """Limits on an answer; only the ones that apply to the question's type are ever set."""

    min: int | None = None
    max: int | None = None
    max_length: int | None = None
    max_choices: int | None = None


@dataclass(frozen=True)
class Question:
    name: str
    type: str
    section: str
    label: Text
    hint: Text | None
    list_name: str | None
    choices: tuple[Choice, ...]
    required: bool
    relevant: Expression | None
    constraint: Constraint
    constraint_message: Text | None
    factor: str | None
    privacy: str | None

    @property
    def has_answer(self) -> bool:
        """Notes only display text; every other type yields an answer (an export column)."""
        return self.type != "note"

    @property
    def max_length(self) -> int | None:
        """Maximum characters of a text answer (None for other types)."""
        return self.constraint.max_length

    def choice(self, code: str) -> Choice | None:
        return next((choice for choice in self.choices if choice.name == code), None)


@dataclass(frozen=True)
class Section:
    """A page of the phone form: its questions in form order."""

    name: str
    label: Text
    hint: Text | None
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Questionnaire:
    form_id: str
    version: str
    title: Text
    description: Text | None  # the introduction: purpose, confidentiality, ~5 minutes
    default_language: str
    languages: tuple[str, ...]
    factors: tuple[Factor, ...]
    sections: tuple[Section, ...]
    choice_lists: Mapping[str, tuple[Choice, ...]]
    source: str
    source_sha256: str  # lets the app notice if a published version was edited in place

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(question for section in self.sections for question in section.questions)

    @property
    def pages(self) -> tuple[Section, ...]:
        return self.sections

    @property
    def fields(self) -> tuple[Question, ...]:
        """Questions that hold an answer, in form order: the export columns."""
        return tuple(question for question in self.questions if question.has_answer)

    def question(self, name: str) -> Question:
        for question in self.questions:
            if question.name == name:
                return question
        raise KeyError(f"questionnaire {self.form_id} {self.version} has no question {name!r}")

    def choices(self, list_name: str) -> tuple[Choice, ...]:
        if list_name not in self.choice_lists:
            raise KeyError(
                f"questionnaire {self.form_id} {self.version} has no choice list {list_name!r}"
            )
        return self.choice_lists[list_name]

    def scored_items(self) -> dict[str, str]:
        """Question name → SIPAS factor code, for every item that counts towards a factor."""
        return {q.name: q.factor for q in self.questions if q.factor is not None}

    def relevance(self, answers: Mapping[str, AnswerValue]) -> dict[str, bool]:
        """Which questions are shown, given the answers so far (name → relevant).

        One pass in form order: a question that is not relevant counts as unanswered for the
        questions after it, so hiding a question also hides whatever depends on it.
        """
        visible: dict[str, AnswerValue] = {}
        shown: dict[str, bool] = {}
        for question in self.questions:
            relevant = question.relevant is None or evaluate(question.relevant, visible)
            shown[question.name] = relevant
            visible[question.name] = answers.get(question.name) if relevant else None
        return shown

    def is_relevant(self, question: Question | str, answers: Mapping[str, AnswerValue]) -> bool:
        name = question if isinstance(question, str) else question.name
        self.question(name)  # an unknown name is a programming error, not "not relevant"
        return self.relevance(answers)[name]


@dataclass(frozen=True)
class Catalog:
    """Every published version of every form under the questionnaires folder."""

    forms: Mapping[str, Mapping[str, Questionnaire]]

    def form_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self.forms))

    def versions(self, form_id: str) -> tuple[str, ...]:
        """Versions of a form, oldest first (numeric order: 2021.2 before 2021.10)."""
        return tuple(sorted(self.forms.get(form_id, {}), key=version_key))

    def find(self, form_id: str, version: str) -> Questionnaire | None:
        """The questionnaire, or None when that form or version is not published."""
        return self.forms.get(form_id, {}).get(version)

    def get(self, form_id: str, version: str) -> Questionnaire:
        """The questionnaire; KeyError naming the known versions when it is not published."""
        try:
            return self.forms[form_id][version]
        except KeyError:
            known = ", ".join(self.versions(form_id)) or "none"
            raise KeyError(
                f"no questionnaire {form_id!r} version {version!r} (known versions: {known})"
            ) from None

    def latest(self, form_id: str) -> Questionnaire:
        versions = self.versions(form_id)
        if not versions:
            known = ", ".join(self.form_ids()) or "none"
            raise KeyError(f"no questionnaire {form_id!r} (known forms: {known})")
        return self.forms[form_id][versions[-1]]


def version_key(version: str) -> tuple[int, ...]:
    """Order versions like 2021.1 < 2021.2 < 2021.10 < 2022.1 (validated to be dotted digits)."""
    return tuple(int(part) for part in version.split("."))
