"""PAR criteria sets as data: load TOML files, validate them, build frozen `CriteriaSet`s.

Same pipeline and error style as `survey_app.questionnaires`: read (tomllib) → check every
entry, collecting every problem with its file, location and fix → build the frozen dataclasses,
or raise CriteriaError listing all problems at once. The format is documented in
questionnaires/README.md ("PAR criteria sets"); files live in questionnaires/criteria/<set id>/
<version>.toml. Every maximum comes from the file: the sums are checked here, never assumed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType

from survey_app.par.criteria_model import (
    CriteriaCatalog,
    CriteriaError,
    CriteriaSet,
    Criterion,
    Field,
    SatisfactionComponent,
    SubCriterion,
)
from survey_app.par.criteria_reading import (
    Codes,
    CriteriaReader,
    Draft,
    check_sum,
    inherit,
    read_entry,
    read_languages,
    read_points,
    show,
)
from survey_app.questionnaires.model import Problem
from survey_app.questionnaires.reading import (
    FORM_ID_PATTERN,
    PLACEHOLDER_TEXT,
    VERSION_PATTERN,
    Entry,
    suggest,
)
from survey_app.questionnaires.versioned_files import in_file_order, load_versioned, read_toml

__all__ = [
    "CriteriaCatalog",
    "CriteriaError",
    "CriteriaSet",
    "load_criteria_catalog",
    "load_criteria_set",
]

TOP_KEYS = ("settings", "fields", "criteria", "sub_criteria", "satisfaction")
SETTINGS_KEYS = ("set_id", "version", "default_language", "title", "description", "total_points")
FIELD_KEYS = ("code", "label", "max_points", "scoring", "evidence_required")
CRITERION_KEYS = ("field", *FIELD_KEYS)
SUB_CRITERION_KEYS = ("criterion", *FIELD_KEYS)
SATISFACTION_KEYS = ("code", "label", "max_points", "scoring")


def load_criteria_set(path: Path | str) -> CriteriaSet:
    """Load and validate one criteria file; raise CriteriaError listing every problem."""
    criteria_set, problems = _load(Path(path))
    if criteria_set is None or problems:
        raise CriteriaError(problems)
    return criteria_set


def load_criteria_catalog(root: Path) -> CriteriaCatalog:
    """Load every `<set_id>/<version>.toml` under `root` (an absent folder: no sets).

    Problems of all files are raised together. Folders starting with '.' or '_' are skipped.
    """
    if not root.exists():
        return CriteriaCatalog(MappingProxyType({}))
    sets, problems = load_versioned(
        root, _load, lambda criteria_set: (criteria_set.set_id, criteria_set.version), "set_id"
    )
    if problems:
        raise CriteriaError(problems)
    return CriteriaCatalog(MappingProxyType({k: MappingProxyType(v) for k, v in sets.items()}))


def _load(path: Path) -> tuple[CriteriaSet | None, list[Problem]]:
    toml, problems = read_toml(path, "[[criteria]]")
    if toml is None:
        return None, problems
    reader = CriteriaReader(toml.file, toml.source)
    criteria_set = _build(reader, toml.data, toml.sha256)
    problems = in_file_order(reader.problems)
    return (None if problems else criteria_set), problems


def _build(reader: CriteriaReader, data: dict[str, object], sha256: str) -> CriteriaSet:
    reader.check_keys(Entry(data, "file"), TOP_KEYS)
    settings = reader.table(data, "settings")
    reader.check_keys(
        settings, SETTINGS_KEYS, ("set_id", "version", "default_language", "title", "total_points")
    )
    read_languages(reader, settings)
    set_id = reader.string(settings, "set_id", FORM_ID_PATTERN) or ""
    version = reader.string(settings, "version", VERSION_PATTERN) or ""
    title = reader.text(settings, "title") or PLACEHOLDER_TEXT
    description = reader.text(settings, "description")
    total = read_points(reader, settings, "total_points")
    codes = Codes({})
    fields = _read_fields(reader, data, codes)
    satisfaction = _read_satisfaction(reader, data, codes)
    if total is not None and satisfaction is not None and all(f.max_points for f in fields):
        found = sum((f.max_points for f in fields), Decimal(0)) + satisfaction.max_points
        if found != total:
            reader.report(
                "settings",
                f"fields ({show(found - satisfaction.max_points)} points) plus satisfaction "
                f"({show(satisfaction.max_points)}) add up to {show(found)}, but total_points is "
                f"{show(total)}",
                "make total_points the sum, or change the fields' or satisfaction's max_points",
            )
    return CriteriaSet(
        set_id=set_id,
        version=version,
        title=title,
        description=description,
        default_language=reader.default_language,
        languages=reader.languages,
        total_points=total or Decimal(0),
        fields=fields,
        satisfaction=satisfaction or SatisfactionComponent("", PLACEHOLDER_TEXT, Decimal(0), None),
        source=reader.file,
        source_sha256=sha256,
    )


def _read_fields(
    reader: CriteriaReader, data: dict[str, object], codes: Codes
) -> tuple[Field, ...]:
    field_entries = reader.entries(data, "fields")
    if not field_entries:
        reader.report("fields", "the set has no fields", "add [[fields]] entries (lĩnh vực)")
    fields = [
        draft
        for entry in field_entries
        if (draft := read_entry(reader, entry, codes, FIELD_KEYS, ["code", "label", "max_points"]))
    ]
    criteria = _read_children(
        reader, data, codes, "criteria", "field", CRITERION_KEYS, {f.code: f for f in fields}
    )
    by_criterion = {c.code: c for _, c in criteria}
    subs = _read_children(
        reader, data, codes, "sub_criteria", "criterion", SUB_CRITERION_KEYS, by_criterion
    )
    built_criteria: dict[str, list[Criterion]] = {}
    for parent, draft in criteria:
        members = [sub for owner, sub in subs if owner.code == draft.code]
        inherited = inherit(draft.evidence_required, parent.evidence_required)
        built = tuple(
            SubCriterion(
                sub.code,
                sub.label,
                sub.max_points or Decimal(0),
                sub.scoring or PLACEHOLDER_TEXT,
                inherit(sub.evidence_required, inherited),
            )
            for sub in members
        )
        if not members and draft.scoring is None:
            reader.report(
                draft.entry.location,
                f"criterion '{draft.code}' has no sub-criteria and no scoring guidance",
                "add scoring = { ... } saying when it earns full, partial or zero points, or add "
                f'[[sub_criteria]] entries with criterion = "{draft.code}"',
            )
        check_sum(reader, draft, members, "sub-criteria", "its sub-criteria")
        built_criteria.setdefault(parent.code, []).append(
            Criterion(
                draft.code,
                parent.code,
                draft.label,
                draft.max_points or Decimal(0),
                draft.scoring,
                inherited,
                built,
            )
        )
    result = []
    for field in fields:
        members_of_field = [draft for parent, draft in criteria if parent.code == field.code]
        if not members_of_field:
            reader.report(
                field.entry.location,
                f"field '{field.code}' has no criteria",
                f'add [[criteria]] entries with field = "{field.code}", or remove the field',
            )
        check_sum(reader, field, members_of_field, "criteria", "its criteria")
        result.append(
            Field(
                field.code,
                field.label,
                field.max_points or Decimal(0),
                field.scoring,
                tuple(built_criteria.get(field.code, [])),
            )
        )
    return tuple(result)


def _read_children(
    reader: CriteriaReader,
    data: dict[str, object],
    codes: Codes,
    key: str,
    parent_key: str,
    allowed: tuple[str, ...],
    parents: dict[str, Draft],
) -> list[tuple[Draft, Draft]]:
    """[[criteria]] or [[sub_criteria]] entries, each paired with the parent it names."""
    required = [parent_key, "code", "label", "max_points"]
    if key == "sub_criteria":
        required.append("scoring")  # a sub-criterion is always scored itself
    children = []
    for entry in reader.entries(data, key):
        draft = read_entry(reader, entry, codes, allowed, required)
        parent_code = reader.string(entry, parent_key)
        if parent_code is not None and parent_code not in parents:
            plural = "fields" if parent_key == "field" else "criteria"
            reader.report(
                entry.location,
                f"{parent_key} '{parent_code}' is not declared",
                suggest(parent_code, list(parents), f"add it to [[{plural}]] first"),
            )
            continue
        if draft is not None and parent_code is not None:
            children.append((parents[parent_code], draft))
    return children


def _read_satisfaction(
    reader: CriteriaReader, data: dict[str, object], codes: Codes
) -> SatisfactionComponent | None:
    if "satisfaction" not in data:
        reader.report(
            "satisfaction",
            "missing",
            "add a [satisfaction] table with code, label and max_points (the survey component)",
        )
        return None
    entry = reader.table(data, "satisfaction")
    draft = read_entry(reader, entry, codes, SATISFACTION_KEYS, ["code", "label", "max_points"])
    if draft is None or draft.max_points is None:
        return None
    return SatisfactionComponent(draft.code, draft.label, draft.max_points, draft.scoring)


def main(argv: Sequence[str] | None = None) -> int:
    """`python -m survey_app.par.criteria [PATH ...]`: check criteria files or folders of sets.

    Prints one line per valid version, every problem to stderr; exit status 1 if any problem.
    """
    arguments = list(sys.argv[1:] if argv is None else argv) or ["questionnaires/criteria"]
    problems: list[Problem] = []
    for path in map(Path, arguments):
        try:
            if path.is_dir():
                catalog = load_criteria_catalog(path)
                found = [catalog.get(s, v) for s in catalog.set_ids() for v in catalog.versions(s)]
            else:
                found = [load_criteria_set(path)]
        except CriteriaError as error:
            problems.extend(error.problems)
            continue
        for criteria in found:
            print(
                f"ok {criteria.source}: {len(criteria.items())} scored items, "
                f"{show(criteria.appraised_max)} + {show(criteria.satisfaction.max_points)} = "
                f"{show(criteria.total_points)} points"
            )
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
