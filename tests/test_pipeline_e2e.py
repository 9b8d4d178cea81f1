"""End to end: ``dvc repro`` on a copy of the repository with a tiny random encoder, offline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT

TYPES_B = {"PER", "ORG", "LOC", "DIS", "ANIM"}
GIT_AS_TEST_USER = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com"]


def run(command: list[str], cwd: Path) -> str:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "DVC_NO_ANALYTICS": "1", "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    return result.stdout + result.stderr


def copy_repository(target: Path) -> None:
    """Copy the files git would check out (tracked and new, not ignored) and commit them in a fresh repo."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.split("\0")
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


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory, tiny_encoder: Path) -> Path:
    root = tmp_path_factory.mktemp("repo")
    copy_repository(root)
    params = yaml.safe_load((root / "params.yaml").read_text())
    params["model"]["name"] = str(tiny_encoder)
    params["train"]["epochs"] = 1
    (root / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    output = run(["dvc", "repro"], root)
    assert stages_run(output) == {"download", "prepare@A", "prepare@B", "train@A", "train@B", "evaluate@A",
                                  "evaluate@B", "baseline@A", "baseline@B", "plots", "analyze", "report"}
    return root


def test_models_load_with_stock_span_marker(repo: Path):
    from span_marker import SpanMarkerModel

    for system, types in (("A", 15), ("B", 5)):
        model = SpanMarkerModel.from_pretrained(str(repo / "models" / system))
        assert len(model.config.id2label) == types + 1  # entity types plus O
        assert isinstance(model.predict(["Anna", "lives", "in", "Oslo", "."]), list)


def test_metrics_files_hold_sane_values(repo: Path):
    for system in ("A", "B"):
        metrics = json.loads((repo / "reports" / "metrics" / f"{system}.json").read_text())
        for key in ("precision", "recall", "f1", "accuracy"):
            assert 0.0 <= metrics[f"test_overall_{key}"] <= 1.0
        assert metrics["epoch"] == pytest.approx(1.0)
        per_type = {key[5:]: value for key, value in metrics.items() if isinstance(value, dict)}
        assert per_type, "no per-type scores"
        for scores in per_type.values():
            assert set(scores) == {"precision", "recall", "f1", "number"}
        gold_types = {name for name, scores in per_type.items() if scores["number"] > 0}
        if system == "B":
            assert set(per_type) <= TYPES_B and gold_types == TYPES_B
        else:
            assert len(gold_types) == 15


def test_model_cards_match_the_metrics_files(repo: Path):
    for system in ("A", "B"):
        card = (repo / "models" / system / "README.md").read_text()
        metrics = json.loads((repo / "reports" / "metrics" / f"{system}.json").read_text())
        overall = (f"| **overall** | {metrics['test_overall_precision']:.4f} | {metrics['test_overall_recall']:.4f} | "
                   f"{metrics['test_overall_f1']:.4f} | |")
        assert overall in card
        assert "embedded synthetic sample" in card and "library_name: span-marker" in card
        assert "| learning_rate |" in card


def test_figures_and_plot_data_exist(repo: Path):
    figures = repo / "reports" / "figures"
    for name in ("label_distribution_train", "label_distribution_validation", "label_distribution_test",
                 "per_type_f1", "confusion_A", "confusion_B", "long_tail_f1", "training_curves"):
        assert (figures / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    counts = (repo / "reports" / "plots" / "label_distribution_train.csv").read_text().splitlines()
    assert counts[0] == "label,count" and len(counts) == 31  # header + 30 B-/I- labels
    values = [int(line.split(",")[1]) for line in counts[1:]]
    assert values == sorted(values, reverse=True)
    assert (repo / "reports" / "training" / "A" / "plots" / "metrics" / "train" / "loss.tsv").is_file()


def test_metrics_show_lists_both_systems(repo: Path):
    shown = json.loads(run(["dvc", "metrics", "show", "--json"], repo).strip().splitlines()[-1])
    files = next(iter(shown.values()))["data"]
    assert {"reports/metrics/A.json", "reports/metrics/B.json"} <= set(files)


def test_same_seed_gives_identical_metrics(repo: Path):
    before = {name: (repo / name).read_bytes() for name in ("reports/metrics/B.json", "data/predictions/B.parquet")}
    output = run(["dvc", "repro", "--force", "evaluate@B"], repo)
    assert {"train@B", "evaluate@B"} <= stages_run(output)
    for name, content in before.items():
        assert (repo / name).read_bytes() == content, f"{name} changed between two runs with the same seed"
    run(["dvc", "repro"], repo)  # the training curves carry timestamps: bring the analysis up to date


def test_second_repro_does_nothing_and_b_change_reruns_only_b(repo: Path):
    assert stages_run(run(["dvc", "repro"], repo)) == set()
    params = yaml.safe_load((repo / "params.yaml").read_text())
    params["systems"]["B"]["train"] = {"learning_rate": 1.0e-3}
    (repo / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    ran = stages_run(run(["dvc", "repro"], repo))
    assert {"train@B", "evaluate@B"} <= ran
    # Nothing of System A, and nothing upstream of training, runs again. (plots, analyze and report run when
    # B's outputs changed; with the tiny model they may not.)
    assert ran <= {"train@B", "evaluate@B", "plots", "analyze", "report"}


def test_a_vs_b_baseline_and_report(repo: Path):
    a_vs_b = json.loads((repo / "reports" / "metrics" / "A_vs_B.json").read_text())
    assert set(a_vs_b) == {"A_on_B_types", "B"}
    for scores in a_vs_b.values():
        assert set(scores) - {"overall_precision", "overall_recall", "overall_f1", "overall_accuracy"} <= TYPES_B
    b_metrics = json.loads((repo / "reports" / "metrics" / "B.json").read_text())
    assert a_vs_b["B"]["overall_f1"] == pytest.approx(b_metrics["test_overall_f1"])
    baseline = json.loads((repo / "reports" / "metrics" / "baseline_A.json").read_text())
    assert baseline["available"] is False  # the tiny encoder is not a SpanMarker model
    report = (repo / "reports" / "README.md").read_text()
    assert f"{100 * b_metrics['test_overall_f1']:.2f}%" in report
    assert "plain encoder" in report and "System A vs System B" in report
    for figure in ("confusion_A.png", "long_tail_f1.png", "training_curves.png", "label_distribution_train.png"):
        assert f"figures/{figure}" in report and (repo / "reports" / "figures" / figure).is_file()


SHARED_OUTPUTS = ("models/A/model.safetensors", "models/B/model.safetensors", "reports/metrics/A.json",
                  "reports/metrics/B.json", "data/prepared/B/test.parquet", "reports/figures/per_type_f1.png")


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
    commit_all(repo, "results and team remote")
    run(["dvc", "push"], repo)
    check_fresh_clone_pulls(repo, tmp_path / "clone", "team")


def test_team_s3_remote_round_trip(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The same round trip through an S3 remote, served by moto on 127.0.0.1 for the duration of the test."""
    pytest.importorskip("dvc_s3", reason="needs dvc[s3] (requirements-dev.txt)")
    moto_server = pytest.importorskip("moto.server", reason="needs moto[server] (requirements-dev.txt)")
    import boto3

    for key, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_DEFAULT_REGION": "us-east-1",
                       "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}.items():
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
        check_fresh_clone_pulls(repo, tmp_path / "clone", "s3team")
    finally:
        server.stop()
