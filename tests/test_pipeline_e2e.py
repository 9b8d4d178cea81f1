"""End to end: ``dvc repro`` on a copy of the repository with a tiny random encoder, offline."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.test_dvc_contract import dvc_stages

pytestmark = pytest.mark.slow

TYPES_B = {"PER", "ORG", "LOC", "DIS", "ANIM"}
GIT_AS_TEST_USER = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com"]
TRAINING = {"train@A-42", "train@B-42"}


def run(command: list[str], cwd: Path, **environment: str) -> str:
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "DVC_NO_ANALYTICS": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        **environment,
    }
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    return result.stdout + result.stderr


def copy_repository(target: Path) -> None:
    """Copy the files git would check out (tracked and new, not ignored) and commit them in a fresh repo."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    subprocess.run(["git", "init", "-q"], cwd=target, check=True)
    subprocess.run(["git", "add", "-A"], cwd=target, check=True)
    subprocess.run([*GIT_AS_TEST_USER, "commit", "-qm", "copy"], cwd=target, check=True)


def stages_run(output: str) -> set[str]:
    return {line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage '")}


def changed_stages(repo: Path) -> set[str]:
    """Stages ``dvc status`` reports as changed."""
    return set(json.loads(run(["dvc", "status", "--json"], repo).strip().splitlines()[-1]))


def set_params(repo: Path, **dotted: object) -> None:
    """Set ``params.yaml`` keys given as ``download__path="..."`` (``__`` for each level)."""
    params = yaml.safe_load((repo / "params.yaml").read_text())
    for key, value in dotted.items():
        node, *path = [params, *key.split("__")]
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))


STAGES = dvc_stages()
"""Every stage of ``dvc.yaml`` as the committed ``params.yaml`` resolves it, in ``dvc.yaml``'s order (upstream
first)."""
ALL_STAGES = set(STAGES)
PER_SYSTEM = [
    name
    for name, stage in yaml.safe_load((REPO_ROOT / "dvc.yaml").read_text())["stages"].items()
    if stage.get("foreach") == "${systems}"
]
"""The stages that run once per system (``prepare``, ``seeds``, ...)."""
PER_RUN = [
    name for name, stage in yaml.safe_load((REPO_ROOT / "dvc.yaml").read_text())["stages"].items() if "matrix" in stage
]
"""The stages that run once per system and seed (``train``, ``export``, ``evaluate``)."""
SEED = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())["train"]["seeds"][0]
"""The one seed of the committed parameters."""


def of_system(system: str) -> set[str]:
    """The per-system stages of ``system`` and of its run: what adding it to ``systems`` runs before the stages of all
    systems."""
    return {f"{stage}@{system}" for stage in PER_SYSTEM} | {f"{stage}@{system}-{SEED}" for stage in PER_RUN}


def readers(key: str) -> set[str]:
    """The stages that declare the parameter ``key`` (or a block holding it)."""
    return {
        name
        for name, stage in STAGES.items()
        if any(key == declared or key.startswith(f"{declared}.") for declared in stage.get("params", []))
    }


LANGUAGES = ("de", "en", "es", "fr", "it", "nl", "pl", "pt", "ru", "zh")
LOGGING_STEPS = 5


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, tiny_encoder: Path) -> Path:
    """A folder holding ``repo/`` (this repository after ``dvc repro``, committed), ``multinerd/``, the local copy of
    the data it reads as ``download.source: local`` with the relative path ``../multinerd``, and ``param_reads/``, the
    keys of ``params.yaml`` each stage read in that run (``tests/recording/sitecustomize.py``)."""
    base = tmp_path_factory.mktemp("built")
    root = base / "repo"
    root.mkdir()
    copy_repository(root)
    shutil.copytree(REPO_ROOT / "data" / "sample", base / "multinerd", ignore=shutil.ignore_patterns("*.py"))
    set_params(
        root,
        download__source="local",
        download__path="../multinerd",
        model__name=str(tiny_encoder),
        train__epochs=1,
        train__logging_steps=LOGGING_STEPS,
    )
    (base / "param_reads").mkdir()
    recording = os.pathsep.join([str(REPO_ROOT / "tests" / "recording"), str(REPO_ROOT)])
    assert (
        stages_run(run(["dvc", "repro"], root, PYTHONPATH=recording, PARAM_READS=str(base / "param_reads")))
        == ALL_STAGES
    )
    commit_all(root, "results")
    return base


@pytest.fixture()
def repo(built: Path, tmp_path: Path) -> Path:
    """A private copy of the built repository and its local data, so every test starts from the same state."""
    shutil.copytree(built, tmp_path / "w", symlinks=True)
    return tmp_path / "w" / "repo"


def test_models_load_with_stock_span_marker(repo: Path, monkeypatch: pytest.MonkeyPatch):
    from span_marker import SpanMarkerModel

    monkeypatch.chdir(repo)  # a model folder names its encoder files from the repository root
    for system, types in (("A", 15), ("B", 5)):
        config = json.loads((repo / "models" / system / "seed-42" / "config.json").read_text())
        assert config["encoder"]["_name_or_path"] == f"models/{system}/seed-42/encoder"
        model = SpanMarkerModel.from_pretrained(f"models/{system}/seed-42")
        assert len(model.config.id2label) == types + 1  # entity types plus O
        assert isinstance(model.predict(["Anna", "lives", "in", "Oslo", "."]), list)


