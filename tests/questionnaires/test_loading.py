"""Questionnaire loading and validation (whole forms inline, as in pyxform's tests) and answers."""

from __future__ import annotations

import dataclasses
import unicodedata
from pathlib import Path

import pytest

from survey_app.config import REPO_ROOT
from survey_app.questionnaires.answers import unknown_fields, validate_answers
from survey_app.questionnaires.loading import load_catalog, load_questionnaire, main
from survey_app.questionnaires.model import Problem, Questionnaire, QuestionnaireError

REPO = REPO_ROOT
QUESTIONNAIRES = REPO / "questionnaires"
DEFAULT_FORM = QUESTIONNAIRES / "sipas-commune" / "2021.1.toml"

BASE = """\
[settings]
form_id = "mini"
version = "1.0"
default_language = "vi"
form_title = { vi = "Khảo sát nhỏ", en = "Small survey" }

[[factors]]
name = "access"
label = { vi = "Tiếp cận", en = "Access" }

[[sections]]
name = "visit"
label = { vi = "Chuyến đi", en = "Visit" }

[[sections]]
name = "you"
label = { vi = "Về Ông/Bà", en = "About you" }

[[survey]]
name = "visited"
type = "select_one"
list_name = "yes_no"
section = "visit"
required = true
label = { vi = "Ông/Bà đã đến UBND xã?", en = "Did you visit the office?" }

[[survey]]
name = "access_1"
type = "select_one"
list_name = "satisfaction"
section = "visit"
factor = "access"
required = true
relevant = "${visited} = '1'"
label = { vi = "Biển chỉ dẫn rõ ràng", en = "Clear signs" }

[[survey]]
name = "channels"
type = "select_multiple"
list_name = "channels"
section = "visit"
constraint = { max_choices = 2 }
label = { vi = "Kênh thông tin", en = "Information channels" }

[[survey]]
name = "thanks"
type = "note"
section = "you"
label = { vi = "Cảm ơn", en = "Thank you" }

[[survey]]
name = "age"
type = "integer"
section = "you"
constraint = { min = 18, max = 120 }
label = { vi = "Tuổi", en = "Age" }

[[survey]]
name = "comment"
type = "text"
section = "you"
label = { vi = "Ý kiến khác", en = "Other comments" }

[[choices]]
list_name = "yes_no"
name = "1"
label = { vi = "Có", en = "Yes" }

[[choices]]
list_name = "yes_no"
name = "2"
label = { vi = "Không", en = "No" }

[[choices]]
list_name = "satisfaction"
name = "1"
value = 1
label = { vi = "Không hài lòng", en = "Dissatisfied" }

[[choices]]
list_name = "satisfaction"
name = "2"
value = 2
label = { vi = "Hài lòng", en = "Satisfied" }

[[choices]]
list_name = "satisfaction"
name = "9"
missing = true
label = { vi = "Không trả lời", en = "No answer" }

[[choices]]
list_name = "channels"
name = "radio"
label = { vi = "Đài", en = "Radio" }

[[choices]]
list_name = "channels"
name = "tv"
label = { vi = "Tivi", en = "TV" }

[[choices]]
list_name = "channels"
name = "web"
label = { vi = "Trang web", en = "Website" }
"""


def edit(text: str, old: str, new: str) -> str:
    """Replace a fragment that must occur exactly once, so a broken case breaks what it says."""
    assert text.count(old) == 1, f"fragment occurs {text.count(old)} times: {old!r}"
    return text.replace(old, new)


