"""The ``pipeline.*`` modules a module imports, directly or through other ``pipeline`` modules, read from source."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "pipeline"


def direct_imports(path: Path) -> set[str]:
    """Names of the ``pipeline.*`` modules imported anywhere in the file (inside functions too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith(f"{PACKAGE}.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == PACKAGE:
                found |= {f"{PACKAGE}.{alias.name}" for alias in node.names}
            elif node.module.startswith(f"{PACKAGE}."):
                found.add(node.module)
    return found


def module_file(root: Path, module: str) -> Path:
    return root / (module.replace(".", "/") + ".py")


def import_closure(root: Path, module: str) -> set[str]:
    """``module`` and every ``pipeline`` module it reaches through imports; ``root`` is the repository."""
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo += sorted(direct_imports(module_file(root, current)) - seen)
    return seen
