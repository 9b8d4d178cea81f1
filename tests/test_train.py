"""The train stage's bookkeeping: run fingerprints, resumable checkpoints, validation scores for the card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from pipeline.core.params import ModelParams, TrainParams
from pipeline.stages import train
from tests.conftest import declared_settings

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ModelParams, TrainParams]:
    """A run folder with System B's prepared data (two files) and the default parameters."""
    prepared = tmp_path / "data" / "prepared" / "B"
    prepared.mkdir(parents=True)
    (prepared / "labels.json").write_text(json.dumps({"labels": ["O", "B-PER", "I-PER"]}))
    (prepared / "train.parquet").write_bytes(b"rows")
    monkeypatch.chdir(tmp_path)
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    return ModelParams.read(params), declared_settings(params, "B")


def test_fingerprint_follows_parameters_and_data(run):
    model, hp = run
    first = train.fingerprint(model, hp, "B")
    assert train.fingerprint(model, hp, "B") == first
    assert train.fingerprint(model, hp.model_copy(update=dict(learning_rate=1e-4)), "B") != first
    assert train.fingerprint(model.model_copy(update=dict(entity_max_length=2)), hp, "B") != first
    Path("data/prepared/B/train.parquet").write_bytes(b"other rows")
    assert train.fingerprint(model, hp, "B") != first


def make_checkpoint(directory: Path, step: int, complete: bool = True) -> Path:
    """A checkpoint folder holding the files a resume reads (placeholder bytes); without its trainer state,
    as a kill leaves one, if not ``complete``."""
    checkpoint = directory / f"checkpoint-{step}"
    checkpoint.mkdir(parents=True)
    for name in ("model.safetensors", "optimizer.pt", "scheduler.pt"):
        (checkpoint / name).write_bytes(b"tensors")
    if complete:
        (checkpoint / "trainer_state.json").write_text(json.dumps({"global_step": step, "log_history": []}))
    return checkpoint


def test_latest_complete_checkpoint_of_the_same_run(tmp_path: Path):
    directory = tmp_path / "checkpoints" / "B"
    train.reset_stale_checkpoints(directory, "run-1")
    assert train.latest_checkpoint(directory, "run-1") is None
    make_checkpoint(directory, 8)
    expected = make_checkpoint(directory, 16)
    make_checkpoint(directory, 24, complete=False)  # killed while writing: not resumed
    assert train.latest_checkpoint(directory, "run-1") == expected
    assert train.latest_checkpoint(directory, "run-2") is None  # other parameters or data


def test_a_torn_checkpoint_is_skipped_with_a_warning_naming_it(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    directory = tmp_path / "checkpoints" / "B"
    train.reset_stale_checkpoints(directory, "run-1")
    good = make_checkpoint(directory, 100)
    torn = make_checkpoint(directory, 200)
    state = (torn / "trainer_state.json").read_text()
    (torn / "trainer_state.json").write_text(state[: len(state) // 2])  # cut in half, as a kill leaves it
    with caplog.at_level("WARNING", logger="pipeline.stages.train"):
        assert train.latest_checkpoint(directory, "run-1") == good
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert len(warnings) == 1 and str(torn) in warnings[0] and "does not parse" in warnings[0]
    assert "\n" not in warnings[0]


@pytest.mark.parametrize("broken", ["optimizer.pt", "scheduler.pt", "model.safetensors"])
def test_a_checkpoint_missing_a_file_a_resume_reads_is_skipped(
    tmp_path: Path, broken: str, caplog: pytest.LogCaptureFixture
):
    directory = tmp_path / "checkpoints" / "B"
    train.reset_stale_checkpoints(directory, "run-1")
    good = make_checkpoint(directory, 100)
    (make_checkpoint(directory, 200) / broken).unlink()
    (make_checkpoint(directory, 300) / broken).write_bytes(b"")  # created, never written: empty
    with caplog.at_level("WARNING", logger="pipeline.stages.train"):
        assert train.latest_checkpoint(directory, "run-1") == good
    warnings = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert [("checkpoint-300" in w, "checkpoint-200" in w) for w in warnings] == [(True, False), (False, True)]
    assert all(broken in warning for warning in warnings)


def test_only_torn_checkpoints_start_training_afresh(tmp_path: Path):
    directory = tmp_path / "checkpoints" / "B"
    train.reset_stale_checkpoints(directory, "run-1")
    (make_checkpoint(directory, 100) / "trainer_state.json").write_text("[]")
    assert train.latest_checkpoint(directory, "run-1") is None


def test_stale_checkpoints_are_removed_and_the_folder_marked(tmp_path: Path):
    directory = tmp_path / "checkpoints" / "B"
    train.reset_stale_checkpoints(directory, "run-1")
    make_checkpoint(directory, 8)
    train.reset_stale_checkpoints(directory, "run-1")  # same run: kept
    assert (directory / "checkpoint-8").is_dir()
    train.reset_stale_checkpoints(directory, "run-2")
    assert sorted(path.name for path in directory.iterdir()) == ["fingerprint.txt"]
    assert (directory / "fingerprint.txt").read_text() == "run-2"


def test_last_validation_reads_the_last_evaluation():
    history = [
        {"loss": 2.0, "step": 5},
        {
            "eval_overall_precision": 0.1,
            "eval_overall_recall": 0.2,
            "eval_overall_f1": 0.3,
            "eval_overall_accuracy": 0.4,
            "step": 9,
        },
        {"loss": 1.0, "step": 10},
        {
            "eval_overall_precision": 0.5,
            "eval_overall_recall": 0.6,
            "eval_overall_f1": 0.7,
            "eval_overall_accuracy": 0.8,
            "step": 18,
        },
        {"train_loss": 1.5, "train_runtime": 3.0, "step": 18},
    ]
    assert train.last_validation(history) == {"precision": 0.5, "recall": 0.6, "f1": 0.7, "accuracy": 0.8}


def test_training_arguments_carry_the_parameters(run, tmp_path: Path):
    _, hp = run
    args = train.training_arguments(
        hp.model_copy(update=dict(gradient_accumulation_steps=2, checkpoint_steps=0)), tmp_path
    )
    assert (
        args.learning_rate,
        args.per_device_train_batch_size,
        args.gradient_accumulation_steps,
        args.num_train_epochs,
        args.seed,
        args.logging_steps,
    ) == (3e-4, 8, 2, 2, 42, 5)
    assert args.save_strategy == "no" and args.eval_strategy == "epoch" and args.report_to == []
