"""``dvc.yaml`` is the contract: each stage's deps hold the code it runs, and the committed ``dvc.lock`` matches it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml
from ruamel.yaml import YAML

from tests.import_closure import direct_imports, import_closure, module_file

REPO_ROOT = Path(__file__).resolve().parents[1]
STAGES_DIR = REPO_ROOT / "pipeline" / "stages"
GIT_READER = "pipeline.verdict"
"""The one module that runs git: a command, never a stage (:func:`test_no_pipeline_module_runs_git`)."""


def resolve(node, context: dict):
    """``node`` with every ``${name.path}`` (``${name.list[0]}`` too) filled in from ``context`` (``key``, ``item``
    and params.yaml)."""

    def value(match: re.Match) -> str:
        found = context
        for part in re.findall(r"[^.\[\]]+", match.group(1)):
            found = found[int(part)] if isinstance(found, list) else found[part]
        return str(found)

    if isinstance(node, dict):
        return {resolve(key, context): resolve(entry, context) for key, entry in node.items()}
    if isinstance(node, list):
        return [resolve(entry, context) for entry in node]
    return re.sub(r"\$\{([A-Za-z0-9_.\[\]-]+)\}", value, node) if isinstance(node, str) else node


FOREACH = ("${systems}", "${external.local}", "${external.hub}")
"""What a ``foreach`` stage iterates over: the systems, or one kind of external test set."""
MATRIX = {"system": "${systems}", "seed": "${train.seeds}"}
"""What a ``matrix`` stage iterates over: every system with every training seed (one run each)."""


def full_run_params() -> dict:
    """params.yaml with params.full.yaml applied: the real run, which also declares a Hub external set (the embedded
    run declares none, so only this configuration has an ``external_hub`` stage to check)."""
    from pipeline.core.params import read_params
    from pipeline.overrides import apply_overrides

    return apply_overrides(read_params(REPO_ROOT / "params.yaml"), read_params(REPO_ROOT / "params.full.yaml"))


def dvc_stages(root: Path = REPO_ROOT, params: dict | None = None) -> dict[str, dict]:
    """Every stage of ``dvc.yaml`` as DVC resolves it with ``params`` (default: ``root``'s params.yaml): a
    ``foreach`` over one of :data:`FOREACH` expanded into ``<stage>@<key>`` with ``${key}`` (the system or set) and
    ``${item.…}`` (its entry), a ``matrix`` (:data:`MATRIX`) into ``<stage>@<system>-<seed>`` with ``${item.system}``
    and ``${item.seed}``, and ``${…}`` of the parameters filled in."""
    spec = yaml.safe_load((root / "dvc.yaml").read_text())["stages"]
    if params is None:
        params = yaml.safe_load((root / "params.yaml").read_text())
    stages = {}
    for name, stage in spec.items():
        if "matrix" in stage:
            assert stage["matrix"] == MATRIX, f"{name}: a matrix over {stage['matrix']}"
            body = {key: entry for key, entry in stage.items() if key != "matrix"}
            stages |= {
                f"{name}@{system}-{seed}": resolve(body, {**params, "item": {"system": system, "seed": seed}})
                for system in params["systems"]
                for seed in params["train"]["seeds"]
            }
        elif "foreach" in stage:
            assert stage["foreach"] in FOREACH, f"{name}: iterates over {stage['foreach']}"
            entries = params
            for part in stage["foreach"][2:-1].split("."):
                entries = entries[part]
            stages |= {
                f"{name}@{key}": resolve(stage["do"], {**params, "key": key, "item": item})
                for key, item in entries.items()
            }
        else:
            stages[name] = resolve(stage, params)
    return stages


def out_paths(entries: list) -> list[str]:
    return [entry if isinstance(entry, str) else next(iter(entry)) for entry in entries]


EVERY_STAGE = dvc_stages(params=full_run_params())
"""The stages of both configurations: the embedded run's and the real run's (its Hub external set)."""


@pytest.mark.parametrize("stage", sorted(EVERY_STAGE))
def test_every_module_a_stage_imports_is_a_dep(stage: str):
    spec = EVERY_STAGE[stage]
    module = spec["cmd"].split()[2]  # python -m pipeline.stages.<name> [SYSTEM]
    deps = spec["deps"]
    missing = sorted(
        str(module_file(Path("."), name))
        for name in import_closure(REPO_ROOT, module)
        if not any(
            str(module_file(Path("."), name)) == dep
            or str(module_file(Path("."), name)).startswith(dep.rstrip("/") + "/")
            for dep in deps
        )
    )
    assert not missing, f"{stage}: runs {missing} but does not list them as deps"


@pytest.mark.parametrize("stage", sorted(EVERY_STAGE))
def test_code_deps_are_the_stage_module_and_whole_packages_it_imports(stage: str):
    """Code deps are at package granularity: the stage's own module, then ``pipeline/<package>`` folders, each one
    the stage imports a module of (a package it never imports would rerun it for nothing)."""
    spec = EVERY_STAGE[stage]
    module = spec["cmd"].split()[2]
    closure = {str(module_file(Path("."), name)) for name in import_closure(REPO_ROOT, module)}
    code_deps = [dep for dep in spec["deps"] if dep.startswith("pipeline/")]
    assert code_deps[0] == str(module_file(Path("."), module)), f"{stage}: its own module is not its first dep"
    for dep in code_deps[1:]:
        path = REPO_ROOT / dep
        assert path.is_dir() and (path / "__init__.py").is_file(), f"{stage}: {dep} is not a package folder"
        files = {str(f.relative_to(REPO_ROOT)) for f in path.glob("*.py") if f.name != "__init__.py"}
        assert files & closure, f"{stage}: lists {dep} as a dep but imports none of its modules"


def test_no_module_imports_a_stage_or_a_command():
    """Stages and the four commands (``predict``, ``serve``, ``overrides``, ``verdict``) are entry points: nothing
    imports them, so a stage's code is the closure of its own imports."""
    entry_points = {f"pipeline.stages.{path.stem}" for path in STAGES_DIR.glob("*.py")} | {
        "pipeline.predict",
        "pipeline.serve",
        "pipeline.overrides",
        "pipeline.verdict",
    }
    for path in sorted((REPO_ROOT / "pipeline").rglob("*.py")):
        imported = direct_imports(path, REPO_ROOT) & entry_points
        assert not imported, f"{path.relative_to(REPO_ROOT)} imports {sorted(imported)}"


def test_no_stage_reaches_the_verdict_command():
    """``pipeline/verdict.py`` reads git (the one module that may): no stage's import closure holds it, so no
    stage's outputs depend on the repository's history."""
    assert module_file(REPO_ROOT, GIT_READER).is_file()
    for path in sorted(STAGES_DIR.glob("*.py")):
        if path.name != "__init__.py":
            closure = import_closure(REPO_ROOT, f"pipeline.stages.{path.stem}")
            assert GIT_READER not in closure, f"pipeline/stages/{path.name} imports {GIT_READER}"


def test_one_stage_module_per_stage_and_packages_hold_no_code():
    """``pipeline/stages/`` holds exactly the stages of ``dvc.yaml``, each named as its stage; a package's
    ``__init__.py`` holds a docstring and nothing else, so importing a package runs no code."""
    assert {path.stem for path in STAGES_DIR.glob("*.py")} - {"__init__"} == {
        name.split("@")[0] for name in EVERY_STAGE
    }
    for path in sorted((REPO_ROOT / "pipeline").rglob("__init__.py")):
        body = ast.parse(path.read_text(encoding="utf-8")).body
        assert len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant), path


