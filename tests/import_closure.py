"""The ``pipeline.*`` modules a module imports, directly or through other ``pipeline`` modules, read from source.

Modules are dotted names (``pipeline.stages.train``); a package stands for its ``__init__.py``. Importing
``pipeline.core.paths`` also runs ``pipeline/__init__.py`` and ``pipeline/core/__init__.py``; those hold only a
docstring (``tests/test_dvc_contract.py`` checks it), so the closure leaves packages out.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "pipeline"


def module_file(root: Path, module: str) -> Path:
    """The source file of ``module``: ``<name>.py``, or ``<name>/__init__.py`` for a package."""
    path = root / module.replace(".", "/")
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def is_package(root: Path, module: str) -> bool:
    return (root / module.replace(".", "/")).is_dir()


def direct_imports(path: Path, root: Path) -> set[str]:
    """Names of the ``pipeline.*`` modules imported anywhere in the file (inside functions too); ``from
    pipeline.core import paths`` names the module ``pipeline.core.paths``, not the package."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != PACKAGE:
                continue
            if is_package(root, node.module):
                found |= {
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if module_file(root, f"{node.module}.{alias.name}").is_file()
                }
            else:
                found.add(node.module)
    return {module for module in found if not is_package(root, module)}


def import_closure(root: Path, module: str) -> set[str]:
    """``module`` and every ``pipeline`` module it reaches through imports; ``root`` is the repository."""
    seen, todo = set(), [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo += sorted(direct_imports(module_file(root, current), root) - seen)
    return seen
