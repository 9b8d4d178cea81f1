"""The manual: the site builds strictly, the README stays short, and what the docs name exists.

Every module, file, stage and parameter the README and ``docs/`` name is looked up in the code, ``dvc.yaml`` and the
parameter models, so a renamed module or key fails here rather than misleading a reader.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
import yaml

from pipeline.core import params as params_module

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
TEXTS = {path: path.read_text(encoding="utf-8") for path in [ROOT / "README.md", *PAGES]}
INSTALL_AND_RUN = "python3.11 -m venv .venv && . .venv/bin/activate && pip install -r requirements.txt && dvc repro"
INSTALL_AND_TEST = (
    "python3.11 -m venv .venv && . .venv/bin/activate && pip install -r requirements-dev.txt && python -m pytest"
)


class _Loader(yaml.SafeLoader):
    """Reads ``mkdocs.yml``, whose ``!!python/name:`` tags only MkDocs resolves."""


_Loader.add_multi_constructor("tag:yaml.org,2002:python/name:", lambda loader, suffix, node: suffix)


def mkdocs_config() -> dict:
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)


def nav_pages(nav) -> list[str]:
    pages: list[str] = []
    for entry in nav:
        for value in entry.values() if isinstance(entry, dict) else [entry]:
            pages.extend(nav_pages(value) if isinstance(value, list) else [value])
    return pages


def test_the_readme_is_short_and_its_two_commands_are_the_ones_ci_runs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    blocks = re.findall(r"```bash\n(.*?)```", readme, flags=re.S)
    assert blocks[0].strip() == INSTALL_AND_RUN and blocks[1].strip() == INSTALL_AND_TEST
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert INSTALL_AND_TEST.split(" && ", 2)[2] in ci
    assert "mkdocs serve" in readme


def test_every_page_is_in_the_navigation_and_every_readme_link_is_a_page():
    config = mkdocs_config()
    assert sorted(nav_pages(config["nav"])) == sorted(path.relative_to(DOCS).as_posix() for path in PAGES)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for link in re.findall(r"\]\((docs/[^)#]+)", readme):
        assert (ROOT / link).is_file(), link


def pipeline_modules() -> set[str]:
    modules = set()
    for path in (ROOT / "pipeline").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules.add(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return modules


def test_the_api_reference_documents_every_module_once():
    pages = sorted((DOCS / "reference").glob("*.md"))
    directives = re.findall(r"(?m)^::: ([\w.]+)$", "".join(page.read_text(encoding="utf-8") for page in pages))
    assert len(directives) == len(set(directives))
    assert set(directives) == pipeline_modules()


@cache
def top_level_names(module_file: Path) -> frozenset[str]:
    names: set[str] = set()
    for node in ast.parse(module_file.read_text(encoding="utf-8")).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return frozenset(names)


def missing_dotted_name(dotted: str) -> str | None:
    """Why ``pipeline.x.y[.attr]`` (or ``benchmarks.x``) names nothing, or None when it names a module or one of
    its top-level names."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:cut])
        module = base.with_suffix(".py") if base.with_suffix(".py").is_file() else base / "__init__.py"
        if module.is_file():
            rest = parts[cut:]
            if rest and rest[0] not in top_level_names(module):
                return f"{'.'.join(parts[:cut])} has no {rest[0]!r}"
            return None
    return "no such module"


def named(pattern: str) -> list[tuple[str, str]]:
    return [
        (path.relative_to(ROOT).as_posix(), match)
        for path, text in TEXTS.items()
        for match in re.findall(pattern, text)
    ]


def test_every_module_and_function_the_docs_name_exists():
    found = [
        (page, name)
        for page, name in named(r"(?<![\w/.-])((?:pipeline|benchmarks)(?:\.[A-Za-z_]\w*)+)")
        if name.rsplit(".", 1)[-1] not in ("md", "py", "yaml")
    ]  # a page or file, not a module
    assert len(found) > 50
    problems = {(page, name, why) for page, name in found if (why := missing_dotted_name(name))}
    assert not problems


def test_every_file_the_docs_name_exists():
    found = named(r"`((?:pipeline|benchmarks|tests|docs|data/sample|\.ci)/[^`\s<>{}*]*)`")
    assert len(found) > 30
    missing = {(page, name) for page, name in found if not (ROOT / name.split("::")[0]).exists()}
    assert not missing


