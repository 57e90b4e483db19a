"""The scored items of a questionnaire: item -> factor, answer code -> score, missing codes.

A minimal reader of the questionnaire TOML (the validating loader lives in the web app): a
``select_one`` question is *scored* when its choice list gives a numeric ``value`` to its
choices; choices with ``missing = true`` ("no answer") are missing codes, not scores.
"""

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from analysis.errors import AnalysisError


@dataclass(frozen=True)
class ScoredItem:
    """One scored question: its column name, SIPAS factor (or None) and code -> score map."""

    name: str
    factor: str | None
    values: Mapping[str, float]
    missing_codes: frozenset[str]

    @property
    def codes(self) -> frozenset[str]:
        """Every answer code the question accepts (scored and missing)."""
        return frozenset(self.values) | self.missing_codes


@dataclass(frozen=True)
class Codebook:
    """The scored items of one questionnaire version, in questionnaire order."""

    form_id: str
    version: str
    factors: tuple[str, ...]
    items: tuple[ScoredItem, ...]

    @property
    def item_names(self) -> tuple[str, ...]:
        return tuple(item.name for item in self.items)

    def item(self, name: str) -> ScoredItem:
        """Return the scored item called ``name``."""
        for item in self.items:
            if item.name == name:
                return item
        raise AnalysisError(
            f"{name!r} is not a scored item of {self.form_id} {self.version}; "
            f"scored items: {', '.join(self.item_names)}"
        )

    def items_in(self, factor: str) -> tuple[ScoredItem, ...]:
        """Return the items of one factor, in questionnaire order."""
        if factor not in self.factors:
            raise AnalysisError(
                f"unknown factor {factor!r}; factors of {self.form_id} {self.version}: "
                f"{', '.join(self.factors)}"
            )
        return tuple(item for item in self.items if item.factor == factor)

    def allowed_codes(self) -> dict[str, frozenset[str]]:
        """Map each item to its accepted codes (the ``items`` argument of validate_responses)."""
        return {item.name: item.codes for item in self.items}


def _table_list(questionnaire: Mapping[str, Any], key: str, source: str) -> list[dict[str, Any]]:
    entries = questionnaire.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise AnalysisError(f"{source}: [[{key}]] must be an array of tables")
    return entries


def _choice_scores(
    list_name: str, choices: list[dict[str, Any]], source: str
) -> tuple[dict[str, float], frozenset[str]] | None:
    """Return (code -> value, missing codes) of a scored list, None for an unscored one."""
    members = [choice for choice in choices if choice.get("list_name") == list_name]
    if not any("value" in choice for choice in members):
        return None
    values: dict[str, float] = {}
    missing: set[str] = set()
    for choice in members:
        code = str(choice.get("name", ""))
        if choice.get("missing") is True:
            missing.add(code)
        elif isinstance(choice.get("value"), int | float) and not isinstance(
            choice.get("value"), bool
        ):
            values[code] = float(choice["value"])
        else:
            raise AnalysisError(
                f"{source}: choice {code!r} of scored list {list_name!r} needs a numeric "
                "`value` or `missing = true`"
            )
    return values, frozenset(missing)


def parse_codebook(questionnaire: Mapping[str, Any], source: str = "questionnaire") -> Codebook:
    """Build the codebook from a parsed questionnaire (the dict ``tomllib`` returns)."""
    settings = questionnaire.get("settings")
    if not isinstance(settings, dict) or "form_id" not in settings or "version" not in settings:
        raise AnalysisError(f"{source}: [settings] needs form_id and version")
    factors = tuple(
        str(factor.get("name")) for factor in _table_list(questionnaire, "factors", source)
    )
    choices = _table_list(questionnaire, "choices", source)
    items: list[ScoredItem] = []
    for question in _table_list(questionnaire, "survey", source):
        if question.get("type") != "select_one":
            continue
        name = str(question.get("name", ""))
        scores = _choice_scores(str(question.get("list_name", "")), choices, source)
        if scores is None:
            continue
        factor = question.get("factor")
        if factor is not None and str(factor) not in factors:
            raise AnalysisError(
                f"{source}: question {name!r} names factor {factor!r}, which is not among "
                f"[[factors]] ({', '.join(factors)})"
            )
        items.append(
            ScoredItem(
                name=name,
                factor=None if factor is None else str(factor),
                values=MappingProxyType(scores[0]),
                missing_codes=scores[1],
            )
        )
    if not items:
        raise AnalysisError(f"{source}: no scored select_one question (choices with `value`)")
    return Codebook(
        form_id=str(settings["form_id"]),
        version=str(settings["version"]),
        factors=factors,
        items=tuple(items),
    )


def read_codebook(path: str | Path) -> Codebook:
    """Read the scored items of the questionnaire TOML at ``path``."""
    source = str(path)
    try:
        with open(path, "rb") as toml_file:
            questionnaire = tomllib.load(toml_file)
    except tomllib.TOMLDecodeError as error:
        raise AnalysisError(f"{source}: not valid TOML ({error})") from error
    return parse_codebook(questionnaire, source)
