"""The shape of ``survey_app``: the core at the top, one package per capability, imports one way.

A capability package may import the core, ``analysis`` and the capabilities below it in
``LAYERS``; never one above it, so the packages form no cycle. The core (the top-level modules)
imports no capability, except the composition roots that wire the app together. Read from the
source with ``ast``, so a lazy import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from survey_app.config import REPO_ROOT

PACKAGE = REPO_ROOT / "survey_app"

#: Capabilities from the bottom up: each may use those before it, never those after it.
LAYERS = (
    "units",
    "questionnaires",
    "staff",
    "rounds",
    "responses",
    "quotas",
    "collection",
    "paper",
    "monitoring",
    "results",
    "exports",
    "par",
    "review",
    "demo",
    "admin",
)

#: Top-level modules that know every capability: they build the app and its schema.
COMPOSITION_ROOTS = {"__init__", "schema"}

#: Split a module before it grows past this (STYLE.md: small single-purpose modules).
MAX_MODULE_LINES = 400


def _modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] == "migrations":
            continue
        yield ".".join(relative.with_suffix("").parts), path


def _imported(path: Path) -> set[str]:
    """Every ``survey_app`` module or package named by an import in the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "survey_app":
                names.update(f"survey_app.{alias.name}" for alias in node.names)
            elif node.module.startswith("survey_app."):
                names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith("survey_app."))
    return names


def _owner(module: str) -> str:
    """The capability a dotted name (relative to survey_app) belongs to, or "" for the core."""
    head = module.split(".")[0]
    return head if (PACKAGE / head).is_dir() else ""


def _edges() -> list[tuple[str, str, str]]:
    """(importing module, its capability or "", imported capability or "") for every import."""
    edges = []
    for module, path in _modules():
        for name in _imported(path):
            edges.append((module, _owner(module), _owner(name.removeprefix("survey_app."))))
    return edges


def test_every_capability_package_is_layered() -> None:
    packages = {
        path.name
        for path in PACKAGE.iterdir()
        if path.is_dir() and (path / "__init__.py").exists() and path.name != "migrations"
    }
    assert packages == set(LAYERS)


def test_capabilities_import_only_the_core_and_those_below_them() -> None:
    upward = [
        f"{module} → {target}"
        for module, owner, target in _edges()
        if owner and target and LAYERS.index(target) > LAYERS.index(owner)
    ]
    assert upward == []


def test_the_core_imports_no_capability_except_the_composition_roots() -> None:
    leaks = [
        f"{module} → {target}"
        for module, owner, target in _edges()
        if not owner and target and module not in COMPOSITION_ROOTS
    ]
    assert leaks == []


def test_the_import_check_sees_an_upward_import(tmp_path: Path) -> None:
    # The checks above pass trivially if _imported stops finding imports; prove it finds them.
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from survey_app.par import models\n"
        "from survey_app import config\n"
        "def lazy():\n    import survey_app.demo.setup\n",
        encoding="utf-8",
    )
    assert _imported(sample) == {
        "survey_app.par",
        "survey_app.config",
        "survey_app.demo.setup",
    }
    assert {_owner(n.removeprefix("survey_app.")) for n in _imported(sample)} == {"par", "", "demo"}


@pytest.mark.parametrize("root", ["survey_app", "analysis"])
def test_no_module_outgrows_a_single_responsibility(root: str) -> None:
    long = {
        str(path.relative_to(REPO_ROOT)): lines
        for path in (REPO_ROOT / root).rglob("*.py")
        if "migrations" not in path.parts
        and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_dumping_ground_modules() -> None:
    names = {
        path.stem
        for root in ("survey_app", "analysis")
        for path in (REPO_ROOT / root).rglob("*.py")
    }
    assert names.isdisjoint({"utils", "helpers", "common", "misc"})