def write_form(tmp_path: Path, text: str, name: str = "form.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(path: Path) -> tuple[Problem, ...]:
    with pytest.raises(QuestionnaireError) as raised:
        load_questionnaire(path)
    return raised.value.problems


@pytest.fixture
def mini(tmp_path: Path) -> Questionnaire:
    return load_questionnaire(write_form(tmp_path, BASE))


@pytest.fixture(scope="module")
def sipas() -> Questionnaire:
    return load_questionnaire(DEFAULT_FORM)


# ------------------------------------------------------------------ every shipped file is valid


def shipped_files() -> list[Path]:
    return sorted(QUESTIONNAIRES.glob("*/*.toml"))


def test_the_default_questionnaire_is_shipped() -> None:
    assert DEFAULT_FORM in shipped_files()


@pytest.mark.parametrize(
    "path", shipped_files(), ids=lambda path: f"{path.parent.name}/{path.name}"
)
def test_every_shipped_questionnaire_validates(path: Path) -> None:
    questionnaire = load_questionnaire(path)
    assert (questionnaire.form_id, questionnaire.version) == (path.parent.name, path.stem)


def test_the_shipped_catalog_loads() -> None:
    catalog = load_catalog(QUESTIONNAIRES)
    assert catalog.latest("sipas-commune").version == "2021.2"
    assert catalog.get("sipas-commune", "2021.1").form_id == "sipas-commune"


# ------------------------------------------------------------------ the default SIPAS form


def test_sipas_scored_items_are_the_five_factors(sipas: Questionnaire) -> None:
    expected = {
        "access": 4,
        "procedures": 4,
        "civil_servants": 5,
        "results": 3,
        "feedback": 3,
    }
    items = sipas.scored_items()
    assert [factor.name for factor in sipas.factors] == list(expected)
    assert items == {
        f"{factor}_{number}": factor
        for factor, count in expected.items()
        for number in range(1, count + 1)
    }
    for name in [*items, "overall"]:
        question = sipas.question(name)
        assert (question.type, question.list_name, question.required) == (
            "select_one",
            "satisfaction",
            True,
        )
    assert sipas.question("overall").factor is None


def test_sipas_satisfaction_scale_and_no_answer(sipas: Questionnaire) -> None:
    scale = sipas.choices("satisfaction")
    assert [(c.name, c.value, c.missing) for c in scale] == [
        ("1", 1, False),
        ("2", 2, False),
        ("3", 3, False),
        ("4", 4, False),
        ("5", 5, False),
        ("9", None, True),
    ]
    assert [c.label["vi"] for c in scale] == [
        "Rất không hài lòng",
        "Không hài lòng",
        "Bình thường",
        "Hài lòng",
        "Rất hài lòng",
        "Không trả lời",
    ]


def test_sipas_feedback_items_only_after_feedback(sipas: Questionnaire) -> None:
    names = [q.name for q in sipas.questions]
    assert names.index("feedback_made") < names.index("feedback_1")
    for name in ("feedback_1", "feedback_2", "feedback_3"):
        assert sipas.is_relevant(name, {"feedback_made": "1"})
        assert not sipas.is_relevant(name, {"feedback_made": "2"})
        assert not sipas.is_relevant(name, {})


def test_sipas_grouping_questions_match_the_data_contract(sipas: Questionnaire) -> None:
    codes = {name: [c.name for c in sipas.question(name).choices] for name in ("sex", "field")}
    assert codes["sex"] == ["1", "2"]
    assert codes["field"] == [
        *("ho_tich", "chung_thuc", "ldtbxh", "dat_dai", "xay_dung"),
        *("nong_nghiep", "van_hoa", "giao_duc", "tu_phap", "khac"),
    ]
    assert [c.name for c in sipas.question("age_group").choices] == ["1", "2", "3", "4", "5"]
    assert sipas.question("field").required
    for name in ("sex", "age_group", "ethnicity", "education", "occupation", "comment"):
        assert not sipas.question(name).required, name
    dossier = sipas.question("dossier_code")
    assert (dossier.type, dossier.privacy, dossier.max_length, dossier.required) == (
        "text",
        "hashed",
        40,
        False,
    )
    assert sipas.question("comment").max_length == 1000


def test_sipas_is_short_bilingual_and_export_safe(sipas: Questionnaire) -> None:
    assert sipas.languages == ("vi", "en")
    assert len(sipas.questions) <= 30
    assert sipas.pages[0].name == "about_visit"
    assert sipas.description is not None
    assert "bí mật" in sipas.description["vi"]  # the confidentiality promise
    assert "5 phút" in sipas.description["vi"]
    for question in sipas.questions:
        assert len(question.name) <= 32
        for language in ("vi", "en"):
            assert question.label.translations[language].strip()
            # Composed Unicode, so the same word always compares and counts the same.
            assert unicodedata.is_normalized("NFC", question.label[language])


# ------------------------------------------------------------------ the error catalog


@dataclasses.dataclass(frozen=True)
class Broken:
    id: str
    old: str
    new: str
    location: str
    message: str
    fix: str
    alone: bool = True  # the only problem in the file


AGE = 'name = "age"\ntype = "integer"\n'
COMMENT = 'name = "comment"\ntype = "text"\n'
VISITED_REQUIRED = 'required = true\nlabel = { vi = "Ông/Bà đã đến'
RELEVANT = "relevant = \"${visited} = '1'\""
NEW_FACTOR = '[[factors]]\nname = "results"\nlabel = { vi = "Kết quả", en = "Results" }\n\n'
EMPTY_SECTION = '[[sections]]\nname = "empty"\nlabel = { vi = "Trống", en = "Empty" }\n\n'

# One catalog entry per case reads as a table; ruff would put each argument on its own line.
# fmt: off
BROKEN = [
    Broken("typo-key", VISITED_REQUIRED, VISITED_REQUIRED.replace("required", "requried"),
           "survey[1] 'visited'", "unknown key 'requried'", "did you mean 'required'?"),
    Broken("unknown-key", AGE, AGE + 'colour = "red"\n', "survey[5] 'age'", "unknown key 'colour'",
           "remove it; allowed keys here: name, type, section"),
    Broken("unknown-top-level-key", "[settings]", "[setting]", "file", "unknown key 'setting'",
           "did you mean 'settings'?", alone=False),
    Broken("unknown-settings-key", 'version = "1.0"\n', 'version = "1.0"\nyear = 2021\n',
           "settings", "unknown key 'year'", "allowed keys here: form_id, version"),
    Broken("settings-typo", 'version = "1.0"\n', 'version = "1.0"\ntitle = "x"\n', "settings",
           "unknown key 'title'", "did you mean 'form_title'?"),
    Broken("missing-key", '120 }\nlabel = { vi = "Tuổi", en = "Age" }\n', "120 }\n",
           "survey[5] 'age'", "missing 'label'", "add label = ..."),
    Broken("missing-language", 'label = { vi = "Tuổi", en = "Age" }', 'label = { vi = "Tuổi" }',
           "survey[5] 'age'", "'label' has no 'en' text",
           'add en = "..." to label: every text needs each of the form\'s languages (vi, en)'),
    Broken("empty-text", 'label = { vi = "Tuổi", en = "Age" }', 'label = { vi = "Tuổi", en = " " }',
           "survey[5] 'age'", "'label' has an empty 'en' text", 'add en = "..."'),
    Broken("undeclared-language", 'label = { vi = "Tuổi", en = "Age" }',
           'label = { vi = "Tuổi", en = "Age", fr = "Âge" }', "survey[5] 'age'",
           "'label' has a 'fr' text but the form has no language 'fr'",
           "declare the language by adding fr to settings.form_title"),
    Broken("label-not-a-table", 'label = { vi = "Tuổi", en = "Age" }', 'label = "Tuổi"',
           "survey[5] 'age'", "'label' must be a table of texts by language, not \"Tuổi\"",
           'write label = { vi = "...", en = "..." }'),
    Broken("duplicate-question", COMMENT, COMMENT.replace("comment", "age"), "survey[6] 'age'",
           "duplicate question name 'age' (first used by survey[5] 'age'",
           "give each question its own name"),
    Broken("invalid-name", AGE, AGE.replace('"age"', '"Age"'), "survey[5] 'Age'",
           "'name' \"Age\" is not valid", "use lowercase letters, digits and _"),
    Broken("long-name", COMMENT, COMMENT.replace("comment", "c" * 33), "survey[6]",
           "is 33 characters long (limit 32)", "it becomes an export column and an SPSS variable"),
    Broken("reserved-name", COMMENT, COMMENT.replace("comment", "unit_code"),
           "survey[6] 'unit_code'", "name 'unit_code' is reserved", "choose another name"),
    Broken("unknown-type", AGE, AGE.replace('"integer"', '"interger"'), "survey[5] 'age'",
           "unknown type 'interger'", "did you mean 'integer'?"),
    Broken("xlsform-select-type", 'type = "select_multiple"\nlist_name = "channels"\n',
           'type = "select_multiple channels"\n', "survey[3] 'channels'",
           "unknown type 'select_multiple channels'",
           'write type = "select_multiple" and list_name = "channels" as two keys', alone=False),
    Broken("select-without-list", 'list_name = "channels"\nsection', "section",
           "survey[3] 'channels'", "select_multiple question has no 'list_name'",
           "add list_name naming a [[choices]] list", alone=False),
    Broken("unknown-list", 'list_name = "channels"\nsection', 'list_name = "chanels"\nsection',
           "survey[3] 'channels'", "list_name 'chanels' has no [[choices]]",
           "did you mean 'channels'?", alone=False),
    Broken("unused-list", 'list_name = "channels"\nname = "web"',
           'list_name = "channel"\nname = "web"', "choices[8] 'channel' 'web'",
           "choice list 'channel' is not used by any question",
           'remove its [[choices]], or set list_name = "channel" on a select question'),
    Broken("list-on-integer", AGE, AGE + 'list_name = "yes_no"\n', "survey[5] 'age'",
           "'list_name' does not apply to integer questions",
           "remove it; it applies to select_one, select_multiple"),
    Broken("required-on-note", 'type = "note"\n', 'type = "note"\nrequired = true\n',
           "survey[4] 'thanks'", "'required' does not apply to note questions",
           "remove it; it applies to select_one, select_multiple, integer, text"),
    Broken("required-not-boolean", VISITED_REQUIRED,
           VISITED_REQUIRED.replace("required = true", 'required = "yes"'), "survey[1] 'visited'",
           "'required' must be true or false, not \"yes\"", "without quotes"),
    Broken("constraint-not-a-table", "constraint = { min = 18, max = 120 }", "constraint = 18",
           "survey[5] 'age'", "'constraint' must be a table", "constraint = { min = 18"),
    Broken("constraint-wrong-type", "{ min = 18, max = 120 }", "{ min = 18, max_length = 3 }",
           "survey[5] 'age'", "constraint 'max_length' does not apply to integer questions",
           "use min or max instead, or remove it"),
    Broken("constraint-typo", "{ min = 18, max = 120 }", "{ minimum = 18, max = 120 }",
           "survey[5] 'age'", "unknown constraint key 'minimum'", "did you mean 'min'?"),
    Broken("constraint-min-above-max", "{ min = 18, max = 120 }", "{ min = 120, max = 18 }",
           "survey[5] 'age'", "constraint min 120 is greater than max 18", "swap them"),
    Broken("constraint-not-whole", "{ min = 18, max = 120 }", "{ min = 18, max = 120.5 }",
           "survey[5] 'age'", "constraint 'max' must be a whole number", "max = 10"),
    Broken("constraint-on-select-one", VISITED_REQUIRED,
           VISITED_REQUIRED.replace("required = true", "constraint = { max = 1 }"),
           "survey[1] 'visited'", "'constraint' does not apply to select_one questions",
           "remove it; it applies to integer, text, select_multiple"),
    Broken("max-length-too-big", COMMENT, COMMENT + "constraint = { max_length = 5000 }\n",
           "survey[6] 'comment'", "constraint max_length 5000 is out of range",
           "use a number from 1 to 2000"),
    Broken("max-choices-too-many", "{ max_choices = 2 }", "{ max_choices = 4 }",
           "survey[3] 'channels'", "constraint max_choices 4 is out of range",
           "use a number from 1 to 3"),
    Broken("constraint-message-on-note", 'type = "note"\n',
           'type = "note"\nconstraint_message = { vi = "Sai", en = "Wrong" }\n',
           "survey[4] 'thanks'", "'constraint_message' does not apply to note questions",
           "remove it"),
    Broken("relevant-syntax", RELEVANT, 'relevant = "${visited} = "', "survey[2] 'access_1'",
           "relevant \"${visited} = \": expected a reference like ${name}, a quoted value, "
           "a number or '(' at character 14, found the end of the expression",
           "see 'relevant' in questionnaires/README.md"),
    Broken("relevant-unknown-question", RELEVANT, RELEVANT.replace("visited", "visted"),
           "survey[2] 'access_1'", "relevant refers to ${visted}, which is not a question",
           "did you mean 'visited'?"),
    Broken("relevant-later-question", RELEVANT, 'relevant = "${age} >= 18"', "survey[2] 'access_1'",
           "relevant refers to ${age}, which comes later in the form",
           "refer only to earlier questions, or move 'age' first"),
    Broken("relevant-itself", RELEVANT, "relevant = \"${access_1} = '1'\"", "survey[2] 'access_1'",
           "relevant refers to ${access_1}, the question itself",
           "refer only to earlier questions"),
    Broken("relevant-note", AGE, AGE + "relevant = \"${thanks} = ''\"\n", "survey[5] 'age'",
           "relevant refers to ${thanks}, a note, which has no answer",
           "refer to a question that has an answer"),
    Broken("relevant-unknown-code", RELEVANT, RELEVANT.replace("'1'", "'3'"),
           "survey[2] 'access_1'",
           "relevant uses '3' for ${visited}, which is not a choice of list 'yes_no'",
           "use one of: 1, 2"),
    Broken("selected-unknown-code", AGE, AGE + "relevant = \"selected(${channels}, 'tivi')\"\n",
           "survey[5] 'age'",
           "relevant uses 'tivi' for ${channels}, which is not a choice of list 'channels'",
           "use one of: radio, tv, web"),
    Broken("selected-on-integer", COMMENT, COMMENT + "relevant = \"selected(${age}, '1')\"\n",
           "survey[6] 'comment'",
           "selected() needs a select_one or select_multiple question, but ${age} is integer",
           "compare the value with = instead"),
    Broken("count-selected-on-select-one", AGE,
           AGE + 'relevant = "count-selected(${visited}) > 0"\n', "survey[5] 'age'",
           "count-selected() needs a select_multiple question, but ${visited} is select_one",
           "use count-selected() only on select_multiple questions"),
    Broken("unknown-factor", 'factor = "access"\nrequired', 'factor = "acess"\nrequired',
           "survey[2] 'access_1'", "factor 'acess' is not declared", "did you mean 'access'?",
           alone=False),
    Broken("factor-without-questions", '[[sections]]\nname = "visit"',
           NEW_FACTOR + '[[sections]]\nname = "visit"',
           "factors[2] 'results'", "factor 'results' has no questions",
           'set factor = "results" on its items, or remove the factor'),
    Broken("factor-on-unscored-list", VISITED_REQUIRED, 'factor = "access"\n' + VISITED_REQUIRED,
           "survey[1] 'visited'", "factor 'access' needs a scored list, but 'yes_no' has no values",
           "give each non-missing choice a value, or remove factor"),
    Broken("factor-on-integer", AGE, AGE + 'factor = "access"\n', "survey[5] 'age'",
           "'factor' does not apply to integer questions", "it applies to select_one"),
    Broken("privacy-unknown", COMMENT, COMMENT + 'privacy = "hash"\n', "survey[6] 'comment'",
           "privacy 'hash' is not known", 'write privacy = "hashed"'),
    Broken("privacy-on-integer", AGE, AGE + 'privacy = "hashed"\n', "survey[5] 'age'",
           "'privacy' does not apply to integer questions", "it applies to text"),
    Broken("scored-list-missing-a-value", 'name = "2"\nvalue = 2\n', 'name = "2"\n',
           "choices[3] 'satisfaction' '1'",
           "list 'satisfaction' gives values to some choices but not to '2'",
           "give every choice a value (a scored list), or none"),
    Broken("missing-choice-with-value", 'name = "9"\nmissing = true\n',
           'name = "9"\nmissing = true\nvalue = 9\n', "choices[5] 'satisfaction' '9'",
           "choice '9' is missing = true and has a value",
           "remove value: a missing answer never counts as a score"),
    Broken("value-not-a-number", 'name = "1"\nvalue = 1\n', 'name = "1"\nvalue = "1"\n',
           "choices[3] 'satisfaction' '1'", "'value' must be a number, not \"1\"",
           "write value = 1 (a number, without quotes)", alone=False),
    Broken("missing-not-boolean", "missing = true", 'missing = "yes"',
           "choices[5] 'satisfaction' '9'", "'missing' must be true or false, not \"yes\"",
           "without quotes", alone=False),
    Broken("duplicate-choice", 'name = "2"\nlabel = { vi = "Không"',
           'name = "1"\nlabel = { vi = "Không"', "choices[2] 'yes_no' '1'",
           "duplicate choice name '1' in list 'yes_no'", "give each choice of a list its own code"),
    Broken("invalid-choice-code", 'name = "web"', 'name = "web site"', "choices[8]",
           "'name' \"web site\" is not valid", "use letters, digits and _ only"),
    Broken("choice-code-not-a-string", 'name = "2"\nvalue = 2\n', "name = 2\nvalue = 2\n",
           "choices[4] 'satisfaction'", "'name' must be a quoted string, not 2",
           'write name = "2"'),
    Broken("empty-section", '[[sections]]\nname = "you"',
           EMPTY_SECTION + '[[sections]]\nname = "you"',
           "sections[2] 'empty'", "section 'empty' has no questions",
           'add questions with section = "empty", or remove the section'),
    Broken("unknown-section", AGE + 'section = "you"', AGE + 'section = "yuo"', "survey[5] 'age'",
           "section 'yuo' is not declared", "did you mean 'you'?"),
    Broken("section-out-of-order", COMMENT + 'section = "you"', COMMENT + 'section = "visit"',
           "survey[6] 'comment'",
           "question is in section 'visit' after questions of a later section",
           "keep each section's questions together, in the order of [[sections]]"),
    Broken("duplicate-section", 'name = "you"\nlabel = { vi = "Về Ông/Bà", en = "About you" }',
           'name = "visit"\nlabel = { vi = "Về Ông/Bà", en = "About you" }', "sections[2] 'visit'",
           "duplicate section name 'visit'", "give each section its own name", alone=False),
    Broken("version-not-a-string", 'version = "1.0"', "version = 1.0", "settings",
           "'version' must be a quoted string, not 1.0", 'write version = "1.0"'),
    Broken("version-format", 'version = "1.0"', 'version = "v1"', "settings",
           "'version' \"v1\" is not valid", 'use whole numbers separated by dots (like "2021.1")'),
    Broken("form-id-format", 'form_id = "mini"', 'form_id = "Mini Form"', "settings",
           "'form_id' \"Mini Form\" is not valid", "use lowercase letters, digits, - and _"),
    Broken("missing-settings-key", 'form_id = "mini"\n', "", "settings", "missing 'form_id'",
           "add form_id = ..."),
    Broken("default-language-without-title", 'default_language = "vi"', 'default_language = "km"',
           "settings", "default_language 'km' has no form_title text",
           "or set default_language to one of: vi, en", alone=False),
    Broken("bad-language-code", 'en = "Small survey"', 'English = "Small survey"', "settings",
           "form_title has a text for 'English', which is not a language code",
           "use a two- or three-letter lowercase code", alone=False),
]
# fmt: on


@pytest.mark.parametrize("case", BROKEN, ids=[case.id for case in BROKEN])
def test_broken_definition_is_reported_with_location_and_fix(tmp_path: Path, case: Broken) -> None:
    path = write_form(tmp_path, edit(BASE, case.old, case.new))
    problems = problems_of(path)
    matching = [p for p in problems if case.message in p.message]
    assert matching, "\n".join(str(p) for p in problems)
    problem = matching[0]
    assert problem.file == str(path)
    assert problem.location.startswith(case.location), problem.location
    assert case.fix in problem.fix
    if case.alone:
        assert problems == (problem,), "\n".join(str(p) for p in problems)


def test_every_problem_is_reported_at_once_in_file_order(tmp_path: Path) -> None:
    text = edit(BASE, VISITED_REQUIRED, VISITED_REQUIRED.replace("required", "requried"))
    text = edit(text, 'version = "1.0"', "version = 1.0")
    text = edit(text, "{ min = 18, max = 120 }", "{ min = 120, max = 18 }")
    text = edit(text, 'name = "9"\nmissing = true\n', 'name = "9"\nmissing = true\nvalue = 9\n')
    path = write_form(tmp_path, text)
    with pytest.raises(QuestionnaireError) as raised:
        load_questionnaire(path)
    lines = str(raised.value).splitlines()
    assert len(lines) == 4
    assert all(line.startswith(f"{path}: ") for line in lines)
    assert [p.location.split(" (")[0] for p in raised.value.problems] == [
        "settings",
        "survey[1] 'visited'",
        "survey[5] 'age'",
        "choices[5] 'satisfaction' '9'",
    ]
    header = line_of(text, 'name = "visited"') - 1  # the [[survey]] line above it
    assert lines[1] == (
        f"{path}: survey[1] 'visited' (line {header}): "
        "unknown key 'requried'. Fix: did you mean 'required'?"
    )


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if fragment in line)


