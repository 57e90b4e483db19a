"""The `relevant` expression language: parsing, evaluation, and errors that say where and what."""

from __future__ import annotations

import dataclasses

import pytest

from survey_app.questionnaires.expressions import (
    AnswerValue,
    Comparison,
    ExpressionError,
    Literal,
    Logical,
    Reference,
    evaluate,
    parse,
)


@pytest.mark.parametrize(
    ("source", "answers", "expected"),
    [
        ("${a} = '1'", {"a": "1"}, True),
        ("${a} = '1'", {"a": "2"}, False),
        ("${a} = '1'", {}, False),
        ("${a} = '1'", {"a": None}, False),
        ('${a} = "1"', {"a": "1"}, True),
        ("${a} != '1'", {}, True),  # unanswered is '', which is not '1'
        ("${a} = ''", {}, True),
        ("${a} = ''", {"a": "x"}, False),
        # A number on either side compares numerically, codes included.
        ("${a} = 1", {"a": "1"}, True),
        ("${a} = 1", {"a": "01"}, True),
        ("${a} = 1", {"a": "x"}, False),
        ("${age} >= 18", {"age": 20}, True),
        ("${age} >= 18", {"age": 17}, False),
        ("${age} >= 18.5", {"age": 18}, False),
        ("${age} < '30'", {"age": 20}, True),  # relational operators always compare numbers
        # Empty compared with a number is false, whatever the operator.
        ("${age} >= 18", {}, False),
        ("${age} < 18", {}, False),
        ("${age} != 18", {}, False),
        ("${age} = 18", {"age": None}, False),
        ("selected(${m}, 'b')", {"m": ["a", "b"]}, True),
        ("selected(${m}, 'b')", {"m": "a b"}, True),  # as stored in the CSV
        ("selected(${m}, 'c')", {"m": ["a", "b"]}, False),
        ("selected(${m}, 'b')", {}, False),
        ("selected(${one}, '2')", {"one": "2"}, True),
        ("${m} = 'a b'", {"m": ["a", "b"]}, True),  # a select_multiple reads as its codes
        ("count-selected(${m}) >= 2", {"m": ["a", "b"]}, True),
        ("count-selected(${m}) >= 2", {"m": ["a"]}, False),
        ("count-selected(${m}) = 0", {}, True),
        ("string-length(${t}) > 3", {"t": "abcd"}, True),
        ("string-length(${t}) > 3", {"t": "abc"}, False),
        ("string-length(${t}) = 0", {}, True),
        ("string-length('Hà Tĩnh') = 7", {}, True),
        ("not(${a} = '1')", {}, True),
        ("not(${a} = '1')", {"a": "1"}, False),
        # `and` binds tighter than `or`, as in XPath.
        ("${a} = '1' or ${b} = '2' and ${c} = '3'", {"a": "1"}, True),
        ("(${a} = '1' or ${b} = '2') and ${c} = '3'", {"a": "1"}, False),
        ("(${a} = '1' or ${b} = '2') and ${c} = '3'", {"b": "2", "c": "3"}, True),
        ("${a} = '1' and ${b} = '1'", {"a": "1", "b": "2"}, False),
        ("${a}", {"a": "x"}, True),  # a bare value is true when not empty (XPath boolean())
        ("${a}", {}, False),
        ("count-selected(${m})", {"m": ["a"]}, True),
        ("count-selected(${m})", {"m": []}, False),
        ("  ${a}   =   '1'  ", {"a": "1"}, True),
    ],
)
def test_evaluate(source: str, answers: dict[str, AnswerValue], expected: bool) -> None:
    assert evaluate(parse(source), answers) is expected


@pytest.mark.parametrize(
    ("source", "position", "expected", "found"),
    [
        ("", 1, "an expression", "the end of the expression"),
        ("   ", 4, "an expression", "the end of the expression"),
        ("${a} =", 7, "a reference like ${name}, a quoted value, a number or '('", "the end"),
        ("${a} = '1", 8, "a closing '", "none"),
        ('${a} = "1', 8, 'a closing "', "none"),
        ("${a = '1'", 1, "'}' closing the reference", "none"),
        ("${A} = '1'", 1, "a question name like ${age_group}", "'${A}'"),
        ("${} = '1'", 1, "a question name like ${age_group}", "'${}'"),
        ("(${a} = '1'", 12, "')'", "the end of the expression"),
        ("${a} = '1' ${b}", 12, "'and', 'or', an operator or the end", "'b'"),
        ("${a} == '1'", 7, "a reference like ${name}", "'='"),
        ("${a} = '1' && ${b} = '2'", 12, "a reference, a value, an operator or a function", "'&'"),
        ("selected(${a})", 14, "',' after the question in selected()", "')'"),
        ("selected(${a}, 1)", 16, "a quoted choice code like '1' in selected()", "'1'"),
        ("selected('a', 'b')", 10, "a question reference like ${name}", "'a'"),
        ("count-selected(${a}", 20, "')' closing count-selected()", "the end"),
        ("not ${a}", 5, "'(' after not", "'a'"),
        ("eval('1')", 1, "a function (not, selected, count-selected, string-length)", "'eval'"),
        ("__import__('os')", 1, "a reference, a value, an operator or a function", "'_'"),
        ("${a} = '1' and", 15, "a reference like ${name}", "the end of the expression"),
        ("-1 < ${a}", 1, "a reference, a value, an operator or a function", "'-'"),
    ],
)
def test_parse_errors_say_where_and_what_was_expected(
    source: str, position: int, expected: str, found: str
) -> None:
    with pytest.raises(ExpressionError) as raised:
        parse(source)
    error = raised.value
    assert isinstance(error, ValueError)
    assert error.position == position
    assert error.expected.startswith(expected)
    assert error.found.startswith(found)
    assert f"at character {position}" in str(error)


def test_parse_builds_a_tree_of_frozen_nodes() -> None:
    expression = parse("${visited} = '1' and ${age} >= 18")
    assert expression.source == "${visited} = '1' and ${age} >= 18"
    assert expression.root == Logical(
        "and",
        Comparison("=", Reference("visited", 1), Literal("1")),
        Comparison(">=", Reference("age", 22), Literal(18.0)),
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        expression.root.operator = "or"  # type: ignore[misc]


def test_references_in_reading_order_with_positions() -> None:
    source = "${a} = '1' or (selected(${b}, 'x') and not(count-selected(${c}) > 1))"
    references = parse(source).references()
    assert [r.name for r in references] == ["a", "b", "c"]
    assert [r.position for r in references] == [1, 25, 59]
    assert [source[r.position - 1 : r.position + 3] for r in references] == ["${a}", "${b}", "${c}"]


def test_evaluate_does_not_mutate_answers() -> None:
    answers: dict[str, AnswerValue] = {"m": ["a", "b"], "age": 30}
    evaluate(parse("selected(${m}, 'a') and ${age} > 18 and ${missing} = ''"), answers)
    assert answers == {"m": ["a", "b"], "age": 30}