def metrics_files(repo: Path) -> dict[str, dict]:
    """Every file ``dvc metrics show`` reads, with its values."""
    shown = json.loads(run(["dvc", "metrics", "show", "--json"], repo).strip().splitlines()[-1])
    return {path: entry["data"] for path, entry in next(iter(shown.values()))["data"].items()}


HEADLINE_FILES = {
    f"reports/metrics/{name}.json"
    for name in (
        "A",
        "B",
        "baseline_A",
        "baseline_B",
        "int8_A",
        "int8_B",
        "comparisons/A_on_B_types",
        "external_A/ood-sample",
        "external_B/ood-sample",
    )
}


def test_the_dvc_metrics_are_the_headline_scores_in_one_layout(repo: Path):
    files = metrics_files(repo)
    assert set(files) == HEADLINE_FILES
    for name in ("A", "B", "comparisons/A_on_B_types"):  # comparisons: one file each, declared by systems.B.compare
        values = files[f"reports/metrics/{name}.json"]
        assert set(values) == {"precision", "recall", "f1"} and all(0.0 <= v <= 1.0 for v in values.values())
    assert files["reports/metrics/baseline_A.json"] == {}  # the tiny encoder is not a SpanMarker model
    # What left the metrics is still written, for the report, the figures and the plots.
    audit = json.loads((repo / "reports" / "scores" / "audit.json").read_text())["totals"]
    assert audit["train"] == {"rows": 588, "distinct": 588, "repeated": 0, "conflicting": 0}  # the sample: no repeats
    assert audit["test"]["in_train"] == 0 and audit["validation"]["rows"] == 136
    for system in ("A", "B"):
        with (repo / "reports" / "plots" / "language_f1" / f"{system}.csv").open() as handle:
            by_language = {row["language"]: row for row in csv.DictReader(handle)}
        assert set(by_language) == set(LANGUAGES) and {row["baseline_f1"] for row in by_language.values()} == {""}
        # The English test split is the systems' own test split: the same score as evaluate's.
        assert float(by_language["en"]["f1"]) == pytest.approx(files[f"reports/metrics/{system}.json"]["f1"])
        training = json.loads((repo / "reports" / "training" / system / "seed-42" / "metrics.json").read_text())
        assert set(training) == {"step", "train", "validation"}
        assert set(training["validation"]) == {"precision", "recall", "f1", "accuracy", "epoch"}
        text = json.dumps(training)
        assert not any(word in text for word in ("runtime", "per_second", "flos")), text
    # One row per file, three columns: the table fits a screen.
    shown = run(["dvc", "metrics", "show"], repo).strip().splitlines()
    assert len(shown) == len(files) + 1 and shown[0].split() == ["Path", "f1", "precision", "recall"]
    assert max(len(line) for line in shown) <= 120, "\n".join(shown)


def test_per_type_scores_keep_the_original_layout(repo: Path):
    for system in ("A", "B"):
        scores = json.loads((repo / "reports" / "scores" / f"{system}.json").read_text())
        assert scores["epoch"] == pytest.approx(1.0)
        summary = json.loads((repo / "reports" / "metrics" / f"{system}.json").read_text())
        assert summary["f1"] == scores["test_overall_f1"]
        per_type = {
            key[5:]: value for key, value in scores.items() if key.startswith("test_") and isinstance(value, dict)
        }
        for values in per_type.values():
            assert set(values) == {"precision", "recall", "f1", "number"}
        gold_types = {name for name, values in per_type.items() if values["number"] > 0}
        if system == "B":
            assert set(per_type) <= TYPES_B and gold_types == TYPES_B
        else:
            assert len(gold_types) == 15


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open() as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def test_training_curves_are_per_step_against_the_optimizer_step(repo: Path):
    for system in ("A", "B"):
        steps = json.loads((repo / "models" / system / "seed-42" / "train_results.json").read_text())["global_step"]
        curves = repo / "reports" / "training" / system / "seed-42" / "plots" / "metrics"
        loss = read_tsv(curves / "train" / "loss.tsv")
        assert [int(row["step"]) for row in loss] == list(range(LOGGING_STEPS, steps + 1, LOGGING_STEPS))
        assert all(float(row["loss"]) > 0 for row in loss)
        assert set(loss[0]) == {"step", "loss"}  # no timestamps
        f1 = read_tsv(curves / "validation" / "f1.tsv")
        assert [int(row["step"]) for row in f1] == [steps]  # one evaluation per epoch, one epoch
        training = json.loads((repo / "reports" / "training" / system / "seed-42" / "metrics.json").read_text())
        assert training["step"] == steps and training["validation"]["f1"] == float(f1[-1]["f1"])


