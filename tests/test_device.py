"""Device and precision of the stages that run a model: the GPU when there is one, else the CPU as before."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
import yaml

from pipeline.core.params import ModelParams, TrainParams
from pipeline.data.labels import labels_for_types
from pipeline.evaluation import scoring
from pipeline.model.device import PRECISION_KEYS, Placement, autocast, choose_placement, place_model
from pipeline.stages import evaluate
from tests.conftest import record_placement

REPO_ROOT = Path(__file__).resolve().parents[1]
B_TYPES = ["PER", "ORG", "LOC", "ANIM", "DIS"]
CUDA = torch.device("cuda", 0)
CPU = torch.device("cpu")


def precision(bf16: bool = False, fp16: bool = False, tf32: bool = False) -> TrainParams:
    """The ``train`` precision flags as a stage reads them (``TrainParams.read(params, *PRECISION_KEYS)``)."""
    return TrainParams.read({"train": {"bf16": bf16, "fp16": fp16, "tf32": tf32}}, *PRECISION_KEYS)


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (precision(bf16=True, tf32=True), Placement(CUDA, torch.bfloat16, True)),
        (precision(fp16=True), Placement(CUDA, torch.float16, False)),
        (precision(), Placement(CUDA, None, False)),
        (None, Placement(CUDA, None, False)),
    ],
)
def test_gpu_gets_the_precision_flags(flags, expected):
    assert choose_placement(flags, cuda=True) == expected


@pytest.mark.parametrize("flags", [precision(bf16=True, tf32=True), precision(fp16=True), precision(), None])
def test_cpu_stays_float32_whatever_the_flags(flags):
    assert choose_placement(flags, cuda=False) == Placement(CPU, None, False)


def test_cuda_availability_decides_by_default(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert choose_placement(precision(bf16=True)).device == CUDA
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert choose_placement(precision(bf16=True)) == Placement(CPU)


def test_autocast_runs_the_forward_pass_in_the_chosen_dtype():
    layer = torch.nn.Linear(4, 4)
    with autocast(Placement(CPU)):
        assert layer(torch.ones(1, 4)).dtype == torch.float32
    with autocast(Placement(CPU, torch.bfloat16)):  # the CPU shows the mechanism the GPU uses
        assert layer(torch.ones(1, 4)).dtype == torch.bfloat16
    assert layer.weight.dtype == torch.float32


def test_place_model_moves_the_model_and_keeps_float32(tiny_encoder):
    from pipeline.model.modeling import build_model

    model = build_model(
        ModelParams(
            name=str(tiny_encoder), revision=None, model_max_length=16, marker_max_length=8, entity_max_length=2
        ),
        labels_for_types(B_TYPES),
    )
    placed = place_model(model, choose_placement(precision(bf16=True, tf32=True), cuda=False))
    assert placed is model and model.device == CPU
    assert {parameter.dtype for parameter in model.parameters()} == {torch.float32}


@pytest.fixture()
def trained_workdir(tmp_path, monkeypatch, tiny_encoder):
    """A run folder with bf16 params, System B's one-sentence test split and a saved System B model."""
    from pipeline.model.modeling import build_model

    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    params["train"].update(bf16=True, tf32=True)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    shutil.copytree(REPO_ROOT / "data" / "sample", tmp_path / "data" / "sample")
    labels = labels_for_types(B_TYPES)
    prepared = tmp_path / "data" / "prepared" / "B"
    prepared.mkdir(parents=True)
    (prepared / "labels.json").write_text(json.dumps({"labels": labels, "types": B_TYPES}))
    pq.write_table(pa.table({"tokens": [["Anna", "in", "Oslo"]], "ner_tags": [[1, 0, 5]]}), prepared / "test.parquet")
    model = build_model(
        ModelParams(
            name=str(tiny_encoder), revision=None, model_max_length=16, marker_max_length=8, entity_max_length=2
        ),
        labels,
    )
    model.save_pretrained(tmp_path / "models" / "B" / "seed-42")
    (tmp_path / "models" / "B" / "seed-42" / "train_results.json").write_text(json.dumps({"epoch": 1.0}))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["evaluate", "B", "42"])
    return tmp_path


def test_evaluate_places_the_model_on_the_gpu_in_bf16(trained_workdir, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    calls = record_placement(scoring, monkeypatch)
    evaluate.main()
    expected = Placement(CUDA, torch.bfloat16, True)
    assert calls == [("place", expected), ("autocast", expected)]
    assert json.loads((trained_workdir / "reports/scores/B/seed-42.json").read_text())["epoch"] == 1.0


def test_evaluate_on_the_cpu_is_unchanged(trained_workdir, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    calls = record_placement(scoring, monkeypatch)
    evaluate.main()
    assert calls == [("place", Placement(CPU)), ("autocast", Placement(CPU))]
