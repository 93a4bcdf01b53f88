"""The packages form layers, and no module imports from a layer above its own.

    newsrag   the command line, assembled from the layers below
    ui, eval  the chat and the evaluation (neither imports the other)
    rag       the library

Every import statement counts, also those inside functions (the lazy imports a cycle would
hide in).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest

from tests.conftest import ROOT

LAYER = {"rag": 0, "ui": 1, "eval": 1, "newsrag": 2}


def imported_packages(source: str) -> Iterator[tuple[int, str]]:
    """Yield (line, top-level package) for every absolute import in `source`, at any depth."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module.split(".")[0]


def violations(package: str, source: str) -> list[tuple[int, str]]:
    """The imports in a module of `package` that reach a higher layer or a sibling."""
    return [
        (line, target)
        for line, target in imported_packages(source)
        if target in LAYER and target != package and LAYER[target] >= LAYER[package]
    ]


@pytest.mark.parametrize("package", sorted(LAYER))
def test_no_module_imports_a_higher_layer(package: str):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, package
    found = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for path in files
        for line, target in violations(package, path.read_text(encoding="utf-8"))
    ]
    assert not found, "lower layers must not import higher ones:\n" + "\n".join(found)


def test_the_check_sees_lazy_imports_and_siblings():
    source = "import os\n\ndef serve():\n    from ui.app import serve\n    import eval.runner\n"
    assert violations("rag", source) == [(4, "ui"), (5, "eval")]
    assert violations("ui", source) == [(5, "eval")]
    assert violations("newsrag", source) == []


def test_every_package_has_a_layer():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert packages == set(LAYER)


def test_the_packages_are_installed():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for package in LAYER:
        assert f'"{package}", "{package}.*"' in pyproject, package