def lock_params(entry: dict) -> dict:
    return entry.get("params", {}).get("params.yaml", {})


def current_value(params: dict, dotted: str):
    node = params
    for key in dotted.split("."):
        node = node[key]
    return node


def test_committed_lock_matches_dvc_yaml_and_params():
    """The reference run in ``dvc.lock`` was made with today's stage commands, deps, outs and parameters."""
    yaml12 = YAML(typ="safe", pure=True)  # as DVC reads and writes both files: 1e-08 is a number
    lock = yaml12.load((REPO_ROOT / "dvc.lock").read_text())["stages"]
    params = yaml12.load((REPO_ROOT / "params.yaml").read_text())
    stages = dvc_stages()
    assert set(lock) == set(stages)
    for name, spec in stages.items():
        entry = lock[name]
        assert entry["cmd"] == spec["cmd"], name
        assert sorted(dep["path"] for dep in entry["deps"]) == sorted(spec["deps"]), name
        declared = out_paths(spec.get("outs", [])) + out_paths(spec.get("metrics", []))
        assert sorted(out["path"] for out in entry.get("outs", [])) == sorted(declared), name
        assert sorted(lock_params(entry)) == sorted(spec.get("params", [])), name
        for key, value in lock_params(entry).items():
            assert value == current_value(params, key), f"{name}: {key} was {value!r} in the reference run"