def test_plots_show_renders_exactly_the_declared_plots(repo: Path):
    shown = json.loads(run(["dvc", "plots", "show", "--json"], repo).strip().splitlines()[-1])
    assert set(shown["data"]) == {
        *(
            f"reports/plots/{name}/{system}.csv"
            for system in ("A", "B")
            for name in ("per_type_f1", "seed_f1", "language_f1")
        ),
        *(
            f"reports/plots/{name}/{system}/seed-42.csv"
            for system in ("A", "B")
            for name in ("training_loss", "validation_f1")
        ),
        "Label distribution (train)",
        "Label distribution (validation)",
        "Label distribution (test)",
    }
    for system in ("A", "B"):  # each system's curve holds its dvclive series, step by step
        values = shown["data"][f"reports/plots/training_loss/{system}/seed-42.csv"][0]["content"]["data"]["values"]
        logged = read_tsv(
            repo / "reports" / "training" / system / "seed-42" / "plots" / "metrics" / "train" / "loss.tsv"
        )
        assert [(int(v["step"]), float(v["loss"])) for v in values] == [
            (int(r["step"]), float(r["loss"])) for r in logged
        ]


def test_model_cards_carry_the_validation_scores(repo: Path):
    for system in ("A", "B"):
        card = (repo / "models" / system / "seed-42" / "README.md").read_text()
        training = repo / "reports" / "training" / system / "seed-42"
        validation = json.loads((training / "metrics.json").read_text())["validation"]
        row = " | ".join(f"{100 * validation[key]:.2f}%" for key in ("precision", "recall", "f1", "accuracy"))
        assert f"| {row} |" in card
        assert "a local copy of MultiNERD" in card and "library_name: span-marker" in card
        assert "| learning_rate |" in card and "Test results" not in card


