"""Train and score one system on real text, with the pipeline's own stages, in a folder of its own.

The data is a folder laid out like MultiNERD on the Hub (``train/``, ``val/``, ``test/`` with
``*_<lang>.jsonl`` files), read as a ``local`` source, as a user with their own copy would. The script
copies ``params.yaml`` into a work folder with ``download.source: local``, ``download.path`` and
``train.epochs: 1`` (plus any ``--set KEY=VALUE``); with ``--train-sentences N`` the source is a copy in the work
folder whose train files keep their first N lines (validation and test stay whole). It then runs
``python -m pipeline.stages.download``, ``prepare``, ``train``, ``evaluate`` and ``seeds`` there (one run: the first
seed of ``train.seeds``), one process each, and prints the wall time of each stage and the test precision, recall
and F1 per entity type (``reports/scores/<system>.json``)
and overall (``reports/metrics/<system>.json``). With ``--external NAME=PATH`` (repeatable) the work folder's
``external`` block declares each CoNLL file as a local external test set (columns ``--external-columns``, PER, ORG
and LOC kept, every other type ``O``; the parameter file's own sets are left out), and the script also runs
``external_local`` for each and ``external`` for the system, then prints each set's scores with their 95% bootstrap
intervals (``reports/external/<system>.json``). The repository's own ``data/``, ``models/``, ``reports/`` and
``dvc.lock`` are never touched.

Usage, from the repository root (System B, 1 epoch on WikiNEuRal's English sentences: see
``docs/benchmarks.md`` for the measured figures)::

    python -m benchmarks.bench_real_text --data /path/to/wikineural --train-sentences 1500 --threads 1 \
        [--external wikiann=/path/to/wikiann/en/test.conllu] [--work /tmp/real-text] [--system B] \
        [--set train.epochs=2] [--json-out /tmp/real_text.json]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from ruamel.yaml import YAML

from pipeline.core.params import ParamError, TrainParams, read_params
from pipeline.evaluation import results

REPO_ROOT = Path(__file__).resolve().parents[1]
STAGES = ("download", "prepare", "train", "evaluate", "seeds")
RUN_STAGES = ("train", "export", "evaluate", "int8", "languages", "external")
"""The stages whose command line names a run, ``SYSTEM SEED`` (the others take a system, a set or nothing)."""
EXTERNAL_TYPES = {"PER": "PER", "ORG": "ORG", "LOC": "LOC"}
"""The type map of every ``--external`` set: the types the MultiNERD paper keeps on other sets; MISC becomes O."""


def parse_override(text: str) -> tuple[list[str], Any]:
    """``train.epochs=2`` as (``["train", "epochs"]``, 2); the value is read as YAML 1.2, as ``params.yaml``."""
    key, separator, value = text.partition("=")
    if not separator or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.split("."), YAML(typ="safe", pure=True).load(value)


def cut_train_split(data: Path, out: Path, sentences: int) -> Path:
    """A copy of the folder ``data`` in ``out`` whose ``train/`` files hold only their first ``sentences``
    lines (rows); raises ``ValueError`` when a train file is not JSONL, whose rows cannot be cut by line."""
    for path in sorted(data.rglob("*")):
        if not path.is_file():
            continue
        target = out / path.relative_to(data)
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.relative_to(data).parts[0] != "train":
            shutil.copyfile(path, target)
        elif path.suffix != ".jsonl":
            raise ValueError(f"{path}: --train-sentences needs JSONL train files")
        else:
            with path.open(encoding="utf-8") as source:
                target.write_text("".join(itertools.islice(source, sentences)), encoding="utf-8")
    return out


def parse_external(text: str) -> tuple[str, Path]:
    """``wikiann=/data/wikiann/en/test.conllu`` as (``"wikiann"``, the path)."""
    name, separator, path = text.partition("=")
    if not separator or not name or not path:
        raise argparse.ArgumentTypeError(f"expected NAME=PATH, got {text!r}")
    return name, Path(path)


def parse_columns(text: str) -> tuple[int, int]:
    """``1,-1`` as the token and tag columns (0-based; negative from the end)."""
    try:
        token, tag = (int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected TOKEN,TAG columns such as 1,-1, got {text!r}") from None
    return token, tag


def run_params(
    base: dict[str, Any],
    data: Path,
    overrides: list[tuple[list[str], Any]],
    external: list[tuple[str, Path]] = (),
    columns: tuple[int, int] = (1, -1),
) -> dict[str, Any]:
    """``base`` with the local source at ``data``, one epoch, the external test sets ``external`` (name, CoNLL file)
    in place of the file's own, then ``overrides``; raises KeyError for a ``--set`` key whose parent is not in the
    file."""
    params = json.loads(json.dumps(base))
    params["download"].update(source="local", path=str(data.resolve()))
    params["train"]["epochs"] = 1
    params["external"] = {
        "local": {
            name: {
                "path": str(path.resolve()),
                "token_column": columns[0],
                "tag_column": columns[1],
                "types": dict(EXTERNAL_TYPES),
            }
            for name, path in external
        },
        "hub": {},
    }
    for keys, value in overrides:
        node = params
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return params


def check_training(params: dict[str, Any], system: str) -> None:
    """Raise ``SystemExit`` (one line) unless the ``train`` block of ``params`` is valid for ``system`` and names one
    seed: a stage of one run reads its keys by name, so a key that is not one (``train.seed``) would be ignored,
    and this benchmark trains and scores one run."""
    try:
        seeds = TrainParams.for_system(params, system, {}).seeds
    except ParamError as error:
        raise SystemExit(f"error: {error}") from None
    if len(seeds) != 1:
        raise SystemExit(f"error: train.seeds: got {list(seeds)}; allowed: one seed (this benchmark trains one run)")


def write_params(work: Path, params: dict[str, Any]) -> None:
    """Write ``params`` as the work folder's ``params.yaml``, in the file's own key order."""
    (work / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False), encoding="utf-8")


def stage_arguments(stage: str, name: str, seed: int) -> list[str]:
    """The command-line arguments of ``stage`` for the system (or set) ``name`` and the training seed ``seed``: none
    for ``download``, ``SYSTEM SEED`` for the stages of one run (:data:`RUN_STAGES`), else ``name``."""
    if stage == "download":
        return []
    return [name, str(seed)] if stage in RUN_STAGES else [name]


def run_stage(
    stage: str, arguments: list[str], work: Path, log: Path, environment: dict[str, str] | None = None
) -> float:
    """Run ``python -m pipeline.stages.<stage> ARGUMENTS...`` (:func:`stage_arguments`) in ``work``, appending its
    output to ``log``; the wall seconds. ``environment`` adds variables to the stage's environment.

    Raises ``SystemExit`` with the stage's last output lines when it fails.
    """
    command = [sys.executable, "-m", f"pipeline.stages.{stage}", *arguments]
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        **(environment or {}),
    }
    start = time.perf_counter()
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"$ {' '.join(command)}\n")
        handle.flush()
        completed = subprocess.run(command, cwd=work, env=env, stdout=handle, stderr=subprocess.STDOUT, check=False)
    seconds = time.perf_counter() - start
    if completed.returncode != 0:
        tail = "".join(log.read_text(encoding="utf-8").splitlines(keepends=True)[-20:])
        raise SystemExit(f"error: stage {stage} failed (status {completed.returncode}); end of {log}:\n{tail}")
    return seconds


def per_type_rows(scores: dict[str, Any], metrics: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(type, scores)`` of every type with gold or predicted entities (``test_<TYPE>`` of the per-type
    ``scores``), then ``overall`` (the overall ``metrics``)."""
    rows = [
        (key[len("test_") :], value)
        for key, value in scores.items()
        if key.startswith("test_") and isinstance(value, dict)
    ]
    overall = {
        "precision": metrics["precision"],
        "recall": metrics["recall"],
        "f1": metrics["f1"],
        "number": sum(value["number"] for _, value in rows),
    }
    return sorted(rows) + [("overall", overall)]


