"""The import graph: layers (import-linter's contract in pyproject.toml) and no import cycles."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from django.conf import settings
from importlinter.cli import lint_imports

BASE_DIR = Path(settings.BASE_DIR)
PACKAGES = tuple(tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"])

# Import cycles that exist today (each side imports the other, one of them inside a function).
# A cycle not listed fails the test, and so does a listed one that is gone (remove it here).
KNOWN_CYCLES: list[set[str]] = []


def test_import_layers_contract_is_kept(monkeypatch, capsys):
    """``lint-imports``: the shell above the apps above the core; an upward import fails here."""
    monkeypatch.chdir(BASE_DIR)
    status = lint_imports(config_filename=str(BASE_DIR / "pyproject.toml"), no_cache=True, no_logo=True)
    assert status == 0, capsys.readouterr().out


# --- cycles --------------------------------------------------------------------------------


def project_modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Dotted name -> file of every module in the project packages (migrations left out)."""
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "migrations" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(node: ast.AST):
    """Every import statement in ``node``, deferred ones (inside functions) included: a deferred
    import hides a cycle, it does not remove it. Imports under ``if TYPE_CHECKING:`` never run."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.Import | ast.ImportFrom):
            yield child
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for other in child.orelse:
                yield from _imports(ast.Module(body=[other], type_ignores=[]))
        else:
            yield from _imports(child)


def import_edges(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports."""
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in _imports(ast.parse(path.read_text(), str(path))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:
                    anchor = name.split(".") if is_package else name.split(".")[:-1]
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                for alias in node.names:
                    submodule = f"{base}.{alias.name}"
                    targets.append(submodule if submodule in modules else base)
            for target in targets:
                while target and target not in modules:  # ``import a.b.c`` of a non-module attribute
                    target = target.rpartition(".")[0]
                if target and target != name:
                    edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles():
    found = cycles(import_edges(project_modules(BASE_DIR, PACKAGES)))
    unexpected = [sorted(c) for c in found if c not in KNOWN_CYCLES]
    assert not unexpected, f"import cycles: {unexpected}"
    gone = [sorted(c) for c in KNOWN_CYCLES if c not in found]
    assert not gone, f"these cycles are gone: remove them from KNOWN_CYCLES: {gone}"


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_cycle_finder(tmp_path):
    _write(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/services.py": "from app import tasks\nfrom . import selectors\n",
            "app/tasks.py": "from app.services import run\n",
            "app/selectors.py": "def f():\n    from app import services\n",
            "app/models/__init__.py": "from .core import Thing\n",
            "app/models/core.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.views import V\n",
            "app/views.py": "try:\n    import app.models.core\nexcept ImportError:\n    pass\n",
            "lib/__init__.py": "",
            "lib/a.py": "import lib.b\n",
            "lib/b.py": "from ..lib import a\n",
        },
    )
    edges = import_edges(project_modules(tmp_path, ("app", "lib")))
    assert edges["app.services"] == {"app.tasks", "app.selectors"}
    assert edges["app.selectors"] == {"app.services"}  # inside a function: still a dependency
    assert edges["app.models"] == {"app.models.core"}
    assert edges["app.models.core"] == set()  # TYPE_CHECKING only
    assert edges["app.views"] == {"app.models.core"}
    found = cycles(edges)
    assert sorted(sorted(c) for c in found) == [["app.selectors", "app.services", "app.tasks"], ["lib.a", "lib.b"]]
