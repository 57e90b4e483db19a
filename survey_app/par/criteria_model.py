"""Frozen dataclasses for a loaded PAR criteria set, and the error listing every problem.

Built only by `survey_app.par.criteria` after validation, so the arithmetic holds: sub-criteria
maxima add up to their criterion's maximum, criteria to their field's, fields plus the
satisfaction component to the declared total. Points are `Decimal` so these sums are exact
(0.1 + 0.2 is 0.3 here); the analysis side receives floats.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from survey_app.questionnaires.model import Problem, Text, version_key

__all__ = [
    "CriteriaCatalog",
    "CriteriaError",
    "CriteriaSet",
    "Criterion",
    "Field",
    "Problem",
    "SatisfactionComponent",
    "ScoredItem",
    "SubCriterion",
]


class CriteriaError(ValueError):
    """Raised with every problem found, so one edit-and-reload cycle can fix them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class SubCriterion:
    code: str
    label: Text
    max_points: Decimal
    scoring: Text
    evidence_required: bool


@dataclass(frozen=True)
class Criterion:
    code: str
    field_code: str
    label: Text
    max_points: Decimal
    scoring: Text | None  # required when the criterion is scored itself (no sub-criteria)
    evidence_required: bool
    sub_criteria: tuple[SubCriterion, ...]


@dataclass(frozen=True)
class Field:
    """A lĩnh vực: its criteria in file order."""

    code: str
    label: Text
    max_points: Decimal
    scoring: Text | None
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class SatisfactionComponent:
    """The sociological-survey block: points = the unit's SIPAS index × ``max_points``."""

    code: str
    label: Text
    max_points: Decimal
    scoring: Text | None


@dataclass(frozen=True)
class ScoredItem:
    """What a commune scores and the council appraises: a sub-criterion, or a criterion
    without sub-criteria."""

    code: str
    label: Text
    max_points: Decimal
    scoring: Text
    evidence_required: bool
    field_code: str
    criterion_code: str
    criterion_label: Text


@dataclass(frozen=True)
class CriteriaSet:
    set_id: str
    version: str
    title: Text
    description: Text | None
    default_language: str
    languages: tuple[str, ...]
    total_points: Decimal
    fields: tuple[Field, ...]
    satisfaction: SatisfactionComponent
    source: str
    source_sha256: str  # lets the app notice if a published version was edited in place

    @property
    def appraised_max(self) -> Decimal:
        """Points of the appraised criteria (total minus the satisfaction component)."""
        return sum((field.max_points for field in self.fields), Decimal(0))

    def items(self) -> tuple[ScoredItem, ...]:
        """Every scored item in file order (fields, then criteria, then sub-criteria)."""
        found: list[ScoredItem] = []
        for field in self.fields:
            for criterion in field.criteria:
                if not criterion.sub_criteria:
                    assert criterion.scoring is not None  # the validator requires it
                    found.append(
                        ScoredItem(
                            criterion.code,
                            criterion.label,
                            criterion.max_points,
                            criterion.scoring,
                            criterion.evidence_required,
                            field.code,
                            criterion.code,
                            criterion.label,
                        )
                    )
                found.extend(
                    ScoredItem(
                        sub.code,
                        sub.label,
                        sub.max_points,
                        sub.scoring,
                        sub.evidence_required,
                        field.code,
                        criterion.code,
                        criterion.label,
                    )
                    for sub in criterion.sub_criteria
                )
        return tuple(found)

    def item(self, code: str) -> ScoredItem:
        for item in self.items():
            if item.code == code:
                return item
        raise KeyError(f"criteria set {self.set_id} {self.version} has no scored item {code!r}")

    def field(self, code: str) -> Field:
        for field in self.fields:
            if field.code == code:
                return field
        raise KeyError(f"criteria set {self.set_id} {self.version} has no field {code!r}")


@dataclass(frozen=True)
class CriteriaCatalog:
    """Every published version of every criteria set under questionnaires/criteria/."""

    sets: Mapping[str, Mapping[str, CriteriaSet]]

    def set_ids(self) -> tuple[str, ...]:
        return tuple(sorted(self.sets))

    def versions(self, set_id: str) -> tuple[str, ...]:
        """Versions of a set, oldest first (numeric order: 2021.2 before 2021.10)."""
        return tuple(sorted(self.sets.get(set_id, {}), key=version_key))

    def find(self, set_id: str, version: str) -> CriteriaSet | None:
        return self.sets.get(set_id, {}).get(version)

    def get(self, set_id: str, version: str) -> CriteriaSet:
        """The set; KeyError naming the known versions when it is not published."""
        found = self.find(set_id, version)
        if found is None:
            known = ", ".join(self.versions(set_id)) or "none"
            raise KeyError(
                f"no criteria set {set_id!r} version {version!r} (known versions: {known})"
            )
        return found
