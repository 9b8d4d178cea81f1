"""Interrupted training resumes from its last checkpoint and leaves no half-written model behind."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import finish, prepared_workdir, start_stage

pytestmark = pytest.mark.slow


def test_sigterm_then_rerun_resumes_from_the_last_checkpoint(tmp_path: Path, tiny_encoder: Path):
    workdir = prepared_workdir(tmp_path, tiny_encoder, epochs=1, checkpoint_steps=4, logging_steps=2)
    process = start_stage(["pipeline.train", "B"], workdir)
    checkpoints = workdir / "checkpoints" / "B"
    deadline = time.monotonic() + 300
    while not (checkpoints / "checkpoint-8" / "trainer_state.json").is_file():
        assert process.poll() is None, "training ended before it could be interrupted"
        assert time.monotonic() < deadline, "no checkpoint after 300 s"
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    assert process.returncode != 0
    assert not (workdir / "models" / "B").exists(), "an interrupted run left a model behind"

    output = finish(start_stage(["pipeline.train", "B"], workdir))
    assert "resuming the interrupted run from checkpoints/B/checkpoint-" in output
    results = json.loads((workdir / "models" / "B" / "train_results.json").read_text())
    assert results["resumed_from_step"] >= 8  # the step counter continued, not restarted
    assert results["global_step"] > results["resumed_from_step"]
    assert results["epoch"] == 1.0
    assert not checkpoints.exists()  # removed once the model is saved

    # Checkpoints of a run with other parameters are not resumed.
    checkpoints.mkdir(parents=True)
    (checkpoints / "fingerprint.txt").write_text("another run")
    (checkpoints / "checkpoint-4").mkdir()
    (checkpoints / "checkpoint-4" / "trainer_state.json").write_text("{}")
    output = finish(start_stage(["pipeline.train", "B"], workdir))
    assert "resuming" not in output
    assert json.loads((workdir / "models" / "B" / "train_results.json").read_text())["resumed_from_step"] == 0