def print_report(system: str, seconds: dict[str, float], scores: dict[str, Any], metrics: dict[str, Any]) -> None:
    print(
        f"System {system}, {' + '.join(f'{stage} {seconds[stage]:.0f} s' for stage in seconds)} "
        f"= {sum(seconds.values()) / 60:.1f} min"
    )
    print(f"{'type':<8} {'precision':>9} {'recall':>9} {'f1':>9} {'gold':>6}")
    for name, row in per_type_rows(scores, metrics):
        print(f"{name:<8} {row['precision']:>9.4f} {row['recall']:>9.4f} {row['f1']:>9.4f} {row['number']:>6}")


def print_external(system: str, found: dict[str, Any]) -> None:
    """Each external set's sentences, overall precision, recall and F1 with its 95% interval, and per-type F1."""
    print(f"System {system} on other test sets ({', '.join(EXTERNAL_TYPES)}; MISC made O)")
    print(f"{'set':<12} {'sentences':>9} {'precision':>9} {'recall':>9} {'f1':>9}  {'f1 95% CI':<17} per-type F1")
    for name, entry in found["sets"].items():
        overall = entry["intervals"]["system"]["overall"]
        low, high = overall["f1"]["interval"]
        by_type = entry["intervals"]["system"]["types"]
        types = " ".join(f"{entity_type} {scores['f1']['score']:.4f}" for entity_type, scores in by_type.items())
        print(
            f"{name:<12} {entry['sentences']:>9,} {overall['precision']['score']:>9.4f} "
            f"{overall['recall']['score']:>9.4f} {overall['f1']['score']:>9.4f}  [{low:.4f}, {high:.4f}]  {types}"
        )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="a MultiNERD-layout folder (train/train_en.jsonl…)")
    parser.add_argument("--system", default="B", help="a system of the parameter file (default: %(default)s)")
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="work folder (default: a new folder under the system's temporary directory)",
    )
    parser.add_argument("--params", type=Path, default=REPO_ROOT / "params.yaml", help="parameters to start from")
    parser.add_argument(
        "--train-sentences",
        type=int,
        default=None,
        metavar="N",
        help="train on the first N rows of each train file only (default: all)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="torch CPU threads per stage, i.e. compute.threads (default: the parameter file's); "
        "on a machine shared with other work 1 is steadier",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        type=parse_override,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one parameter, e.g. train.epochs=2 (repeatable)",
    )
    parser.add_argument(
        "--external",
        type=parse_external,
        action="append",
        default=[],
        metavar="NAME=PATH",
        help="a CoNLL test file also scored, as the external test set NAME (repeatable)",
    )
    parser.add_argument(
        "--external-columns",
        type=parse_columns,
        default=(1, -1),
        metavar="TOKEN,TAG",
        help="0-based token and tag columns of the --external files (default: 1,-1, the layout "
        "index<TAB>token<TAB>tag of WikiNEuRal's and WikiANN's files)",
    )
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        parser.error(f"--data {args.data}: folder not found")
    if args.train_sentences is not None and args.train_sentences < 1:
        parser.error("--train-sentences must be at least 1")
    for name, path in args.external:
        if not path.is_file():
            parser.error(f"--external {name}={path}: file not found")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the stages and print the report; returns the parameters, stage times, overall test metrics and
    per-type test scores."""
    args = parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="real-text-"))
    work.mkdir(parents=True, exist_ok=True)
    data = (
        args.data if args.train_sentences is None else cut_train_split(args.data, work / "source", args.train_sentences)
    )
    threads = [(["compute", "threads"], args.threads)] if args.threads is not None else []
    params = run_params(read_params(args.params), data, threads + args.overrides, args.external, args.external_columns)
    check_training(params, args.system)
    write_params(work, params)
    log = work / "stages.log"
    print(f"work folder {work}; stage output in {log}", flush=True)
    seed = params["train"]["seeds"][0]  # the run scored: the system's reference run
    seconds = {stage: run_stage(stage, stage_arguments(stage, args.system, seed), work, log) for stage in STAGES}
    metrics = json.loads((work / results.system(args.system).metrics_file).read_text(encoding="utf-8"))
    scores = json.loads((work / results.system(args.system).scores_file).read_text(encoding="utf-8"))
    print_report(args.system, seconds, scores, metrics)
    found = None
    if args.external:
        for name, _ in args.external:
            seconds[f"external_local {name}"] = run_stage("external_local", [name], work, log)
        seconds["external"] = run_stage("external", stage_arguments("external", args.system, seed), work, log)
        found = json.loads((work / results.external(args.system).scores_file).read_text(encoding="utf-8"))
        print_external(args.system, found)
        print(f"external stages: {sum(v for k, v in seconds.items() if k.startswith('external')):.0f} s")
    result = {
        "system": args.system,
        "data": str(args.data.resolve()),
        "train_sentences": args.train_sentences,
        "threads": args.threads,
        "load_average_end": os.getloadavg(),
        "params": params,
        "seconds": seconds,
        "metrics": metrics,
        "scores": scores,
        "external": found,
    }
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
