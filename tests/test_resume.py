"""Interrupted training resumes from its last loadable checkpoint, with the curves and weights of an uninterrupted
run (the best evaluation's, with ``train.keep: best``), and leaves no half-written model behind."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import pytest

from tests.conftest import finish, prepared_workdir, start_stage
from tests.test_train import SELECTION, SENTENCES, scripted_f1

pytestmark = pytest.mark.slow

TRAIN = {"epochs": 1, "checkpoint_steps": 4, "logging_steps": 2}


def curve_files(workdir: Path) -> dict[str, str]:
    """Every file dvclive wrote for System B (the curves' TSV files and the summary), by relative path."""
    folder = workdir / "reports" / "training" / "B" / "seed-42"
    return {str(path.relative_to(folder)): path.read_text() for path in sorted(folder.rglob("*")) if path.is_file()}


def folder_files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, as bytes."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def complete_checkpoint_steps(checkpoints: Path) -> list[int]:
    """Steps of the checkpoints whose trainer state was written (the kill may have cut a newer one short)."""
    return sorted(
        int(path.name.split("-")[-1])
        for path in checkpoints.glob("checkpoint-*")
        if (path / "trainer_state.json").is_file()
    )


def test_sigterm_then_rerun_resumes_with_the_curves_of_an_uninterrupted_run(tmp_path: Path, tiny_encoder: Path):
    uninterrupted = prepared_workdir(tmp_path / "uninterrupted", tiny_encoder, **TRAIN)
    finish(start_stage(["pipeline.stages.train", "B", "42"], uninterrupted))

    workdir = prepared_workdir(tmp_path / "interrupted", tiny_encoder, **TRAIN)
    process = start_stage(["pipeline.stages.train", "B", "42"], workdir)
    checkpoints = workdir / "checkpoints" / "B" / "seed-42"
    deadline = time.monotonic() + 300
    while not (checkpoints / "checkpoint-8" / "trainer_state.json").is_file():
        assert process.poll() is None, "training ended before it could be interrupted"
        assert time.monotonic() < deadline, "no checkpoint after 300 s"
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    assert process.returncode != 0
    assert not (workdir / "models" / "B" / "seed-42").exists(), "an interrupted run left a model behind"
    assert curve_files(workdir)["plots/metrics/train/loss.tsv"]  # the killed run had logged some steps

    # The newest complete checkpoint is torn (its trainer state cut in half): the one before it is resumed.
    torn, resumed = complete_checkpoint_steps(checkpoints)[-1], complete_checkpoint_steps(checkpoints)[-2]
    state = checkpoints / f"checkpoint-{torn}" / "trainer_state.json"
    state.write_text(state.read_text()[: state.stat().st_size // 2])
    output = finish(start_stage(["pipeline.stages.train", "B", "42"], workdir))
    assert f"skipping checkpoint checkpoints/B/seed-42/checkpoint-{torn}, which cannot be resumed from" in output
    assert f"resuming the interrupted run from checkpoints/B/seed-42/checkpoint-{resumed}" in output
    results = json.loads((workdir / "models" / "B" / "seed-42" / "train_results.json").read_text())
    assert results["resumed_from_step"] == resumed  # the step counter continued, not restarted
    assert results["global_step"] > results["resumed_from_step"]
    assert results["epoch"] == 1.0
    assert not checkpoints.exists()  # removed once the model is saved

    # Weights and every curve row equal those of the uninterrupted run with the same seed.
    expected, got = curve_files(uninterrupted), curve_files(workdir)
    assert set(got) == set(expected) and "plots/metrics/validation/f1.tsv" in got
    assert got == expected
    loss_steps = [int(line.split("\t")[0]) for line in got["plots/metrics/train/loss.tsv"].splitlines()[1:]]
    assert loss_steps == list(range(2, results["global_step"] + 1, 2))  # from the first logging step on
    assert (workdir / "models" / "B" / "seed-42" / "model.safetensors").read_bytes() == (
        uninterrupted / "models" / "B" / "seed-42" / "model.safetensors"
    ).read_bytes()


def test_checkpoints_of_another_run_are_not_resumed(tmp_path: Path, tiny_encoder: Path):
    workdir = prepared_workdir(tmp_path, tiny_encoder, **TRAIN)
    checkpoints = workdir / "checkpoints" / "B" / "seed-42"
    checkpoints.mkdir(parents=True)
    (checkpoints / "fingerprint.txt").write_text("another run")
    (checkpoints / "checkpoint-4").mkdir()
    (checkpoints / "checkpoint-4" / "trainer_state.json").write_text("{}")
    output = finish(start_stage(["pipeline.stages.train", "B", "42"], workdir))
    assert "resuming" not in output
    assert (
        json.loads((workdir / "models" / "B" / "seed-42" / "train_results.json").read_text())["resumed_from_step"] == 0
    )


def test_a_run_keeping_the_best_killed_and_resumed_keeps_the_same_step_and_weights(
    tmp_path: Path, tiny_encoder: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("SCRIPTED_F1", scripted_f1(8))
    uninterrupted = prepared_workdir(tmp_path / "uninterrupted", tiny_encoder, train_sentences=SENTENCES, **SELECTION)
    finish(start_stage(["tests.scripted_train", "B", "42"], uninterrupted))

    workdir = prepared_workdir(tmp_path / "interrupted", tiny_encoder, train_sentences=SENTENCES, **SELECTION)
    monkeypatch.setenv("KILL_AT_STEP", "16")  # killed after the evaluation at step 16, before its checkpoint
    process = start_stage(["tests.scripted_train", "B", "42"], workdir)
    process.communicate(timeout=900)
    assert process.returncode == -signal.SIGKILL
    checkpoints = workdir / "checkpoints" / "B" / "seed-42"
    assert complete_checkpoint_steps(checkpoints) == [8, 12]
    assert [path.name for path in (checkpoints / "best").iterdir()] == ["step-8.safetensors"]
    assert not (workdir / "models" / "B" / "seed-42").exists()

    monkeypatch.delenv("KILL_AT_STEP")
    output = finish(start_stage(["tests.scripted_train", "B", "42"], workdir))
    assert "resuming the interrupted run from checkpoints/B/seed-42/checkpoint-12" in output
    got, expected = (
        folder_files(workdir / "models" / "B" / "seed-42"),
        folder_files(uninterrupted / "models" / "B" / "seed-42"),
    )
    results, expected_results = (
        json.loads(got.pop("train_results.json")),
        json.loads(expected.pop("train_results.json")),
    )
    assert (results.pop("resumed_from_step"), expected_results.pop("resumed_from_step")) == (12, 0)
    assert (results["kept_step"], results["stopped"], results["global_step"]) == (8, "early_stopping", 20)
    for summary in (results, expected_results):  # the Trainer averages the loss of the resumed steps alone
        summary.pop("train_loss")
    assert results == expected_results
    assert got == expected and "model.safetensors" in got  # weights, card and settings: byte for byte
    assert curve_files(workdir) == curve_files(uninterrupted)
    assert not checkpoints.exists()
