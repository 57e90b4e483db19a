"""Versioned definition files: `<id>/<version>.toml` folders read with every problem collected.

Shared by the questionnaire catalog and the PAR criteria sets, which follow one convention: a
folder per definition, one immutable file per published version, problems reported together.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from survey_app.questionnaires.model import Problem

T = TypeVar("T")


@dataclass(frozen=True)
class TomlFile:
    file: str
    source: str
    data: dict[str, object]
    sha256: str  # lets the app notice if a published version was edited in place


def read_toml(path: Path, entries_example: str) -> tuple[TomlFile | None, list[Problem]]:
    """The parsed file, or the one problem that stops it from being read at all."""
    file = str(path)
    try:
        content = path.read_bytes()
        source = content.decode("utf-8")
    except OSError as error:
        return None, [Problem(file, "file", f"cannot be read ({error.strerror})", "check the path")]
    except UnicodeDecodeError:
        return None, [Problem(file, "file", "is not UTF-8 text", "save the file as UTF-8")]
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        where = re.search(r"\(at (line \d+, column \d+)\)", str(error))
        message = re.sub(r"\s*\(at .*\)$", "", str(error))
        return None, [
            Problem(
                file,
                where.group(1) if where else "file",
                f"not valid TOML: {message}",
                f'check quotes and brackets; texts are written "...", entries {entries_example}',
            )
        ]
    return TomlFile(file, source, data, hashlib.sha256(content).hexdigest()), []


def in_file_order(problems: Collection[Problem]) -> list[Problem]:
    """Problems sorted by the line they point at (settings first), whatever order checks ran."""

    def line_of(problem: Problem) -> int:
        line = re.search(r"\(line (\d+)\)", problem.location)
        return int(line.group(1)) if line else 0

    return sorted(problems, key=line_of)


def load_versioned(
    root: Path,
    load: Callable[[Path], tuple[T | None, list[Problem]]],
    identity: Callable[[T], tuple[str, str]],
    id_key: str,
    skip: Collection[str] = (),
) -> tuple[dict[str, dict[str, T]], list[Problem]]:
    """Load every `<id>/<version>.toml` under `root`, checking that folder and file names match
    the id and version inside; folders starting with '.' or '_', or named in `skip`, are left
    out. Returns id → version → definition, and every problem found."""
    problems: list[Problem] = []
    found: dict[str, dict[str, T]] = {}
    for folder in sorted(root.iterdir()):
        if not folder.is_dir() or folder.name.startswith((".", "_")) or folder.name in skip:
            continue
        for path in sorted(folder.glob("*.toml")):
            definition, file_problems = load(path)
            problems.extend(file_problems)
            if definition is None:
                continue
            identifier, version = identity(definition)
            if identifier != folder.name:
                problems.append(
                    Problem(
                        str(path),
                        "settings",
                        f"{id_key} '{identifier}' does not match its folder '{folder.name}'",
                        f"move the file to a folder named {identifier}/, or set "
                        f'{id_key} = "{folder.name}"',
                    )
                )
            if version != path.stem:
                problems.append(
                    Problem(
                        str(path),
                        "settings",
                        f"version '{version}' does not match the file name",
                        f"name the file {version}.toml; a published version never "
                        "changes, so publish edits as a new version file",
                    )
                )
            found.setdefault(folder.name, {})[path.stem] = definition
    return found, problems