def test_figures_and_plot_data(repo: Path):
    figures = repo / "reports" / "figures"
    for name in (
        "label_distribution_train",
        "label_distribution_validation",
        "label_distribution_test",
        "per_type_f1",
        "confusion/A",
        "confusion/B",
        "long_tail_f1",
        "training_curves",
        "language_f1",
    ):
        assert (figures / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    counts = (repo / "reports" / "plots" / "label_distribution_train.csv").read_text().splitlines()
    assert counts[0] == "label,count" and len(counts) == 31  # header + 30 B-/I- labels
    values = [int(line.split(",")[1]) for line in counts[1:]]
    assert values == sorted(values, reverse=True)


def test_same_seed_gives_identical_outputs(repo: Path):
    names = [
        "reports/metrics/B.json",
        "data/predictions/B/seed-42.parquet",
        "reports/training/B/seed-42/metrics.json",
        "reports/training/B/seed-42/plots/metrics/train/loss.tsv",
        *(str(path.relative_to(repo)) for path in sorted((repo / "models" / "B").rglob("*")) if path.is_file()),
    ]
    run_files = {
        f"models/B/seed-42/{name}" for name in ("train_results.json", "training_args.bin", "encoder/config.json")
    }
    assert run_files <= set(names)
    before = {name: (repo / name).read_bytes() for name in names}
    assert stages_run(run(["dvc", "repro", "--force", "--single-item", "train@B-42"], repo)) == {"train@B-42"}
    for name, content in before.items():
        assert (repo / name).read_bytes() == content, f"{name} changed between two runs with the same seed"
    assert changed_stages(repo) == set()  # the retrained model is the committed one: nothing after it reruns


def test_a_change_of_b_reruns_only_b_and_the_verdict_finds_only_b_outside(repo: Path):
    assert stages_run(run(["dvc", "repro"], repo)) == set()
    assert "identical results" in verdict(repo).stdout  # the committed run itself
    # System B trained with a learning rate that moves no weight: as broken as a model trained for no step.
    set_params(repo, systems__B__train={"learning_rate": 1.0e-9})
    ran = stages_run(run(["dvc", "repro"], repo))
    assert {"prepare@B", "train@B-42", "evaluate@B-42"} <= ran  # prepare@B records B's overrides for train@B
    # Nothing of System A, nothing upstream of prepare and no stage that reads only B's test data and labels
    # (baseline@B) runs again.
    assert ran <= of_system("B") - {"baseline@B"} | {"plots", "analyze", "report"}
    assert json.loads((repo / "data" / "prepared" / "B" / "train_overrides.json").read_text()) == {
        "learning_rate": 1.0e-9
    }
    result = verdict(repo)
    assert result.returncode == 1 and "verdict: outside" in result.stdout, result.stdout + result.stderr
    outside = [line for line in result.stdout.splitlines() if line.startswith("outside: ")]
    # B and B's int8 graph, exported from the same broken weights; nothing of A
    assert outside and all(line.startswith(("outside: B ", "outside: int8_B ")) for line in outside), result.stdout
    rows = [line.split() for line in result.stdout.splitlines() if line.startswith(("A ", "int8_A "))]
    assert len(rows) == 6 and all(row[-1] == "inside" for row in rows), result.stdout


def test_an_evaluation_parameter_retrains_nothing(repo: Path):
    set_params(repo, evaluate__batch_size=4)
    assert changed_stages(repo) == readers("evaluate.batch_size") and not TRAINING & readers("evaluate.batch_size")
    set_params(repo, evaluate__batch_size=16, evaluate__runtime="onnx")  # scored by the graph: still no training
    assert changed_stages(repo) == {
        "evaluate@A-42",
        "evaluate@B-42",
        "languages@A",
        "languages@B",
        "external@A",
        "external@B",
    }


def edit_code(repo: Path, module: str) -> None:
    """Append a comment to a pipeline module of ``repo``: an edit that changes the file and nothing it does."""
    with (repo / module).open("a", encoding="utf-8") as handle:
        handle.write("# edited\n")


SCORING = {f"evaluate@{system}-42" for system in ("A", "B")} | {
    f"{stage}@{system}" for stage in ("int8", "languages", "external") for system in ("A", "B")
}


def test_edits_outside_the_training_path_retrain_nothing(repo: Path):
    """Code deps follow packages: an edit reruns the stages that import the package it touches, and only those."""
    edit_code(repo, "pipeline/reporting/markdown.py")  # the report's formatting
    edit_code(repo, "pipeline/verdict.py")
    assert changed_stages(repo) == {"plots", "analyze", "report"}
    edit_code(repo, "pipeline/graphs/onnx_graph.py")  # the export, and an error message of the ONNX sessions
    assert changed_stages(repo) == {"export@A-42", "export@B-42", *SCORING, "plots", "analyze", "report"}
    run(["git", "checkout", "--", "pipeline"], repo)
    set_params(repo, onnx__check_sentences=5)  # the export's check: reruns the export, whose graphs stay the same
    assert changed_stages(repo) == {"export@A-42", "export@B-42"}
    assert stages_run(run(["dvc", "repro"], repo)) == {"export@A-42", "export@B-42"}
    edit_code(repo, "pipeline/model/inference.py")  # the training path itself
    assert changed_stages(repo) >= TRAINING


def test_evaluation_languages_rerun_only_the_language_stages(repo: Path):
    set_params(repo, evaluate__languages=["de", "en"])
    assert changed_stages(repo) == {"languages@A", "languages@B"}
    ran = stages_run(run(["dvc", "repro"], repo))
    assert ran <= {"languages@A", "languages@B", "plots", "report"}
    by_language = json.loads((repo / "reports" / "scores" / "languages_A.json").read_text())
    assert sorted(by_language["system"]) == ["de", "en"]


def test_an_applied_experiment_shows_only_its_own_languages(repo: Path):
    run(["dvc", "exp", "run", "-n", "with-fr", "-S", "evaluate.languages=[en,fr]"], repo)
    run(["dvc", "exp", "run", "-n", "with-de", "-S", "evaluate.languages=[en,de]"], repo)
    for name, languages in (("with-fr", {"en", "fr"}), ("with-de", {"en", "de"})):
        run(["dvc", "exp", "apply", name], repo)
        for system in ("A", "B"):
            scores = json.loads((repo / "reports" / "scores" / f"languages_{system}.json").read_text())
            assert set(scores["system"]) == languages, (name, system)
            with (repo / "reports" / "plots" / "language_f1" / f"{system}.csv").open() as handle:
                assert {row["language"] for row in csv.DictReader(handle)} == languages, (name, system)
        assert set(metrics_files(repo)) == HEADLINE_FILES  # languages are no DVC metric
    # Against the committed run (every language), `dvc plots diff` holds both runs' languages.
    diff = json.loads(run(["dvc", "plots", "diff", "--json"], repo).strip().splitlines()[-1])
    rows = diff["data"]["reports/plots/language_f1/A.csv"][0]["content"]["data"]["values"]
    assert {row["language"] for row in rows} == set(LANGUAGES) and {row["rev"] for row in rows} == {"HEAD", "workspace"}


def test_training_languages_rerun_what_depends_on_them(repo: Path):
    set_params(repo, prepare__languages=["en", "de"])
    assert changed_stages(repo) == readers("prepare.languages") == {"prepare@A", "prepare@B"}  # not download
    assert stages_run(run(["dvc", "repro", "--single-item", "prepare@A"], repo)) == {"prepare@A"}
    assert json.loads((repo / "data" / "prepared" / "A" / "labels.json").read_text())["languages"] == ["en", "de"]
    # what A's new data feeds, down to the report, and nothing of B's but its prepare
    assert {"train@A-42", "evaluate@A-42", "languages@A", "prepare@B"} <= changed_stages(repo)
    assert not {"train@B-42", "evaluate@B-42", "download"} & changed_stages(repo)


def test_external_sets_rerun_only_the_external_stages_and_a_bad_one_stops_in_one_line(repo: Path):
    scores_before = (repo / "reports" / "external" / "A.json").read_text()
    assert json.loads(scores_before)["sets"]["ood-sample"]["types"] == ["PER", "ORG", "LOC"]
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["external"]["local"]["ood-sample"]["types"] = {"PER": "PER"}
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    assert changed_stages(repo) == {"external_local@ood-sample", "external@A", "external@B"}
    assert stages_run(run(["dvc", "repro"], repo)) <= {
        "external_local@ood-sample",
        "external@A",
        "external@B",
        "report",
    }
    scores = json.loads((repo / "reports" / "external" / "A.json").read_text())["sets"]["ood-sample"]
    assert scores["types"] == ["PER"] and set(scores["intervals"]["system"]["types"]) == {"PER"}
    assert "| `ood-sample` | PER | 60 | System A |" in (repo / "reports" / "README.md").read_text()

    (repo.parent / "bad.conll").write_text("Anna B-PER\nsang O\n\nOslo LOC\n")
    params["external"]["local"]["bad"] = {
        "path": "../bad.conll",
        "token_column": 0,
        "tag_column": 1,
        "types": {"PER": "PER"},
    }
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "DVC_NO_ANALYTICS": "1",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    failed = subprocess.run(["dvc", "repro"], cwd=repo, env=env, capture_output=True, text=True)
    errors = [line for line in (failed.stdout + failed.stderr).splitlines() if line.startswith("error:")]
    assert failed.returncode != 0 and errors == [
        "error: ../bad.conll: line 4: tag 'LOC' in column 1 is not a BIO "
        "tag (O, B-<type> or I-<type>); check tag_column of the set in "
        "params.yaml"
    ]
    assert not (repo / "data" / "external" / "bad.parquet").exists()


def test_moving_the_data_with_identical_content_reruns_only_download(repo: Path):
    (repo.parent / "multinerd").rename(repo.parent / "moved")
    set_params(repo, download__path="../moved")
    assert stages_run(run(["dvc", "repro"], repo)) == {"download"}


def test_a_change_under_the_local_folder_reruns_download_and_what_its_data_feeds(repo: Path):
    data = repo.parent / "multinerd"
    (data / "NOTES.txt").write_text("not data\n")  # in the folder, but no split file: same raw data
    assert stages_run(run(["dvc", "repro"], repo)) == {"download"}
    test_file = data / "test" / "test_en.jsonl"
    original = test_file.read_text()
    first, rest = original.split("\n", 1)
    row = json.loads(first)
    row["ner_tags"] = [0] * len(row["tokens"])  # a real change of the test data
    test_file.write_text(json.dumps(row) + "\n" + rest)
    assert stages_run(run(["dvc", "repro", "download"], repo)) == {"download"}
    assert {"prepare@A", "prepare@B"} <= changed_stages(repo)
    test_file.write_text(original)
    run(["dvc", "repro", "download"], repo)  # runs it, or restores the earlier output from DVC's run cache
    assert changed_stages(repo) == set()


def test_without_the_local_copy_every_stage_after_download_runs(repo: Path):
    """A teammate with the pulled outputs but no copy of the raw data at ``download.path``."""
    shutil.rmtree(repo.parent / "multinerd")
    assert stages_run(run(["dvc", "repro", "--allow-missing"], repo)) == set()
    for name in ("audit", "prepare@B"):  # the stages that read download's output run on the pulled data/raw
        run(STAGES[name]["cmd"].split(), repo)
    assert not changed_stages(repo) - {"download"}  # the same inputs, the same outputs: all up to date
    ran = stages_run(run(["dvc", "exp", "run", "--allow-missing", "-S", "evaluate.languages=[en]"], repo))
    assert {"languages@A", "languages@B"} <= ran <= {"languages@A", "languages@B", "plots", "report"}


def test_a_vs_b_baseline_and_report(repo: Path):
    compared = json.loads((repo / "reports" / "scores" / "comparisons.json").read_text())
    assert set(compared) == {"A_on_B_types"}
    detail = compared["A_on_B_types"]
    assert (detail["system"], detail["other"], set(detail["types"])) == ("B", "A", TYPES_B)
    for scores in detail["scores"].values():
        assert set(scores) - {"overall_precision", "overall_recall", "overall_f1", "overall_accuracy"} <= TYPES_B
    b_metrics = json.loads((repo / "reports" / "metrics" / "B.json").read_text())
    assert detail["scores"]["B"]["overall_f1"] == pytest.approx(b_metrics["f1"])
    a_on_b = json.loads((repo / "reports" / "metrics" / "comparisons" / "A_on_B_types.json").read_text())
    assert a_on_b["f1"] == detail["scores"]["A"]["overall_f1"]
    baseline = json.loads((repo / "reports" / "scores" / "baseline_A.json").read_text())
    assert baseline["available"] is False  # the tiny encoder is not a SpanMarker model
    report = (repo / "reports" / "README.md").read_text()
    assert f"{100 * b_metrics['f1']:.2f}%" in report
    assert "plain encoder" in report and "## System A vs System B on B's types" in report
    for figure in (
        "confusion/A.png",
        "confusion/B.png",
        "long_tail_f1.png",
        "training_curves.png",
        "label_distribution_train.png",
        "language_f1.png",
    ):
        assert f"figures/{figure}" in report and (repo / "reports" / "figures" / figure).is_file()
    for section in ("## Languages", "## The long tail", "## Examples of the most frequent errors"):
        assert section in report
    assert "| `zh` | 24 | n/a |" in report and "are noise" not in report  # a local copy, not the sample
    examples = json.loads((repo / "reports" / "errors" / "examples.json").read_text())
    assert set(examples) == {"A", "B"}


def test_bootstrap_intervals_of_the_run(repo: Path):
    found = json.loads((repo / "reports" / "scores" / "intervals.json").read_text())
    assert (found["resamples"], found["seed"], found["sentences"]) == (1000, 42, {"A": 100, "B": 100})
    assert found["baselines"] == {"A": None, "B": None}  # a plain encoder: no baseline predictions
    assert pq.read_table(repo / "data" / "predictions" / "baseline_B.parquet").num_rows == 0
    for system in ("A", "B"):
        overall = found["systems"][system]["overall"]["f1"]
        metrics = json.loads((repo / "reports" / "metrics" / f"{system}.json").read_text())
        assert (
            overall["score"] == pytest.approx(metrics["f1"])
            and overall["interval"][0] <= overall["score"] <= overall["interval"][1]
        )
    compared = json.loads((repo / "reports" / "metrics" / "comparisons" / "A_on_B_types.json").read_text())
    assert found["comparisons"]["A_on_B_types"]["overall"]["f1"]["score"] == pytest.approx(compared["f1"])
    difference = found["differences"]["B − A on B's types"]
    b_f1 = json.loads((repo / "reports" / "metrics" / "B.json").read_text())["f1"]
    assert difference["difference"] == pytest.approx(b_f1 - compared["f1"])
    assert difference["significant"] == (difference["interval"][0] > 0 or difference["interval"][1] < 0)
    report = (repo / "reports" / "README.md").read_text()
    assert "## How far to trust these scores" in report and "| B − A on B's types |" in report


def verdict(repo: Path) -> subprocess.CompletedProcess:
    """``python -m pipeline.verdict`` (the workspace against ``HEAD``) in ``repo``."""
    return subprocess.run([sys.executable, "-m", "pipeline.verdict"], cwd=repo, capture_output=True, text=True)


def test_seen_and_unseen_mentions_of_the_run(repo: Path):
    found = json.loads((repo / "reports" / "scores" / "seen_unseen.json").read_text())
    assert set(found) == {"A", "B"}
    for system in ("A", "B"):
        scores = json.loads((repo / "reports" / "scores" / f"{system}.json").read_text())
        gold = sum(
            value["number"] for key, value in scores.items() if key.startswith("test_") and isinstance(value, dict)
        )
        assert found[system]["seen"]["gold"] + found[system]["unseen"]["gold"] == gold
        true_positives = found[system]["seen"]["true_positives"] + found[system]["unseen"]["true_positives"]
        assert true_positives / gold == pytest.approx(scores["test_overall_recall"])
        assert found[system]["seen"]["gold"] > 0 and found[system]["unseen"]["gold"] > 0  # the sample has both
    report = (repo / "reports" / "README.md").read_text()
    assert "## Seen and unseen entities" in report
    assert "## Data audit" in report and "`prepare.deduplicate` is off" in report


def test_a_second_seed_runs_only_its_own_runs_and_the_report_gives_the_spread_and_the_aso_decision(repo: Path):
    """``train.seeds`` from [42] to [42, 7]: the existing runs stay, each system trains, exports and scores seed 7,
    its metrics become the mean over both seeds, and the report judges B vs A on B's types by Almost Stochastic
    Order over the seeds."""
    before = (repo / "models" / "B" / "seed-42" / "model.safetensors").read_bytes()
    set_params(repo, train__seeds=[42, 7])
    ran = stages_run(run(["dvc", "repro"], repo))
    runs = {f"{stage}@{system}-7" for stage in PER_RUN for system in ("A", "B")}
    assert runs <= ran and not {f"{stage}@{system}-42" for stage in PER_RUN for system in ("A", "B")} & ran
    assert ran <= runs | {"seeds@A", "seeds@B", "plots", "analyze", "report"}  # the reference runs' stages stay
    assert (repo / "models" / "B" / "seed-42" / "model.safetensors").read_bytes() == before
    for system in ("A", "B"):
        per_seed = [
            json.loads((repo / "reports" / "scores" / system / f"seed-{seed}.json").read_text())["test_overall_f1"]
            for seed in (42, 7)
        ]
        metrics = json.loads((repo / "reports" / "metrics" / f"{system}.json").read_text())
        assert metrics["f1"] == pytest.approx(sum(per_seed) / 2)
        spread = json.loads((repo / "reports" / "scores" / f"{system}.json").read_text())["seeds"]
        assert spread["seeds"] == [42, 7] and spread["overall"]["f1"]["min"] == min(per_seed)
    intervals = json.loads((repo / "reports" / "scores" / "intervals.json").read_text())
    test = intervals["tests"]["B − A on B's types"]
    assert test["test"] == "aso" and test["seeds"] == [2, 2] and 0.0 <= test["epsilon_min"] <= 1.0
    assert set(intervals["runs"]["A"]) == {"42", "7"}
    report = (repo / "reports" / "README.md").read_text()
    assert "## Training seeds" in report and "Almost Stochastic Order (α = 0.05, τ = 0.2) | 2 vs 2 seed(s)" in report
    assert (repo / "reports" / "plots" / "training_loss" / "B" / "seed-7.csv").is_file()


def test_new_systems_are_entries_of_params_and_removing_one_leaves_a_working_pipeline(repo: Path):
    """Two systems added in one edit of ``params.yaml``, trained in one ``dvc repro``: ``A-tail``, System A with its
    long tail oversampled and compared with A, and ``C``, a third system of two types."""
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["systems"]["A-tail"] = {
        "types": params["systems"]["A"]["types"],
        "train": {"oversample_threshold": 0.2},
        "compare": ["A"],
    }
    params["systems"]["C"] = {"types": ["PER", "LOC"]}
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    ran = stages_run(run(["dvc", "repro"], repo))
    assert ran == of_system("A-tail") | of_system("C") | {"plots", "analyze", "report"}
    report = (repo / "reports" / "README.md").read_text()

    # The oversampled system, compared with the plain one in the same run.
    tail = json.loads((repo / "reports" / "scores" / "tail.json").read_text())
    assert set(tail) == {"A", "B", "A-tail", "C"}
    assert tail["A"]["oversampling"] == {"threshold": 0.0, "cap": 1}
    assert tail["A-tail"]["oversampling"]["threshold"] == 0.2
    factors = {entity_type: row["repeat_factor"] for entity_type, row in tail["A-tail"]["types"].items()}
    assert factors["BIO"] > 1.0 and factors["LOC"] == 1.0
    compared = json.loads((repo / "reports" / "scores" / "comparisons.json").read_text())["A_on_A-tail_types"]
    assert len(compared["types"]) == 15 and set(compared["scores"]) == {"A", "A-tail"}
    plain = json.loads((repo / "reports" / "metrics" / "A.json").read_text())
    assert compared["scores"]["A"]["overall_f1"] == pytest.approx(plain["f1"])  # all types shared: A's own score
    assert "## System A vs System A-tail on A-tail's types" in report
    assert "### System A-tail (oversampling threshold 0.2, cap 4)" in report

    # The third system: prepared, trained, scored, plotted, reported and tagged with.
    info = json.loads((repo / "data" / "prepared" / "C" / "labels.json").read_text())
    assert info["labels"] == ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    c_scores = json.loads((repo / "reports" / "scores" / "C.json").read_text())
    assert {key[5:] for key in c_scores if key.startswith("test_")} <= {
        "PER",
        "LOC",
        "overall_precision",
        "overall_recall",
        "overall_f1",
        "overall_accuracy",
    }
    c_metrics = json.loads((repo / "reports" / "metrics" / "C.json").read_text())
    added = {
        f"reports/metrics/{name}.json"
        for system in ("A-tail", "C")
        for name in (system, f"baseline_{system}", f"int8_{system}", f"external_{system}/ood-sample")
    }
    assert set(metrics_files(repo)) == HEADLINE_FILES | added | {"reports/metrics/comparisons/A_on_A-tail_types.json"}
    external_c = json.loads((repo / "reports" / "external" / "C.json").read_text())["sets"]["ood-sample"]
    assert external_c["types"] == ["PER", "LOC"] and set(external_c["intervals"]["system"]["types"]) == {"PER", "LOC"}
    assert {key[5:] for key, value in external_c["system"].items() if isinstance(value, dict)} <= {"PER", "LOC"}
    assert (repo / "reports" / "training" / "C" / "seed-42" / "metrics.json").is_file()
    per_type = (repo / "reports" / "plots" / "per_type_f1" / "C.csv").read_text().splitlines()
    assert per_type[0] == "type,f1" and {line.split(",")[0] for line in per_type[1:]} <= {"PER", "LOC"}
    assert (repo / "reports" / "figures" / "confusion" / "C.png").read_bytes()[:4] == b"\x89PNG"
    assert "## System C: test set (PER, LOC)" in report
    assert "| Hyperparameter | System A | System B | System A-tail | System C |" in report
    assert f"{100 * c_metrics['f1']:.2f}%" in report and "### System C" in report
    assert "| `ood-sample` | PER, LOC | 60 | System C |" in report
    shown = json.loads(run(["dvc", "plots", "show", "--json"], repo).strip().splitlines()[-1])
    assert "reports/plots/training_loss/C/seed-42.csv" in shown["data"]
    tagged = run([sys.executable, "-m", "pipeline.predict", "--model", "C", "Anna lives in Oslo ."], repo)
    record = json.loads(next(line for line in tagged.splitlines() if line.startswith("{")))  # stdout, not the log
    assert record["text"] == "Anna lives in Oslo ." and {e["type"] for e in record["entities"]} <= {"PER", "LOC"}
    assert changed_stages(repo) == set()

    del params["systems"]["B"]  # and with it B's comparison
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    assert stages_run(run(["dvc", "repro"], repo)) == {"plots", "analyze", "report"}
    report = (repo / "reports" / "README.md").read_text()
    assert "System B" not in report and "## System C: test set" in report
    assert set(json.loads((repo / "reports" / "scores" / "comparisons.json").read_text())) == {"A_on_A-tail_types"}
    assert set(json.loads((repo / "reports" / "errors" / "summary.json").read_text())) == {"A", "A-tail", "C"}
    assert sorted(path.name for path in (repo / "reports" / "plots" / "per_type_f1").iterdir()) == [
        "A-tail.csv",
        "A.csv",
        "C.csv",
    ]
    assert changed_stages(repo) == set()


def test_every_stage_reads_exactly_the_params_it_declares(built: Path):
    """Each stage of the committed run, as it ran in it (recorded by ``tests/recording/sitecustomize.py``): the keys
    of params.yaml it read are those of its ``params`` in ``dvc.lock`` (a declared key covers the keys under it)."""
    lock = yaml.safe_load((built / "repo" / "dvc.lock").read_text())["stages"]
    assert set(lock) == ALL_STAGES
    for stage, entry in lock.items():
        recorded = built / "param_reads" / f"{stage}.json"
        if not recorded.is_file():  # a stage of a system's reference run, called with SYSTEM SEED
            recorded = built / "param_reads" / f"{stage}-{SEED}.json"
        reads = json.loads(recorded.read_text())
        declared = list(entry.get("params", {}).get("params.yaml", {}))

        def under(key: str, block: str) -> bool:  # the same key, or one inside the block
            return key == block or key.startswith(f"{block}.")

        undeclared = [key for key in reads if not any(under(key, d) for d in declared)]
        assert not undeclared, f"{stage} reads {undeclared} without declaring them (declared: {declared})"
        unread = [key for key in declared if not any(under(read, key) or under(key, read) for read in reads)]
        assert not unread, f"{stage} declares {unread} but never reads them (reads: {reads})"


SHARED_OUTPUTS = (
    "models/A/seed-42/model.safetensors",
    "models/B/seed-42/model.safetensors",
    "data/predictions/A/seed-42.parquet",
    "reports/metrics/B.json",
    "data/prepared/B/test.parquet",
    "reports/figures/per_type_f1.png",
)


def commit_all(repo: Path, message: str) -> None:
    run(["git", "add", "-A"], repo)
    run([*GIT_AS_TEST_USER, "commit", "-qm", message], repo)


def check_fresh_clone_pulls(repo: Path, clone: Path, remote: str) -> None:
    """A fresh git clone of ``repo`` pulls from ``remote``: clean status, identical outputs, nothing to rebuild."""
    run(["git", "clone", "-q", str(repo), str(clone)], clone.parent)
    run(["dvc", "pull", "-r", remote], clone)
    status = json.loads(run(["dvc", "status", "--json"], clone).strip().splitlines()[-1])
    assert status == {}
    for relative in SHARED_OUTPUTS:
        assert (clone / relative).read_bytes() == (repo / relative).read_bytes(), relative
    assert stages_run(run(["dvc", "repro"], clone)) == set()


def test_team_remote_round_trip(repo: Path, tmp_path: Path):
    """Clone A pushes to a folder remote; a fresh clone B pulls and has nothing to rebuild."""
    run(["dvc", "remote", "add", "-d", "team", str(tmp_path / "dvc-remote")], repo)
    commit_all(repo, "team remote")
    run(["dvc", "push"], repo)
    check_fresh_clone_pulls(repo, repo.parent / "clone", "team")  # beside ../multinerd
    # The model registry: a version tag of artifact B, then `dvc artifacts get` from the repository and its remote.
    run(["git", "tag", "-a", "B@v1.0.0", "-m", "System B, version 1.0.0"], repo)  # GTO reads annotated tags
    pulled = tmp_path / "registry" / "B"
    pulled.parent.mkdir()
    run(["dvc", "artifacts", "get", str(repo), "B", "-o", str(pulled)], pulled.parent)
    assert (pulled / "model.safetensors").read_bytes() == (
        repo / "models" / "B" / "seed-42" / "model.safetensors"
    ).read_bytes()
    from pipeline.model.model_folder import load_model

    model = load_model(pulled)
    assert sorted(set(label.split("-")[-1] for label in model.config.id2label.values()) - {"O"}) == sorted(TYPES_B)
    assert isinstance(model.predict(["Anna", "lives", "in", "Oslo", "."]), list)


def test_team_s3_remote_round_trip(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The same round trip through an S3 remote, served by moto on 127.0.0.1 for the duration of the test."""
    pytest.importorskip("dvc_s3", reason="needs dvc[s3] (requirements-dev.txt)")
    moto_server = pytest.importorskip("moto.server", reason="needs moto[server] (requirements-dev.txt)")
    import boto3

    for key, value in {
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }.items():
        monkeypatch.setenv(key, value)
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        s3 = boto3.client("s3", endpoint_url=endpoint)
        s3.create_bucket(Bucket="team-cache")
        run(["dvc", "remote", "add", "s3team", "s3://team-cache/multinerd"], repo)
        run(["dvc", "remote", "modify", "s3team", "endpointurl", endpoint], repo)
        commit_all(repo, "S3 team remote")
        run(["dvc", "push", "-r", "s3team"], repo)
        stored = s3.list_objects_v2(Bucket="team-cache", Prefix="multinerd/files/md5/")["KeyCount"]
        assert stored >= len(SHARED_OUTPUTS)
        check_fresh_clone_pulls(repo, repo.parent / "clone", "s3team")
    finally:
        server.stop()
