"""Who imports whom, read from the source files: the layout keeps the architecture.

``learning/web/`` (pages) and ``learning/api/`` (JSON) are siblings on one request layer,
``learning/http/``: neither imports the other, and the layer imports neither. ``evidence``
imports neither Flask, Whoosh nor ``learning``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path, root: Path = ROOT) -> set[str]:
    """Every module a source file imports, relative imports made absolute, lazy ones too."""
    found: set[str] = set()
    package = list(path.relative_to(root).parts[:-1])  # a module's package is its folder
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            # ``from learning import web`` imports learning.web: the names may be modules.
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def imports_of(folder: str, root: Path = ROOT) -> dict[str, set[str]]:
    """The modules imported by each file under ``folder``, by file."""
    return {
        path.relative_to(root).as_posix(): imported_modules(path, root)
        for path in sorted((root / folder).rglob("*.py"))
    }


def offending(folder: str, forbidden: tuple[str, ...], root: Path = ROOT) -> list[str]:
    """``file: module`` for every import under ``folder`` of a forbidden package."""
    return [
        f"{name}: {module}"
        for name, modules in imports_of(folder, root).items()
        for module in sorted(modules)
        if any(module == f or module.startswith(f + ".") for f in forbidden)
    ]


@pytest.mark.parametrize(
    "folder, forbidden",
    [
        ("learning/web", ("learning.api",)),
        ("learning/api", ("learning.web",)),
        ("learning/http", ("learning.web", "learning.api")),
        ("evidence", ("flask", "flask_login", "flask_wtf", "whoosh", "search_index", "learning")),
    ],
)
def test_the_layers_import_only_downwards(folder, forbidden) -> None:
    assert imports_of(folder), f"no source files under {folder}"
    assert offending(folder, forbidden) == []


def test_the_import_reader_sees_relative_and_lazy_imports(tmp_path) -> None:
    """The walk above can fail: it sees ``from ..api import x`` and imports inside functions."""
    (tmp_path / "learning" / "web").mkdir(parents=True)
    (tmp_path / "learning" / "web" / "page.py").write_text(
        "from ..api import errors\n\ndef later():\n    from learning.api.routes import bp\n",
        encoding="utf-8",
    )
    (tmp_path / "learning" / "web" / "__init__.py").write_text(
        "from . import page\n", encoding="utf-8"
    )
    assert offending("learning/web", ("learning.api",), tmp_path) == [
        "learning/web/page.py: learning.api",
        "learning/web/page.py: learning.api.errors",
        "learning/web/page.py: learning.api.routes",
        "learning/web/page.py: learning.api.routes.bp",
    ]
