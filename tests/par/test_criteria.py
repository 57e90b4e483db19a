"""PAR criteria sets: the shipped default, and a validator that reports every problem at once
with its file, location and fix."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask

from survey_app.config import REPO_ROOT
from survey_app.par.criteria import load_criteria_catalog, load_criteria_set
from survey_app.par.criteria_model import CriteriaError
from survey_app.par.rounds import criteria_catalog

ROOT = REPO_ROOT / "questionnaires" / "criteria"

# A whole, valid set: 2 fields (3 + 2 points) + satisfaction 5 = 10.
VALID = """
[settings]
set_id = "tiny"
version = "1.0"
default_language = "vi"
title = { vi = "Bộ nhỏ", en = "Tiny set" }
total_points = 10

[[fields]]
code = "1"
label = { vi = "Lĩnh vực 1", en = "Field 1" }
max_points = 3
evidence_required = true

[[fields]]
code = "2"
label = { vi = "Lĩnh vực 2", en = "Field 2" }
max_points = 2

[satisfaction]
code = "3"
label = { vi = "Hài lòng", en = "Satisfaction" }
max_points = 5

[[criteria]]
field = "1"
code = "1.1"
label = { vi = "Tiêu chí 1.1", en = "Criterion 1.1" }
max_points = 3

[[criteria]]
field = "2"
code = "2.1"
label = { vi = "Tiêu chí 2.1", en = "Criterion 2.1" }
max_points = 2
scoring = { vi = "Đạt: 2; không: 0", en = "Met: 2; not: 0" }

[[sub_criteria]]
criterion = "1.1"
code = "1.1.1"
label = { vi = "Tiêu chí con 1.1.1", en = "Sub-criterion 1.1.1" }
max_points = 2.7
scoring = { vi = "Đạt: 2,7", en = "Met: 2.7" }

