"""Quota cells: which cells a respondent falls in, how to select them, how to name them."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_

from survey_app.questionnaires.model import Questionnaire
from survey_app.responses.models import Response

SEX_AGE_SEPARATOR = ":"
DIMENSION_LABELS = {"field": "Lĩnh vực thủ tục", "sex_age": "Giới tính × nhóm tuổi"}


def sex_age_cell(sex: str, age_group: str) -> str:
    return f"{sex}{SEX_AGE_SEPARATOR}{age_group}"


def respondent_cells(field: str | None, sex: str | None, age_group: str | None) -> dict[str, str]:
    """The quota cells a respondent falls in, by dimension (unanswered dimensions are absent)."""
    cells: dict[str, str] = {}
    if field:
        cells["field"] = field
    if sex and age_group:
        cells["sex_age"] = sex_age_cell(sex, age_group)
    return cells


def cell_condition(dimension: str, cell: str) -> ColumnElement[bool]:
    """WHERE clause selecting the responses of one cell."""
    if dimension == "field":
        return Response.field == cell
    sex, _, age_group = cell.partition(SEX_AGE_SEPARATOR)
    return and_(Response.sex == sex, Response.age_group == age_group)


def _choice_label(questionnaire: Questionnaire, question: str, code: str) -> str:
    try:
        choice = questionnaire.question(question).choice(code)
    except KeyError:
        choice = None
    return choice.label.get("vi") if choice is not None else code


def cell_label(questionnaire: Questionnaire, dimension: str, cell: str) -> str:
    """The cell in the questionnaire's Vietnamese wording, e.g. "Nữ, 35–49"."""
    if dimension == "field":
        return _choice_label(questionnaire, "field", cell)
    sex, _, age_group = cell.partition(SEX_AGE_SEPARATOR)
    sex_label = _choice_label(questionnaire, "sex", sex)
    return f"{sex_label}, {_choice_label(questionnaire, 'age_group', age_group)}"


def cell_order(questionnaire: Questionnaire, dimension: str, cell: str) -> tuple[int, ...]:
    """Sort key: the order of the choices in the questionnaire (unknown codes last)."""
    questions = ("field",) if dimension == "field" else ("sex", "age_group")
    codes = (cell,) if dimension == "field" else tuple(cell.partition(SEX_AGE_SEPARATOR)[::2])
    key = []
    for question, code in zip(questions, codes, strict=True):
        try:
            names = [choice.name for choice in questionnaire.question(question).choices]
        except KeyError:
            names = []
        key.append(names.index(code) if code in names else len(names))
    return tuple(key)