def test_committed_outputs_are_the_small_uncached_ones():
    """Every ``cache: false`` output of the reference run is committed; every cached one is left to DVC."""
    import subprocess

    tracked = set(
        subprocess.run(["git", "ls-files"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.split()
    )
    for name, spec in dvc_stages().items():
        for entry in spec.get("outs", []) + spec.get("metrics", []):
            path, options = (entry, {}) if isinstance(entry, str) else next(iter(entry.items()))
            committed = {f for f in tracked if f == path or f.startswith(path + "/")}
            if options.get("cache") is False:
                assert committed, f"{name}: {path} (cache: false) is not committed"
            else:
                assert not committed, f"{name}: {path} is a DVC output but committed to git"


def test_no_pipeline_module_runs_git():
    """A stage's outputs follow from its deps and params alone: no module reads the repository's history, but
    the ``verdict`` command, which runs the git command (and imports no git library) to compare a reproduction
    with a revision's results and which no stage imports (:func:`test_no_stage_reaches_the_verdict_command`)."""
    for path in sorted((REPO_ROOT / "pipeline").rglob("*.py")):
        exempt = path == module_file(REPO_ROOT, GIT_READER)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, (ast.Import, ast.ImportFrom))
            for alias in (node.names if isinstance(node, ast.Import) else [ast.alias(node.module or "")])
        }
        assert not imported & {"git", "dvc", "pygit2", "dulwich"}, f"{path.relative_to(REPO_ROOT)} imports {imported}"
        commands = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip() == "git"
        ]
        assert exempt or not commands, f"{path.relative_to(REPO_ROOT)} names the git command"


def test_every_system_is_a_model_of_the_registry():
    """``artifacts:`` of ``dvc.yaml`` (DVC's model registry) holds one model per system of params.yaml: the folder of
    its reference run (the first seed), a description naming its types and starting model, and labels."""
    from dvc.repo import Repo

    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    with Repo(str(REPO_ROOT)) as repo:
        artifacts = repo.artifacts.read()["dvc.yaml"]
    assert set(artifacts) == set(params["systems"])
    for system, artifact in artifacts.items():
        reference = params["train"]["seeds"][0]  # the reference run's model
        assert (artifact.path, artifact.type) == (f"models/{system}/seed-{reference}", "model")
        named = set(re.findall(r"\b[A-Z]{3,5}\b", artifact.desc))
        assert named >= set(params["systems"][system]["types"]), (system, artifact.desc)
        assert named - {"NER"} <= set(params["systems"][system]["types"]) | {"O"}, (system, artifact.desc)
        assert params["model"]["name"] in artifact.desc and artifact.labels, system
