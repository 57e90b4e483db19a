"""The `relevant` expression language: a safe subset of XLSForm/XPath, parsed once, never eval'd.

Grammar (lowest precedence first)::

    expression := and_expr ("or" and_expr)*
    and_expr   := comparison ("and" comparison)*
    comparison := operand (("=" | "!=" | "<" | "<=" | ">" | ">=") operand)?
    operand    := "(" expression ")" | "${" name "}" | 'text' | "text" | number
                | "not(" expression ")" | "selected(" ${name} "," 'code' ")"
                | "count-selected(" ${name} ")" | "string-length(" operand ")"

Semantics follow ODK where it is unambiguous: a reference to an unanswered or non-relevant
question is the empty string ''; a select_multiple answer is its codes joined by spaces; `=` and
`!=` compare as numbers when either side is a number, otherwise as text; `<`, `<=`, `>`, `>=`
always compare as numbers. A comparison where a side cannot be read as a number (including '')
while a number is needed is false, whatever the operator: "unknown" never shows a question.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

AnswerValue = str | int | list[str] | None
Value = str | float

COMPARISON_OPERATORS = ("=", "!=", "<", "<=", ">", ">=")
FUNCTIONS = ("not", "selected", "count-selected", "string-length")


class ExpressionError(ValueError):
    """A `relevant` expression that cannot be parsed; `position` counts characters from 1."""

    def __init__(self, source: str, position: int, expected: str, found: str) -> None:
        self.source = source
        self.position = position
        self.expected = expected
        self.found = found
        super().__init__(f"expected {expected} at character {position}, found {found}")


@dataclass(frozen=True)
class Literal:
    value: Value


@dataclass(frozen=True)
class Reference:
    name: str
    position: int  # where `${` starts, counting from 1, so validation can point at it


@dataclass(frozen=True)
class Comparison:
    operator: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Logical:
    operator: str  # "and" | "or"
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class Selected:
    reference: Reference
    code: str


@dataclass(frozen=True)
class CountSelected:
    reference: Reference


@dataclass(frozen=True)
class StringLength:
    operand: Node


Node = Literal | Reference | Comparison | Logical | Not | Selected | CountSelected | StringLength


@dataclass(frozen=True)
class Expression:
    """A parsed expression together with the text it came from (kept for messages)."""

    source: str
    root: Node

    def nodes(self) -> tuple[Node, ...]:
        """Every node of the tree, parents before children, in reading order."""
        return tuple(_walk(self.root))

    def references(self) -> tuple[Reference, ...]:
        """Every `${name}` in the expression, in reading order."""
        return tuple(node for node in _walk(self.root) if isinstance(node, Reference))


def _walk(node: Node) -> Iterator[Node]:
    yield node
    match node:
        case Comparison(left=left, right=right) | Logical(left=left, right=right):
            yield from _walk(left)
            yield from _walk(right)
        case Not(operand=operand) | StringLength(operand=operand):
            yield from _walk(operand)
        case Selected(reference=reference) | CountSelected(reference=reference):
            yield reference


@dataclass(frozen=True)
class _Token:
    kind: str  # "ref" | "string" | "number" | "op" | "word" | "(" | ")" | "," | "end"
    text: str
    position: int


_TOKEN_PATTERN = re.compile(
    r"""
    (?P<space>\s+)
    | \$\{(?P<ref>[^}]*)\}
    | '(?P<single>[^']*)'
    | "(?P<double>[^"]*)"
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<op>!=|<=|>=|=|<|>)
    | (?P<word>[A-Za-z][A-Za-z0-9_-]*)
    | (?P<punct>[(),])
    """,
    re.VERBOSE,
)
_NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]*")


def _describe(token: _Token) -> str:
    return "the end of the expression" if token.kind == "end" else repr(token.text)


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    index = 0
    while index < len(source):
        match = _TOKEN_PATTERN.match(source, index)
        position = index + 1
        if match is None:
            found = source[index]
            if found in "'\"":
                raise ExpressionError(source, position, f"a closing {found}", "none")
            if source.startswith("${", index):
                raise ExpressionError(source, position, "'}' closing the reference", "none")
            raise ExpressionError(
                source, position, "a reference, a value, an operator or a function", repr(found)
            )
        index = match.end()
        kind = match.lastgroup or ""
        if kind == "space":
            continue
        if kind == "ref":
            name = match.group("ref").strip()
            if not _NAME_PATTERN.fullmatch(name):
                raise ExpressionError(
                    source, position, "a question name like ${age_group}", repr(match.group())
                )
            tokens.append(_Token("ref", name, position))
        elif kind in ("single", "double"):
            tokens.append(_Token("string", match.group(kind), position))
        elif kind == "punct":
            tokens.append(_Token(match.group(), match.group(), position))
        else:
            tokens.append(_Token(kind, match.group(), position))
    tokens.append(_Token("end", "", len(source) + 1))
    return tokens


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.tokens = _tokenize(source)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def fail(self, expected: str) -> ExpressionError:
        return ExpressionError(
            self.source, self.current.position, expected, _describe(self.current)
        )

    def take(self, kind: str, expected: str) -> _Token:
        token = self.current
        if token.kind != kind:
            raise self.fail(expected)
        self.index += 1
        return token

    def take_word(self, word: str) -> bool:
        if self.current.kind == "word" and self.current.text == word:
            self.index += 1
            return True
        return False

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise self.fail("an expression")
        node = self.expression()
        if self.current.kind != "end":
            raise self.fail("'and', 'or', an operator or the end of the expression")
        return node

    def expression(self) -> Node:
        node = self.and_expression()
        while self.take_word("or"):
            node = Logical("or", node, self.and_expression())
        return node

    def and_expression(self) -> Node:
        node = self.comparison()
        while self.take_word("and"):
            node = Logical("and", node, self.comparison())
        return node

    def comparison(self) -> Node:
        left = self.operand()
        if self.current.kind == "op":
            operator = self.take("op", "an operator").text
            return Comparison(operator, left, self.operand())
        return left

    def operand(self) -> Node:
        token = self.current
        if token.kind == "(":
            self.index += 1
            node = self.expression()
            self.take(")", "')'")
            return node
        if token.kind == "ref":
            self.index += 1
            return Reference(token.text, token.position)
        if token.kind == "string":
            self.index += 1
            return Literal(token.text)
        if token.kind == "number":
            self.index += 1
            return Literal(float(token.text))
        if token.kind == "word" and token.text in FUNCTIONS:
            self.index += 1
            return self.call(token.text)
        if token.kind == "word":
            raise self.fail("a function (" + ", ".join(FUNCTIONS) + ") or a quoted value")
        raise self.fail("a reference like ${name}, a quoted value, a number or '('")

    def call(self, function: str) -> Node:
        self.take("(", f"'(' after {function}")
        node: Node
        if function == "not":
            node = Not(self.expression())
        elif function == "string-length":
            node = StringLength(self.operand())
        else:
            ref = self.take(
                "ref", f"a question reference like ${{name}} as {function}()'s argument"
            )
            reference = Reference(ref.text, ref.position)
            if function == "selected":
                self.take(",", "',' after the question in selected()")
                code = self.take("string", "a quoted choice code like '1' in selected()")
                node = Selected(reference, code.text)
            else:
                node = CountSelected(reference)
        self.take(")", f"')' closing {function}()")
        return node


def parse(source: str) -> Expression:
    """Parse `source` into an AST; raise ExpressionError saying where and what was expected."""
    return Expression(source, _Parser(source).parse())


def _value(node: Node, answers: Mapping[str, AnswerValue]) -> Value:
    match node:
        case Literal(value=value):
            return value
        case Reference(name=name):
            answer = answers.get(name)
            if answer is None:
                return ""
            if isinstance(answer, list):
                return " ".join(answer)
            if isinstance(answer, int):
                return float(answer)
            return answer
        case CountSelected(reference=reference):
            return float(len(_codes(answers.get(reference.name))))
        case StringLength(operand=operand):
            return float(len(_text(_value(operand, answers))))
    return "true" if _truth(node, answers) else ""


def _codes(answer: AnswerValue) -> list[str]:
    if answer is None:
        return []
    if isinstance(answer, list):
        return answer
    return str(answer).split()


def _text(value: Value) -> str:
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else str(value)
    return value


def _number(value: Value) -> float | None:
    if isinstance(value, float):
        return value
    try:
        return float(value.strip()) if value.strip() else None
    except ValueError:
        return None


def _compare(operator: str, left: Value, right: Value) -> bool:
    numeric = operator not in ("=", "!=") or isinstance(left, float) or isinstance(right, float)
    if not numeric:
        return (left == right) == (operator == "=")
    a, b = _number(left), _number(right)
    if a is None or b is None:
        return False
    outcomes = {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}
    return outcomes[operator]


def _truth(node: Node, answers: Mapping[str, AnswerValue]) -> bool:
    match node:
        case Comparison(operator=operator, left=left, right=right):
            return _compare(operator, _value(left, answers), _value(right, answers))
        case Logical(operator="and", left=left, right=right):
            return _truth(left, answers) and _truth(right, answers)
        case Logical(left=left, right=right):
            return _truth(left, answers) or _truth(right, answers)
        case Not(operand=operand):
            return not _truth(operand, answers)
        case Selected(reference=reference, code=code):
            return code in _codes(answers.get(reference.name))
    value = _value(node, answers)
    return value != 0.0 if isinstance(value, float) else value != ""


def evaluate(expression: Expression, answers: Mapping[str, AnswerValue]) -> bool:
    """Evaluate `expression` against answers (missing or None = unanswered = '').

    A bare value counts as true when it is non-empty text or a non-zero number (XPath boolean()).
    """
    return _truth(expression.root, answers)
