"""Training as two DDP processes (torchrun, gloo on CPU) completes and saves a loadable model."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import finish, prepared_workdir, start_stage

pytestmark = pytest.mark.slow


def test_two_process_training(tmp_path: Path, tiny_encoder: Path, monkeypatch: pytest.MonkeyPatch):
    from span_marker import SpanMarkerModel

    workdir = prepared_workdir(tmp_path, tiny_encoder, epochs=1, processes=2, checkpoint_steps=0)
    params = yaml.safe_load((workdir / "params.yaml").read_text())
    params["compute"]["threads"] = 1  # one thread per process: two processes share the machine's cores
    (workdir / "params.yaml").write_text(yaml.safe_dump(params))
    output = finish(start_stage(["pipeline.stages.train", "B", "42"], workdir))
    assert "launching 2 training processes" in output
    results = json.loads((workdir / "models" / "B" / "seed-42" / "train_results.json").read_text())
    assert results["processes"] == 2
    assert results["epoch"] == 1.0
    monkeypatch.chdir(workdir)  # stock SpanMarker finds the folder's encoder files from the run folder's root
    model = SpanMarkerModel.from_pretrained("models/B/seed-42")
    assert set(model.config.label2id) == {"O", "PER", "ORG", "LOC", "ANIM", "DIS"}