def dvc_stages() -> set[str]:
    return set(yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"])


def test_every_stage_the_docs_name_exists_and_the_pipeline_page_describes_every_stage():
    stages = dvc_stages()
    found = named(r"`([a-z0-9_]+)@[^`\s]+`") + named(r"python -m pipeline\.stages\.([a-z0-9_]+)")
    assert len(found) > 10
    assert not {(page, name) for page, name in found if name not in stages}
    table = re.findall(
        r"(?m)^\| `([a-z0-9_]+)(?:@<\w+>)?` \| `pipeline/stages/(\w+)\.py` \|",
        (DOCS / "pipeline.md").read_text(encoding="utf-8"),
    )
    assert {stage for stage, _ in table} == stages and all(stage == module for stage, module in table)


@cache
def block_fields() -> dict[str, set[str]]:
    """Every key of each parameter block: the fields of its models, and the keys of both parameter files."""
    fields: dict[str, set[str]] = {}
    for cls in vars(params_module).values():
        if isinstance(cls, type) and issubclass(cls, params_module.Block) and hasattr(cls, "BLOCK"):
            fields.setdefault(cls.BLOCK, set()).update(cls.model_fields)
    for name in ("params.yaml", "params.full.yaml"):
        for block, values in yaml.safe_load((ROOT / name).read_text(encoding="utf-8")).items():
            fields.setdefault(block, set()).update(values if isinstance(values, dict) else ())
    return fields


def missing_parameter(key: str) -> str | None:
    """Why the dotted parameter ``key`` (placeholders ``<...>`` and ``*`` allowed) is no key of the parameters."""
    parts = key.split(".")
    fields = block_fields()
    wildcard = re.compile(r"^(<[^>]+>|\*)$")
    if parts[0] == "systems":
        entry = set(params_module.SystemParams.model_fields)
        if len(parts) > 2 and not wildcard.match(parts[2]) and parts[2] not in entry:
            return f"a system has no {parts[2]!r}"
        if len(parts) > 3 and parts[2] == "train" and not wildcard.match(parts[3]) and parts[3] not in fields["train"]:
            return f"train has no {parts[3]!r}"
        return None
    if parts[0] == "external":
        models = {"local": params_module.LocalSet, "hub": params_module.HubSet}
        if len(parts) > 1 and not wildcard.match(parts[1]) and parts[1] not in models:
            return f"external has no {parts[1]!r}"
        if len(parts) > 3 and not wildcard.match(parts[3]) and parts[3] not in models[parts[1]].model_fields:
            return f"external.{parts[1]} sets have no {parts[3]!r}"
        return None
    if len(parts) > 1 and not wildcard.match(parts[1]) and parts[1] not in fields.get(parts[0], ()):
        return f"{parts[0]} has no {parts[1]!r}"
    return None


def test_every_parameter_the_docs_name_exists():
    blocks = "|".join(sorted(block_fields()))
    key = rf"((?:{blocks})(?:\.(?:[A-Za-z0-9_-]+|<[^>`]+>|\*))+)"
    found = named(rf"`\+?{key}(?=[`:= ])") + named(rf"-S '?\+?{key}=")
    found = [(page, name) for page, name in found if not name.endswith(".py")]
    assert len(found) > 60
    problems = {(page, name, why) for page, name in found if (why := missing_parameter(name))}
    assert not problems


def test_the_parameter_check_finds_a_wrong_key():
    assert missing_parameter("train.learning_rate") is None
    assert missing_parameter("systems.<S>.train.learning_rate") is None
    assert missing_parameter("external.local.<set>.token_column") is None
    assert missing_parameter("train.learning_rat") == "train has no 'learning_rat'"
    assert missing_parameter("systems.B.train.epoch") == "train has no 'epoch'"
    assert missing_parameter("external.hub.x.path") == "external.hub sets have no 'path'"
    assert missing_dotted_name("pipeline.model.model_folder.load_model") is None
    assert (
        missing_dotted_name("pipeline.model.model_folder.load_modle")
        == "pipeline.model.model_folder has no 'load_modle'"
    )


def test_sphinx_roles_become_cross_references_or_code():
    sys.path.insert(0, str(DOCS))
    try:
        from griffe import Module
        from griffe_roles import rewrite
    finally:
        sys.path.remove(str(DOCS))
    module = Module("conll", parent=Module("sources", parent=Module("pipeline")))
    text = (
        "Read by :func:`pipeline.sources.conll.read_conll`, raises :class:`~pipeline.core.exceptions.DataError`; "
        "see :mod:`pyarrow.compute`."
    )
    assert rewrite(module, text) == (
        "Read by [`pipeline.sources.conll.read_conll`][pipeline.sources.conll.read_conll], "
        "raises [`DataError`][pipeline.core.exceptions.DataError]; see "
        "`pyarrow.compute`."
    )


@pytest.mark.slow
def test_the_site_builds_strictly_with_the_dag_figures_and_api_reference(tmp_path: Path):
    site = tmp_path / "site"
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    pipeline_page = (site / "pipeline" / "index.html").read_text(encoding="utf-8")
    assert '<pre class="mermaid"><code>' in pipeline_page and "train@A" in pipeline_page
    assert (site / "reports" / "figures" / "training_curves.png").read_bytes() == (
        ROOT / "reports" / "figures" / "training_curves.png"
    ).read_bytes()
    reference = (site / "reference" / "sources" / "index.html").read_text(encoding="utf-8")
    assert 'id="pipeline.sources.conll.read_conll"' in reference
    assert 'href="../core/#pipeline.core.exceptions.DataError"' in reference
    assert (site / "search" / "search_index.json").is_file()


@pytest.mark.slow
def test_a_broken_link_fails_the_strict_build(tmp_path: Path):
    config = mkdocs_config()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text(
        "# Home\n\nSee [the pipeline](pipeline.md#no-such-section) and [a page](missing.md).\n", encoding="utf-8"
    )
    (tmp_path / "docs" / "pipeline.md").write_text("# The pipeline\n", encoding="utf-8")
    small = {
        "site_name": "t",
        "docs_dir": "docs",
        "validation": config["validation"],
        "markdown_extensions": ["toc"],
        "nav": ["index.md", "pipeline.md"],
    }
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(small), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "missing.md" in done.stderr and "no-such-section" in done.stderr
