"""A Griffe extension: the Sphinx roles of the project's docstrings as MkDocs cross-references.

The docstrings name code the Sphinx way (``:func:`load_hub_split```, ``:class:`pipeline.core.exceptions.DataError```).
Before mkdocstrings renders a docstring, each role becomes an autorefs link (``[`load_hub_split`][pipeline...]``)
when its target is a ``pipeline`` object, a name the docstring's module imports or one it documents, and plain code
otherwise (a library's name, a private helper, a constant without a docstring). A role whose ``pipeline.`` target no
longer exists becomes a link that autorefs cannot resolve, which ``mkdocs build --strict`` reports: a stale reference
fails the build.
"""

from __future__ import annotations

import re

from griffe import Extension, Object

ROLE = re.compile(r":(?:py:)?(?:mod|func|class|data|attr|meth|exc|obj|const):`(~?)([^`<>]+)`")


def _target(obj: Object, name: str) -> str | None:
    if name.startswith("pipeline.") or name == "pipeline":
        return name
    module = obj if obj.is_module else obj.module
    head, _, rest = name.partition(".")
    member = module.members.get(head)
    if member is None or head.startswith("_"):
        return None
    if member.is_alias:  # a name the module imports: the link goes to where it is defined
        return f"{member.target_path}.{rest}".rstrip(".")
    return f"{module.path}.{name}" if member.docstring is not None else None


def rewrite(obj: Object, text: str) -> str:
    """``text`` with every Sphinx role replaced by an autorefs link or a code span."""

    def replace(match: re.Match) -> str:
        short, name = match.group(1) == "~", match.group(2).strip()
        shown = name.rsplit(".", 1)[-1] if short else name
        target = _target(obj, name)
        return f"[`{shown}`][{target}]" if target else f"`{shown}`"

    return ROLE.sub(replace, text)


class SphinxRoles(Extension):
    """Rewrites the roles of every docstring Griffe loads (modules, classes, functions, attributes)."""

    def on_instance(self, *, obj: Object, **kwargs) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rewrite(obj, obj.docstring.value)