def test_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = write_form(tmp_path, edit(BASE, 'name = "age"', 'name = "age'))
    (problem,) = problems_of(path)
    line = line_of(BASE, 'name = "age"')
    assert problem.location.startswith(f"line {line}, column ")
    assert problem.message.startswith("not valid TOML: ")


def test_a_form_without_questions_or_sections(tmp_path: Path) -> None:
    settings = BASE.split("[[factors]]")[0]
    problems = problems_of(write_form(tmp_path, settings))
    assert [(p.location, p.message) for p in problems] == [
        ("survey", "the form has no questions"),
        ("sections", "the form has no sections"),
    ]


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "form.toml"
    path.write_bytes(BASE.encode("cp1258", errors="replace"))
    (problem,) = problems_of(path)
    assert (problem.location, problem.message) == ("file", "is not UTF-8 text")


def test_missing_file(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path / "nope.toml")
    assert problem.message.startswith("cannot be read")


# ------------------------------------------------------------------ the catalog


def test_catalog_checks_folder_and_file_names(tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    write_form(tmp_path / "other", BASE, "1.0.toml")
    (tmp_path / "mini").mkdir()
    write_form(tmp_path / "mini", BASE, "2.0.toml")
    with pytest.raises(QuestionnaireError) as raised:
        load_catalog(tmp_path)
    assert [(Path(p.file).parent.name, p.message) for p in raised.value.problems] == [
        ("mini", "version '1.0' does not match the file name"),
        ("other", "form_id 'mini' does not match its folder 'other'"),
    ]
    assert "name the file 1.0.toml" in raised.value.problems[0].fix


def test_catalog_versions_latest_get_and_find(tmp_path: Path) -> None:
    folder = tmp_path / "mini"
    folder.mkdir()
    for version in ("1.2", "1.10", "1.9"):
        write_form(
            folder, edit(BASE, 'version = "1.0"', f'version = "{version}"'), f"{version}.toml"
        )
    (tmp_path / ".git").mkdir()  # hidden folders are not forms
    (tmp_path / "README.md").write_text("docs", encoding="utf-8")
    catalog = load_catalog(tmp_path)
    assert catalog.form_ids() == ("mini",)
    assert catalog.versions("mini") == ("1.2", "1.9", "1.10")
    assert catalog.latest("mini").version == "1.10"
    assert catalog.get("mini", "1.9").version == "1.9"
    assert catalog.find("mini", "3.0") is None
    assert catalog.find("maxi", "1.2") is None
    with pytest.raises(KeyError, match=r"known versions: 1\.2, 1\.9, 1\.10"):
        catalog.get("mini", "3.0")
    with pytest.raises(KeyError, match="known forms: mini"):
        catalog.latest("maxi")


def test_catalog_reports_problems_of_every_file(tmp_path: Path) -> None:
    folder = tmp_path / "mini"
    folder.mkdir()
    write_form(folder, edit(BASE, 'version = "1.0"', "version = 1.0"), "1.0.toml")
    write_form(folder, edit(BASE, 'version = "1.0"', 'version = "1.1"\nlang = 1'), "1.1.toml")
    with pytest.raises(QuestionnaireError) as raised:
        load_catalog(tmp_path)
    assert [Path(p.file).name for p in raised.value.problems] == ["1.0.toml", "1.1.toml"]


def test_catalog_root_must_be_a_folder(tmp_path: Path) -> None:
    with pytest.raises(QuestionnaireError, match="is not a folder"):
        load_catalog(tmp_path / "missing")


# ------------------------------------------------------------------ the model


def test_model_gives_questions_pages_and_choices(mini: Questionnaire) -> None:
    assert (mini.form_id, mini.version, mini.default_language) == ("mini", "1.0", "vi")
    assert mini.title["en"] == "Small survey"
    assert mini.title["fr"] == "Khảo sát nhỏ"  # unknown language: the default language
    assert [q.name for q in mini.questions] == [
        *("visited", "access_1", "channels", "thanks", "age", "comment"),
    ]
    assert [(p.name, [q.name for q in p.questions]) for p in mini.pages] == [
        ("visit", ["visited", "access_1", "channels"]),
        ("you", ["thanks", "age", "comment"]),
    ]
    assert [q.name for q in mini.fields] == ["visited", "access_1", "channels", "age", "comment"]
    assert mini.question("age").constraint.min == 18
    assert mini.question("comment").max_length == 500  # the default for text
    assert [c.name for c in mini.choices("channels")] == ["radio", "tv", "web"]
    assert mini.scored_items() == {"access_1": "access"}
    with pytest.raises(KeyError, match="no question 'nope'"):
        mini.question("nope")
    with pytest.raises(KeyError, match="no choice list 'nope'"):
        mini.choices("nope")
    with pytest.raises(dataclasses.FrozenInstanceError):
        mini.version = "2.0"  # type: ignore[misc]


def test_relevance_hides_whatever_depends_on_a_hidden_question(tmp_path: Path) -> None:
    text = edit(BASE, AGE, AGE + "relevant = \"${access_1} = '2'\"\n")
    questionnaire = load_questionnaire(write_form(tmp_path, text))
    answers = {"visited": "1", "access_1": "2"}
    assert questionnaire.is_relevant("age", answers)
    # access_1 is hidden once visited = 2, so its stale answer must not show age.
    assert not questionnaire.is_relevant("age", {**answers, "visited": "2"})
    assert questionnaire.relevance({"visited": "2", "access_1": "2"}) == {
        "visited": True,
        "access_1": False,
        "channels": True,
        "thanks": True,
        "age": False,
        "comment": True,
    }
    with pytest.raises(KeyError):
        questionnaire.is_relevant("nope", answers)


# ------------------------------------------------------------------ accepting answers


def test_valid_answers_are_typed(mini: Questionnaire) -> None:
    result = validate_answers(
        mini,
        {
            "visited": ["1"],
            "access_1": ["9"],  # "no answer" is an answer, mapped to missing later
            "channels": ["web", "radio"],
            "age": [" 42 "],
            "comment": ["  Tốt \r\n lắm  "],
        },
        "vi",
    )
    assert result.errors == {}
    assert result.ok
    assert result.values == {
        "visited": "1",
        "access_1": "9",
        "channels": ["radio", "web"],  # list order, whatever the order sent
        "age": 42,
        "comment": "Tốt \n lắm",
    }


def test_unanswered_optional_questions_are_none(mini: Questionnaire) -> None:
    result = validate_answers(mini, {"visited": ["2"], "comment": ["   "], "age": [""]}, "vi")
    assert result.errors == {}
    assert result.values == {
        "visited": "2",
        "access_1": None,
        "channels": None,
        "age": None,
        "comment": None,
    }


@pytest.mark.parametrize(
    ("raw", "name", "vi", "en"),
    [
        ({"visited": []}, "visited", "Vui lòng chọn một câu trả lời.", "Please choose an answer."),
        (
            {"visited": ["3"]},
            "visited",
            "Lựa chọn không hợp lệ.",
            "This is not one of the options.",
        ),
        (
            {"visited": ["1", "2"]},
            "visited",
            "Vui lòng chỉ chọn một câu trả lời.",
            "Please choose only one answer.",
        ),
        (
            {"visited": ["1"]},
            "access_1",
            "Vui lòng chọn một câu trả lời.",
            "Please choose an answer.",
        ),
        (
            {"age": ["17"]},
            "age",
            "Giá trị phải từ 18 đến 120.",
            "The value must be from 18 to 120.",
        ),
        (
            {"age": ["121"]},
            "age",
            "Giá trị phải từ 18 đến 120.",
            "The value must be from 18 to 120.",
        ),
        ({"age": ["abc"]}, "age", "Vui lòng nhập một số nguyên.", "Please enter a whole number."),
        ({"age": ["18.5"]}, "age", "Vui lòng nhập một số nguyên.", "Please enter a whole number."),
        ({"age": ["1_8"]}, "age", "Vui lòng nhập một số nguyên.", "Please enter a whole number."),
        ({"age": ["٤٢"]}, "age", "Vui lòng nhập một số nguyên.", "Please enter a whole number."),
        (
            {"age": ["20", "30"]},
            "age",
            "Chỉ được nhập một giá trị.",
            "Please enter only one value.",
        ),
        ({"comment": ["x" * 501]}, "comment", "Tối đa 500 ký tự.", "At most 500 characters."),
        (
            {"channels": ["radio", "tv", "web"]},
            "channels",
            "Chọn tối đa 2 câu trả lời.",
            "Choose at most 2 answers.",
        ),
        (
            {"channels": ["radio", "radio"]},
            "channels",
            "Mỗi lựa chọn chỉ được chọn một lần.",
            "Each option can be chosen only once.",
        ),
        (
            {"channels": ["fax"]},
            "channels",
            "Lựa chọn không hợp lệ.",
            "This is not one of the options.",
        ),
    ],
)
def test_rejected_answers_in_both_languages(
    mini: Questionnaire, raw: dict[str, list[str]], name: str, vi: str, en: str
) -> None:
    submitted = {"visited": ["2"], **raw}
    assert validate_answers(mini, submitted, "vi").errors.get(name) == vi
    english = validate_answers(mini, submitted, "en")
    assert english.errors.get(name) == en
    assert english.values[name] is None  # a rejected answer is never kept
    assert not english.ok


def test_unknown_language_falls_back_to_the_form_default(mini: Questionnaire) -> None:
    assert validate_answers(mini, {}, "fr").errors["visited"] == "Vui lòng chọn một câu trả lời."


def test_text_length_counts_composed_characters(mini: Questionnaire) -> None:
    # Decomposed (as some keyboards send it): 3 code points per letter, 500 letters.
    long_decomposed = unicodedata.normalize("NFD", "ệ" * 500)
    assert len(long_decomposed) == 1500
    result = validate_answers(mini, {"visited": ["2"], "comment": [long_decomposed]}, "vi")
    assert result.errors == {}
    assert result.values["comment"] == "ệ" * 500
    control = validate_answers(mini, {"visited": ["2"], "comment": ["a\x00b\x07c"]}, "vi")
    assert control.values["comment"] == "abc"


def test_answers_to_questions_that_are_not_relevant_are_dropped(mini: Questionnaire) -> None:
    result = validate_answers(mini, {"visited": ["2"], "access_1": ["not-a-code"]}, "vi")
    assert result.errors == {}
    assert result.values["access_1"] is None
    # An invalid answer counts as unanswered for what depends on it.
    invalid = validate_answers(mini, {"visited": ["7"], "access_1": ["1"]}, "vi")
    assert set(invalid.errors) == {"visited"}
    assert invalid.values["access_1"] is None


def test_constraint_message_replaces_the_range_message(tmp_path: Path) -> None:
    message = 'constraint_message = { vi = "Tuổi từ 18.", en = "Aged 18 or over." }\n'
    questionnaire = load_questionnaire(write_form(tmp_path, edit(BASE, AGE, AGE + message)))
    submitted = {"visited": ["2"], "age": ["12"]}
    assert validate_answers(questionnaire, submitted, "vi").errors == {"age": "Tuổi từ 18."}
    assert validate_answers(questionnaire, submitted, "en").errors == {"age": "Aged 18 or over."}
    # Not for a value that is not a number: that is not the constraint failing.
    wrong = validate_answers(questionnaire, {"visited": ["2"], "age": ["x"]}, "en")
    assert wrong.errors == {"age": "Please enter a whole number."}


@pytest.mark.parametrize(
    ("constraint", "value", "en"),
    [
        ("{ min = 18 }", "17", "The value must be at least 18."),
        ("{ max = 120 }", "121", "The value must be at most 120."),
        ("{ max = 120 }", "-1000000000", "The value must be at least -999999999."),
    ],
)
def test_one_sided_integer_ranges(tmp_path: Path, constraint: str, value: str, en: str) -> None:
    text = edit(BASE, "{ min = 18, max = 120 }", constraint)
    questionnaire = load_questionnaire(write_form(tmp_path, text))
    result = validate_answers(questionnaire, {"visited": ["2"], "age": [value]}, "en")
    assert result.errors == {"age": en}


def test_validate_answers_does_not_mutate_the_submission(mini: Questionnaire) -> None:
    raw = {"visited": ["1"], "access_1": ["2"], "channels": ["web", "tv"]}
    validate_answers(mini, raw, "vi")
    assert raw == {"visited": ["1"], "access_1": ["2"], "channels": ["web", "tv"]}


def test_unknown_fields(mini: Questionnaire) -> None:
    assert unknown_fields(mini, ["visited", "age", "thanks", "evil"]) == {"thanks", "evil"}
    assert unknown_fields(mini, []) == set()


def test_a_complete_sipas_response(sipas: Questionnaire) -> None:
    raw = {name: ["4"] for name in sipas.scored_items()}
    raw |= {"field": ["ho_tich"], "feedback_made": ["2"], "overall": ["5"], "sex": ["2"]}
    raw |= {"dossier_code": ["  HS-2021-000123 "]}
    result = validate_answers(sipas, raw, "vi")
    assert result.errors == {}
    assert [result.values[f"feedback_{n}"] for n in (1, 2, 3)] == [None, None, None]
    assert result.values["access_1"] == "4"
    assert result.values["dossier_code"] == "HS-2021-000123"
    assert result.values["age_group"] is None
    missing = validate_answers(sipas, {**raw, "field": [], "feedback_made": ["1"]}, "en")
    assert missing.errors == {"field": "Please choose an answer."}  # feedback_n were answered
    no_feedback = {k: v for k, v in raw.items() if not k.startswith("feedback_")}
    asked = validate_answers(sipas, {**no_feedback, "feedback_made": ["1"]}, "vi")
    assert set(asked.errors) == {"feedback_1", "feedback_2", "feedback_3"}


# ------------------------------------------------------------------ documentation and command


def test_the_readme_example_is_a_valid_form(tmp_path: Path) -> None:
    readme = (QUESTIONNAIRES / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    (tmp_path / "example").mkdir()
    write_form(tmp_path / "example", example, "1.0.toml")
    questionnaire = load_catalog(tmp_path).latest("example")
    assert [q.name for q in questionnaire.questions] == [
        *("civil_servants_1", "feedback_made", "feedback_detail", "age"),
    ]
    assert questionnaire.scored_items() == {"civil_servants_1": "civil_servants"}


def test_command_checks_files_and_folders(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = write_form(
        tmp_path, edit(BASE, VISITED_REQUIRED, 'requried = true\nlabel = { vi = "x')
    )
    assert main([str(DEFAULT_FORM)]) == 0
    assert main([str(QUESTIONNAIRES)]) == 0
    assert main([str(broken)]) == 1
    out, err = capsys.readouterr()
    shipped = [
        f"ok {QUESTIONNAIRES / 'sipas-commune' / v}.toml: 29 questions"
        for v in ("2021.1", "2021.2")
    ]
    assert out.splitlines() == [f"ok {DEFAULT_FORM}: 29 questions", *shipped]
    assert "survey[1] 'visited'" in err
    assert "unknown key 'requried'. Fix: did you mean 'required'?" in err
