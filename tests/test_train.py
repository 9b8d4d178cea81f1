"""The train stage's bookkeeping: run fingerprints, resumable checkpoints, validation scores for the card, and the
checkpoint it keeps (the best evaluation's, early stopping)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import yaml
from transformers import TrainerControl, TrainerState, TrainingArguments

from pipeline.core.params import ModelParams, TrainParams
from pipeline.model import selection
from pipeline.stages import train
from tests.conftest import declared_settings, finish, prepared_workdir, start_stage

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


def test_training_arguments_evaluate_every_eval_steps_or_once_per_epoch(run, tmp_path: Path):
    _, hp = run
    per_epoch = train.training_arguments(hp, tmp_path)
    assert (per_epoch.eval_strategy, per_epoch.eval_steps) == ("epoch", None)  # as before eval_steps existed
    every_4 = train.training_arguments(hp.model_copy(update=dict(eval_steps=4)), tmp_path)
    assert (every_4.eval_strategy, every_4.eval_steps) == ("steps", 4)
    assert every_4.metric_for_best_model is None and not every_4.load_best_model_at_end  # kept by our callback


def evaluation(step: int, f1: float) -> dict:
    return {"eval_overall_f1": f1, "eval_overall_precision": f1, "step": step, "epoch": step / 10}


def test_the_best_evaluation_is_the_earliest_of_the_highest_scores():
    history = [
        {"loss": 2.0, "step": 2},
        evaluation(4, 0.5),
        evaluation(8, 0.7),
        {"loss": 1.0, "step": 10},
        evaluation(12, 0.7),  # a tie: the earlier one stays the best, as transformers' Trainer keeps it
        evaluation(16, 0.6),
    ]
    assert selection.best_evaluation(history)["step"] == 8
    assert selection.best_evaluation(history, up_to=7)["step"] == 4
    assert selection.best_evaluation(history, up_to=3) is None
    assert selection.evaluations_since_best(history) == 2
    assert selection.evaluations_since_best(history[:3]) == 0
    assert selection.evaluations_since_best([]) == 0


class Steps:
    """A :class:`~pipeline.model.selection.CheckpointSelection` fed evaluations as a Trainer feeds them."""

    def __init__(self, tmp_path: Path, max_steps: int = 40, **hp: object) -> None:
        params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
        params["train"].update(hp)
        self.model = torch.nn.Linear(3, 2)
        self.output_dir = tmp_path / "checkpoints" / "B"
        self.callback = selection.CheckpointSelection(self.model, declared_settings(params, "B"), self.output_dir)
        self.state = TrainerState(max_steps=max_steps)
        self.args = TrainingArguments(output_dir=str(self.output_dir), report_to="none", use_cpu=True)

    def step_end(self, step: int) -> TrainerControl:
        control = TrainerControl()
        self.state.global_step = step
        self.callback.on_step_end(self.args, self.state, control)
        return control

    def evaluate(self, step: int, f1: float) -> TrainerControl:
        """The evaluation at ``step`` scoring ``f1``, with the weights filled with ``step``."""
        self.state.global_step = step
        torch.nn.init.constant_(self.model.weight, step)
        self.state.log_history.append(evaluation(step, f1))
        control = TrainerControl(should_save=True)
        self.callback.on_evaluate(self.args, self.state, control)
        return control

    def checkpoint(self, step: int) -> None:
        (self.output_dir / f"checkpoint-{step}").mkdir(parents=True)
        self.callback.on_save(self.args, self.state, TrainerControl())

    def kept_steps(self) -> list[int]:
        return sorted(int(path.stem.split("-")[1]) for path in (self.output_dir / "best").glob("step-*.safetensors"))


def test_keep_best_writes_each_new_best_and_keeps_what_a_resumed_run_needs(tmp_path: Path):
    fed = Steps(tmp_path, keep="best", eval_steps=4)
    fed.evaluate(4, 0.5)
    fed.evaluate(8, 0.7)
    assert fed.kept_steps() == [8]  # no checkpoint yet: only the current best
    fed.checkpoint(8)
    fed.evaluate(12, 0.7)  # a tie writes nothing
    fed.evaluate(16, 0.9)
    assert fed.kept_steps() == [8, 16]  # step 8 is the best of a run resumed from checkpoint-8
    fed.checkpoint(16)
    (fed.output_dir / "checkpoint-8").rmdir()  # rotated away by the Trainer
    fed.checkpoint(20)
    assert fed.kept_steps() == [16]
    fed.evaluate(24, 0.8)
    torch.nn.init.zeros_(fed.model.weight)
    assert selection.restore_best(fed.model, fed.output_dir, fed.state.log_history)["step"] == 16
    assert torch.equal(fed.model.weight, torch.full((2, 3), 16.0))
    record = selection.selection_record(fed.state)
    assert record == {"kept": "best", "kept_step": 16, "kept_f1": 0.9, "stopped": "early_stopping", "planned_steps": 40}


def test_missing_best_weights_are_named(tmp_path: Path):
    fed = Steps(tmp_path, keep="best", eval_steps=4)
    fed.evaluate(4, 0.5)
    (fed.output_dir / "best" / "step-4.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match=r"step-4.safetensors: the weights of the best evaluation \(step 4\)"):
        selection.restore_best(fed.model, fed.output_dir, fed.state.log_history)


def test_early_stopping_after_patience_evaluations_without_a_higher_score(tmp_path: Path):
    fed = Steps(tmp_path, keep="best", eval_steps=4, early_stopping_patience=2)
    assert not fed.evaluate(4, 0.5).should_training_stop
    assert not fed.evaluate(8, 0.7).should_training_stop
    assert not fed.evaluate(12, 0.7).should_training_stop  # a tie is no improvement: one evaluation
    stop = fed.evaluate(16, 0.6)  # two
    assert stop.should_training_stop and not stop.should_save  # no checkpoint a resumed run would train on from
    assert selection.selection_record(fed.state)["stopped"] == "early_stopping"
    ends = Steps(tmp_path / "last", max_steps=8, keep="best", eval_steps=4, early_stopping_patience=1)
    ends.evaluate(4, 0.5)
    control = ends.evaluate(8, 0.4)  # the planned end: the Trainer stops and saves as usual
    assert not control.should_training_stop and control.should_save
    assert selection.selection_record(ends.state)["stopped"] == "epochs"


def test_eval_steps_also_evaluate_after_the_last_step(tmp_path: Path):
    fed = Steps(tmp_path, max_steps=10, eval_steps=4)
    assert [fed.step_end(step).should_evaluate for step in (8, 9, 10)] == [False, False, True]
    assert not fed.kept_steps() and not fed.evaluate(10, 0.3).should_training_stop  # keep: last writes nothing


SELECTION = dict(epochs=2, logging_steps=2, checkpoint_steps=4, keep="best", eval_steps=4, early_stopping_patience=3)
"""A tiny run that keeps the best evaluation of one every 4 steps, stopping after 3 without a higher F1."""
SENTENCES = 64
"""Training sentences of the scripted runs: about 18 optimizer steps per epoch."""


def scripted_f1(*peaks: int) -> str:
    """``SCRIPTED_F1`` for ``tests.scripted_train``: 0.8 at the steps ``peaks``, below it everywhere else."""
    return json.dumps({str(step): 0.8 if step in peaks else 0.1 + step / 10_000 for step in range(1, 1001)})


@pytest.mark.slow
def test_keep_best_keeps_the_weights_of_the_peak_and_early_stopping_ends_the_run(
    tmp_path: Path, tiny_encoder: Path, monkeypatch: pytest.MonkeyPatch
):
    from safetensors.torch import load_file

    workdir = prepared_workdir(tmp_path / "run", tiny_encoder, train_sentences=SENTENCES, **SELECTION)
    monkeypatch.setenv("SCRIPTED_F1", scripted_f1(8, 12))  # the peak, then a tie, then lower scores
    monkeypatch.setenv("WEIGHTS_AT_EVALUATIONS", str(tmp_path / "weights"))
    finish(start_stage(["tests.scripted_train", "B", "42"], workdir))

    model = workdir / "models" / "B" / "seed-42"
    results = json.loads((model / "train_results.json").read_text())
    assert results["planned_steps"] > 20  # room to stop early
    assert {key: results[key] for key in ("kept", "kept_step", "kept_f1", "stopped", "global_step")} == {
        "kept": "best",
        "kept_step": 8,  # the earliest of the two highest scores
        "kept_f1": 0.8,
        "stopped": "early_stopping",
        "global_step": 20,  # 3 evaluations without a higher F1 after step 8: 12, 16, 20
    }
    saved = load_file(model / "model.safetensors")
    at = {step: load_file(tmp_path / "weights" / f"step-{step}.safetensors") for step in (8, 12, 20)}
    assert set(saved) == set(at[8])
    assert all(torch.equal(saved[name], at[8][name]) for name in saved)
    assert not all(torch.equal(saved[name], at[step][name]) for step in (12, 20) for name in saved)

    card = (model / "README.md").read_text()
    assert "- Kept weights: those of the evaluation at optimizer step 8" in card
    assert "- Training stopped: early stopping, after 3 evaluations without a higher validation micro F1" in card
    assert "| 80.00% |" in card and "of the evaluation kept (step 8) during training" in card
    curves = workdir / "reports" / "training" / "B" / "seed-42"
    summary = json.loads((curves / "metrics.json").read_text())
    assert summary["kept"] == {"step": 8, "f1": 0.8, "stopped": "early_stopping"} and summary["step"] == 20
    f1_rows = (curves / "plots" / "metrics" / "validation" / "f1.tsv").read_text().splitlines()[1:]
    assert [int(row.split("\t")[0]) for row in f1_rows] == [4, 8, 12, 16, 20]
    assert not (workdir / "checkpoints" / "B" / "seed-42").exists()  # the kept weights went with the checkpoints