[[sub_criteria]]
criterion = "1.1"
code = "1.1.2"
label = { vi = "Tiêu chí con 1.1.2", en = "Sub-criterion 1.1.2" }
max_points = 0.3
scoring = { vi = "Đạt: 0,3", en = "Met: 0.3" }
evidence_required = false
"""


def _write(tmp_path: Path, text: str, name: str = "tiny/1.0.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path: Path, text: str) -> str:
    with pytest.raises(CriteriaError) as raised:
        load_criteria_set(_write(tmp_path, text))
    return str(raised.value)


def test_the_default_set_is_hà_tĩnh_shaped_and_every_maximum_comes_from_the_file() -> None:
    criteria = load_criteria_set(ROOT / "ha-tinh-commune" / "2021.1.toml")
    assert len(criteria.fields) + 1 == 9  # 8 appraised fields + the survey block
    assert criteria.appraised_max == 70
    assert criteria.satisfaction.max_points == 30
    assert criteria.total_points == 100
    for field in criteria.fields:
        assert sum(c.max_points for c in field.criteria) == field.max_points
        for criterion in field.criteria:
            if criterion.sub_criteria:
                assert sum(s.max_points for s in criterion.sub_criteria) == criterion.max_points
    items = criteria.items()
    assert sum(item.max_points for item in items) == 70
    assert len({item.code for item in items}) == len(items)
    assert all(item.label.get("vi") and item.label.get("en") for item in items)
    assert all(item.scoring.get("vi") for item in items)
    source = (ROOT / "ha-tinh-commune" / "2021.1.toml").read_text(encoding="utf-8")
    assert "52/2019/QĐ-UBND" in source
    assert "ILLUSTRATIVE" in source


def test_the_app_loads_the_criteria_catalog(app: Flask) -> None:
    with app.app_context():
        assert criteria_catalog().versions("ha-tinh-commune") == ("2021.1",)


def test_a_valid_set_builds_with_exact_sums_and_inherited_evidence(tmp_path: Path) -> None:
    criteria = load_criteria_set(_write(tmp_path, VALID))
    # 2.7 + 0.3 is exactly 3 (Decimal), not 2.9999999999999996.
    assert criteria.appraised_max == Decimal(5)
    assert [item.code for item in criteria.items()] == ["1.1.1", "1.1.2", "2.1"]
    # 1.1.1 inherits evidence_required from field 1; 1.1.2 says false; field 2 has none.
    assert [item.evidence_required for item in criteria.items()] == [True, False, False]
    assert criteria.item("2.1").criterion_label.get("en") == "Criterion 2.1"


def test_sub_criteria_that_do_not_add_up_are_reported_clearly(tmp_path: Path) -> None:
    message = _problems(tmp_path, VALID.replace("max_points = 0.3", "max_points = 0.5"))
    assert "tiny/1.0.toml: criteria[1] '1.1' (line" in message
    assert (
        "the maxima of its sub-criteria add up to 3.2 (1.1.1: 2.7, 1.1.2: 0.5), "
        "but '1.1' has max_points = 3"
    ) in message
    assert (
        "Fix: change max_points of '1.1' or of its sub-criteria so that they are equal" in message
    )


def test_criteria_that_do_not_add_up_to_the_field_and_a_wrong_total(tmp_path: Path) -> None:
    text = VALID.replace("max_points = 2\nscoring", "max_points = 1.5\nscoring")
    message = _problems(tmp_path, text)
    assert "fields[2] '2'" in message
    assert "the maxima of its criteria add up to 1.5 (2.1: 1.5), but '2' has max_points = 2" in (
        message
    )
    message = _problems(tmp_path, VALID.replace("total_points = 10", "total_points = 100"))
    assert "settings: fields (5 points) plus satisfaction (5) add up to 10" in message
    assert "but total_points is 100" in message


def test_every_problem_is_reported_at_once_with_suggestions(tmp_path: Path) -> None:
    text = (
        VALID.replace('field = "2"', 'field = "3x"')  # unknown field
        .replace("evidence_required = false", "evidence_requried = false")  # typo
        .replace('code = "1.1.2"', 'code = "1.1.1"')  # duplicate code
        .replace("max_points = 2.7", 'max_points = "2.7"')  # not a number
    )
    with pytest.raises(CriteriaError) as raised:
        load_criteria_set(_write(tmp_path, text))
    messages = [f"{p.location}: {p.message}. Fix: {p.fix}" for p in raised.value.problems]
    joined = "\n".join(messages)
    assert "field '3x' is not declared" in joined
    assert "unknown key 'evidence_requried'. Fix: did you mean 'evidence_required'?" in joined
    assert "duplicate code '1.1.1' (first used at sub_criteria[1] '1.1.1' (line" in joined
    assert "'max_points' must be a number, not \"2.7\"" in joined
    assert len(messages) >= 4


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("max_points = 0.3", "max_points = 0"), "'max_points' must be more than 0, not 0"),
        (("max_points = 0.3", "max_points = -0.3"), "must be more than 0"),
        (("max_points = 0.3", "max_points = 0.125"), "has more than two decimals"),
        (("max_points = 0.3", "max_points = inf"), "must be more than 0"),
        (('code = "2.1"', 'code = "2 1"'), "'code' \"2 1\" is not valid"),
        (('scoring = { vi = "Đạt: 2; không: 0", en = "Met: 2; not: 0" }\n', ""), "no scoring"),
        (('[satisfaction]\ncode = "3"', '[satisfactions]\ncode = "3"'), "did you mean"),
        (('en = "Criterion 2.1"', 'fr = "Critère"'), "has no 'en' text"),
        (('set_id = "tiny"', 'set_id = "Tiny Set"'), "'set_id' \"Tiny Set\" is not valid"),
        (("[[sub_criteria]]", "[[sub_criteria]"), "not valid TOML"),
    ],
)
def test_bad_values_are_refused(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    assert expected in _problems(tmp_path, VALID.replace(*change, 1))


def test_a_set_without_satisfaction_or_fields_is_refused(tmp_path: Path) -> None:
    without = VALID.split("[satisfaction]")[0] + "[[criteria]]" + VALID.split("[[criteria]]", 1)[1]
    message = _problems(tmp_path, without)
    assert "satisfaction: missing. Fix: add a [satisfaction] table" in message


def test_the_catalog_checks_folder_and_file_names(tmp_path: Path) -> None:
    _write(tmp_path, VALID, "other/1.0.toml")
    _write(tmp_path, VALID, "tiny/2.0.toml")
    with pytest.raises(CriteriaError) as raised:
        load_criteria_catalog(tmp_path)
    message = str(raised.value)
    assert "set_id 'tiny' does not match its folder 'other'" in message
    assert "version '1.0' does not match the file name" in message


def test_an_absent_criteria_folder_is_an_empty_catalog(tmp_path: Path) -> None:
    assert load_criteria_catalog(tmp_path / "missing").set_ids() == ()
