"""Interrupted training resumes from its last checkpoint and leaves no half-written model behind."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.conftest import REPO_ROOT


def stage(args: list[str], cwd: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    return subprocess.Popen([sys.executable, "-m", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def finish(process: subprocess.Popen) -> str:
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output[-4000:]
    return output


def test_sigterm_then_rerun_resumes_from_the_last_checkpoint(tmp_path: Path, tiny_encoder: Path):
    shutil.copytree(REPO_ROOT / "data" / "sample", tmp_path / "data" / "sample")
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    params["model"]["name"] = str(tiny_encoder)
    params["train"].update(epochs=1, checkpoint_steps=4, logging_steps=2)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    finish(stage(["pipeline.download"], tmp_path))
    finish(stage(["pipeline.prepare", "B"], tmp_path))

    process = stage(["pipeline.train", "B"], tmp_path)
    checkpoints = tmp_path / "checkpoints" / "B"
    deadline = time.monotonic() + 300
    while not (checkpoints / "checkpoint-8" / "trainer_state.json").is_file():
        assert process.poll() is None, "training ended before it could be interrupted"
        assert time.monotonic() < deadline, "no checkpoint after 300 s"
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    assert process.returncode != 0
    assert not (tmp_path / "models" / "B").exists(), "an interrupted run left a model behind"

    output = finish(stage(["pipeline.train", "B"], tmp_path))
    assert "resuming the interrupted run from checkpoints/B/checkpoint-" in output
    results = json.loads((tmp_path / "models" / "B" / "train_results.json").read_text())
    assert results["resumed_from_step"] >= 8  # the step counter continued, not restarted
    assert results["global_step"] > results["resumed_from_step"]
    assert results["epoch"] == 1.0
    assert not checkpoints.exists()  # removed once the model is saved

    # Checkpoints of a run with other parameters are not resumed.
    checkpoints.mkdir(parents=True)
    (checkpoints / "fingerprint.txt").write_text("another run")
    (checkpoints / "checkpoint-4").mkdir()
    (checkpoints / "checkpoint-4" / "trainer_state.json").write_text("{}")
    output = finish(stage(["pipeline.train", "B"], tmp_path))
    assert "resuming" not in output
    assert json.loads((tmp_path / "models" / "B" / "train_results.json").read_text())["resumed_from_step"] == 0
