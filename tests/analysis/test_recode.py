"""Codebook from the questionnaire TOML; codes -> scores -> satisfied."""

import tomllib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.codebook import parse_codebook, read_codebook
from analysis.columns import validate_responses
from analysis.errors import AnalysisError
from analysis.recode import recode_scores, satisfied

FORM = (
    """
[settings]
form_id = "mini"
version = "1"

[[factors]]
name = "access"
[[factors]]
name = "results"

[[survey]]
name = "sex"
type = "select_one"
list_name = "sex"

[[survey]]
name = "access_1"
type = "select_one"
list_name = "satisfaction"
factor = "access"

[[survey]]
name = "results_1"
type = "select_one"
list_name = "satisfaction"
factor = "results"

[[survey]]
name = "overall"
type = "select_one"
list_name = "satisfaction"

[[survey]]
name = "comment"
type = "text"

[[choices]]
list_name = "sex"
name = "1"
[[choices]]
list_name = "sex"
name = "2"
"""
    + "".join(
        f'[[choices]]\nlist_name = "satisfaction"\nname = "{code}"\nvalue = {code}\n'
        for code in range(1, 6)
    )
    + '[[choices]]\nlist_name = "satisfaction"\nname = "9"\nmissing = true\n'
)

DEFAULT_FORM = Path(__file__).parents[2] / "questionnaires" / "sipas-commune" / "2021.1.toml"


def test_codebook_keeps_only_scored_items_in_order() -> None:
    codebook = parse_codebook(tomllib.loads(FORM))
    assert codebook.item_names == ("access_1", "results_1", "overall")
    assert [item.factor for item in codebook.items] == ["access", "results", None]
    assert dict(codebook.item("overall").values) == {str(c): float(c) for c in range(1, 6)}
    assert codebook.item("overall").missing_codes == frozenset({"9"})
    assert codebook.items_in("results") == (codebook.item("results_1"),)


def test_codebook_is_immutable() -> None:
    codebook = parse_codebook(tomllib.loads(FORM))
    with pytest.raises(TypeError):
        codebook.item("overall").values["1"] = 5.0  # type: ignore[index]


def test_default_form_scores_the_sipas_items() -> None:
    codebook = read_codebook(DEFAULT_FORM)
    assert codebook.factors == ("access", "procedures", "civil_servants", "results", "feedback")
    sizes = {factor: len(codebook.items_in(factor)) for factor in codebook.factors}
    assert sizes == {"access": 4, "procedures": 4, "civil_servants": 5, "results": 3, "feedback": 3}
    assert "overall" in codebook.item_names


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda form: form.replace('factor = "results"', 'factor = "speed"'), "factor 'speed'"),
        (lambda form: form.replace("value = 3\n", ""), "choice '3'"),
        (lambda form: form.replace('form_id = "mini"\n', ""), "form_id"),
    ],
)
def test_codebook_errors_say_what_to_fix(edit: Callable[[str], str], message: str) -> None:
    text = edit(FORM)
    with pytest.raises(AnalysisError, match=message):
        parse_codebook(tomllib.loads(text), "mini.toml")


def test_read_codebook_reports_bad_toml(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[settings\n")
    with pytest.raises(AnalysisError, match=r"broken.toml: not valid TOML"):
        read_codebook(path)


def test_recode_turns_codes_into_scores_and_no_answer_into_nan() -> None:
    codebook = parse_codebook(tomllib.loads(FORM))
    responses = pd.DataFrame(
        {"access_1": ["5", "9", "", "1"], "results_1": [4, 3, None, 2], "overall": ["4"] * 4},
        index=[10, 11, 12, 13],
    )
    scores = recode_scores(responses, codebook)
    assert list(scores.columns) == ["access_1", "results_1", "overall"]
    assert scores.index.tolist() == [10, 11, 12, 13]
    np.testing.assert_array_equal(scores["access_1"], [5.0, np.nan, np.nan, 1.0])
    np.testing.assert_array_equal(scores["results_1"], [4.0, 3.0, np.nan, 2.0])
    validate_responses(responses, codebook.allowed_codes(), required=())


def test_recode_rejects_unknown_codes_and_missing_items() -> None:
    codebook = parse_codebook(tomllib.loads(FORM))
    responses = pd.DataFrame({"access_1": ["6"], "results_1": ["1"], "overall": ["1"]})
    with pytest.raises(AnalysisError, match=r"item 'access_1' has 1 answer.*'6'"):
        recode_scores(responses, codebook)
    with pytest.raises(AnalysisError, match="'overall'"):
        recode_scores(responses.drop(columns="overall"), codebook)
    assert recode_scores(responses, codebook, items=["results_1"]).shape == (1, 1)


def test_satisfied_uses_the_threshold_and_keeps_missing() -> None:
    scores = pd.DataFrame({"a": [1.0, 3.0, 4.0, 5.0, np.nan]})
    np.testing.assert_array_equal(satisfied(scores)["a"], [0.0, 0.0, 1.0, 1.0, np.nan])
    np.testing.assert_array_equal(satisfied(scores["a"], threshold=3), [0, 1, 1, 1, np.nan])
    assert isinstance(satisfied(scores["a"]), pd.Series)
