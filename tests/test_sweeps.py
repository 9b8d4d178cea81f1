"""Hyper-parameter sweeps on DVC's experiment queue, as DVC documents them: ``dvc exp run --queue -S ...``, then
``dvc queue start``, on a copy of the repository with one system, a tiny random encoder and a few sentences.

The experiments are read from ``dvc exp show --json`` without assuming which stages ran (the params and the
``reports/metrics/<system>.json`` files are what a sweep compares), so the checks hold whatever the stages look like.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.test_pipeline_e2e import commit_all, copy_repository, run, set_params

pytestmark = pytest.mark.slow

SYSTEM = "B"
METRICS = f"reports/metrics/{SYSTEM}.json"
RATES = (1.0e-9, 1.0e-3)
"""The two points of the sweep: a rate that leaves the random weights as they are, and one that trains them."""
BAD = "bad-rate"
SENTENCES = {"train": 40, "val": 12, "test": 12}
"""The first English sentences of each split of the sample that the copy trains and tests on."""
READABLE = [
    "dvc",
    "exp",
    "show",
    "--no-pager",
    "--hide-failed",
    "--only-changed",
    "--drop",
    ".*/|Created|Executor",
    "--keep",
    f"reports/metrics/{SYSTEM}\\.json:f1",
    "--sort-by",
    f"{METRICS}:f1",
    "--sort-order",
    "desc",
]
"""The table command of docs/sweeps.md, failed experiments hidden: the swept params and one system's test F1, best
first."""


def queue_status(repo: Path) -> dict[str, str]:
    """``dvc queue status`` as experiment name to status (``Queued``, ``Running``, ``Success``, ``Failed``, ...)."""
    lines = run(["dvc", "queue", "status"], repo).splitlines()
    header = next(index for index, line in enumerate(lines) if line.split()[:2] == ["Task", "Name"])
    rows = [line.split() for line in lines[header + 1 :]]
    end = next((index for index, row in enumerate(rows) if not row), len(rows))  # a blank line, then the workers
    return {row[1]: row[-1] for row in rows[:end]}


def wait_for_queue(repo: Path, timeout: float = 1800.0) -> dict[str, str]:
    """Poll ``dvc queue status`` until no task is queued or running; the final statuses."""
    deadline = time.monotonic() + timeout
    while True:
        status = queue_status(repo)
        if not {"Queued", "Running"} & set(status.values()):
            return status
        assert time.monotonic() < deadline, f"the queue did not finish: {status}"
        time.sleep(5)


def start_workers(repo: Path) -> None:
    """``dvc queue start -j 1``, its output in ``queue-start.log`` beside the copy: the worker it leaves running
    inherits the command's output, so a captured pipe would stay open until the queue is done."""
    run(["sh", "-c", "dvc queue start -j 1 > ../queue-start.log 2>&1"], repo)
    assert "Started" in (repo.parent / "queue-start.log").read_text()


def experiments(repo: Path) -> list[dict]:
    """Every experiment of ``dvc exp show --json`` (not the baselines): its name, executor state, params.yaml
    values and metrics files."""
    shown = json.loads(run(["dvc", "exp", "show", "--json"], repo).strip().splitlines()[-1])
    found = []
    for baseline in shown:
        for experiment in baseline.get("experiments") or []:
            rev = experiment["revs"][0]
            data = rev.get("data") or {}
            found.append(
                {
                    "name": experiment.get("name") or rev.get("name"),
                    "state": (experiment.get("executor") or {}).get("state"),
                    "error": rev.get("error"),
                    "params": data.get("params", {}).get("params.yaml", {}).get("data", {}),
                    "metrics": {path: entry.get("data") for path, entry in data.get("metrics", {}).items()},
                }
            )
    return found


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory, tiny_encoder: Path) -> Iterator[Path]:
    """A copy of the repository with System B alone, trained one epoch on a few sentences, whose queue ran a bad
    learning rate first, then a two-point sweep of the learning rate; yields the copy once the queue is done."""
    repo = tmp_path_factory.mktemp("sweep") / "repo"
    repo.mkdir()
    copy_repository(repo)
    # Queued experiments run in a temporary copy of the commit: the data they read lies inside it.
    for split, count in SENTENCES.items():
        source = REPO_ROOT / "data" / "sample" / split / f"{split}_en.jsonl"
        target = repo / "data" / "tiny" / split / source.name
        target.parent.mkdir(parents=True)
        target.write_text("".join(source.read_text().splitlines(keepends=True)[:count]))
    set_params(
        repo,
        download__source="local",
        download__path="data/tiny",
        systems={SYSTEM: {"types": ["PER", "ORG", "LOC", "ANIM", "DIS"], "train": {}}},
        model__name=str(tiny_encoder),
        compute__threads=1,
        train__epochs=1,
        evaluate__languages=["en"],
        evaluate__bootstrap_resamples=10,
    )
    commit_all(repo, "one tiny system")
    run(["dvc", "exp", "run", "--queue", "-n", BAD, "-S", "train.learning_rate=-1"], repo)
    rates = ",".join(str(rate) for rate in RATES)
    queued = run(["dvc", "exp", "run", "--queue", "-S", f"train.learning_rate={rates}"], repo)
    assert queued.count("Queued experiment") == len(RATES), queued
    start_workers(repo)
    try:
        wait_for_queue(repo)
        yield repo
    finally:
        run(["dvc", "queue", "stop", "--kill"], repo)


def test_a_queued_sweep_runs_every_point_and_exp_show_holds_each(swept: Path):
    done = [experiment for experiment in experiments(swept) if experiment["name"] != BAD]
    assert [experiment["state"] for experiment in done] == ["success"] * len(RATES)
    assert sorted(experiment["params"]["train"]["learning_rate"] for experiment in done) == sorted(RATES)
    for experiment in done:
        assert experiment["error"] is None
        assert set(experiment["metrics"][METRICS]) == {"precision", "recall", "f1"}
    first, second = (experiment["metrics"][METRICS] for experiment in done)
    assert first != second  # each point's own scores, not the baseline's
    assert {status for name, status in queue_status(swept).items() if name != BAD} == {"Success"}


def test_a_failed_experiment_shows_its_one_line_error_and_stops_nothing(swept: Path):
    assert queue_status(swept)[BAD] == "Failed"
    logs = run(["dvc", "queue", "logs", BAD], swept)
    errors = [line for line in logs.splitlines() if line.startswith("error: ")]
    assert errors == ["error: train.learning_rate: got -1; allowed: a number in (0.0, 1.0]"], logs
    (failed,) = [experiment for experiment in experiments(swept) if experiment["name"] == BAD]
    assert failed["state"] == "failed" and failed["error"] is not None
    # Queued before the sweep, it ran first: the sweep's experiments ran after it and succeeded.
    assert {status for name, status in queue_status(swept).items() if name != BAD} == {"Success"}


def test_the_readable_table_fits_120_columns_and_shows_the_best_first(swept: Path):
    lines = run(READABLE, swept, COLUMNS="120").splitlines()
    table = [line for line in lines if line.strip() and not set(line.strip()) <= {"─"}]
    assert "…" not in "\n".join(lines) and max(len(line.rstrip()) for line in lines) <= 120, "\n".join(lines)
    assert table[0].split() == ["Experiment", "State", f"{METRICS}:f1", "train.learning_rate"], table[0]
    rows = [line.split() for line in table if "[" in line]  # the experiments, below the workspace and the baseline
    names = {experiment["name"] for experiment in experiments(swept)} - {BAD}
    assert {row[2].strip("[]") for row in rows} == names and BAD not in "\n".join(table)
    shown = [float(row[4]) for row in rows]  # tree, commit, [name], State, F1, learning rate
    assert shown == sorted(shown, reverse=True)
