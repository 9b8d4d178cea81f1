"""Stage ``train``: fine-tune one system with one seed (a run) with SpanMarker's Trainer and save it to
``models/<system>/seed-<seed>/``.

Usage: ``python -m pipeline.stages.train SYSTEM SEED``, a system of ``params.yaml`` and one of ``train.seeds``
(``dvc.yaml`` runs every pair). Training curves go to ``reports/training/<system>/seed-<seed>/`` via dvclive
(:mod:`pipeline.model.curves`). The test split is never read here: ``evaluate`` scores it. Every
``train.checkpoint_steps`` optimizer steps a checkpoint is written to ``checkpoints/<system>/seed-<seed>/``; a run
interrupted (killed, preempted) resumes from the last complete checkpoint when started
again with the same parameters and data. Checkpoints of other parameters or data are discarded, and all are removed once
the model is saved. The model folder holds the weights after the last step, or with ``train.keep: best`` those of the
best evaluation on the validation split, kept beside the checkpoints while training runs
(:mod:`pipeline.model.selection`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import torch
from datasets import Dataset
from dvclive import Live
from transformers import TrainerCallback, TrainingArguments, set_seed

from pipeline.core.atomic import atomic_path, remove, write_json
from pipeline.core.params import ComputeParams, ModelParams, TrainParams, read_params
from pipeline.core.paths import (
    CHECKPOINTS_DIR,
    MODELS_DIR,
    PREPARED_DIR,
    TRAIN_RESULTS_FILE,
    TRAINING_REPORTS_DIR,
    run_folder,
)
from pipeline.core.stage import run_arguments, run_stage
from pipeline.data.splits import load_info, load_split, run_settings
from pipeline.data.tail import oversample
from pipeline.model.compute import pin_compute
from pipeline.model.curves import TrainingCurves
from pipeline.model.model_card import render_card
from pipeline.model.model_folder import prepare_for_saving, write_encoder
from pipeline.model.modeling import build_model
from pipeline.model.selection import CheckpointSelection, restore_best, selection_record
from pipeline.model.span_trainer import SpanTrainer
from pipeline.tagging.metrics import OVERALL_KEYS

logger = logging.getLogger(__name__)
TIMING_SUFFIXES = ("_runtime", "_per_second")
"""Trainer results that measure time: logged, never saved with the model, whose files must not change when the
same seed retrains the same weights (DVC would see a new model and rerun everything after it)."""


def training_arguments(hp: TrainParams, output_dir: Path) -> TrainingArguments:
    """Hugging Face training arguments from the ``train`` parameters (saved in the model folder as
    ``training_args.bin``): an evaluation every ``eval_steps`` optimizer steps, or at the end of every epoch when it
    is 0."""
    return TrainingArguments(
        output_dir=str(output_dir),
        logging_dir=str(output_dir / "logs"),  # the default holds the start time, saved in training_args.bin
        num_train_epochs=hp.epochs,
        learning_rate=hp.learning_rate,
        per_device_train_batch_size=hp.batch_size,
        per_device_eval_batch_size=hp.eval_batch_size,
        gradient_accumulation_steps=hp.gradient_accumulation_steps,
        group_by_length=hp.group_by_length,
        warmup_ratio=hp.warmup_ratio,
        lr_scheduler_type=hp.lr_scheduler_type,
        optim="adamw_torch_fused",  # AdamW in one fused kernel; see docs/benchmarks.md
        adam_beta1=hp.adam_beta1,
        adam_beta2=hp.adam_beta2,
        adam_epsilon=hp.adam_epsilon,
        weight_decay=hp.weight_decay,
        seed=hp.seeds[0],  # the run's seed (TrainParams.for_run)
        data_seed=hp.seeds[0],
        bf16=hp.bf16,
        fp16=hp.fp16,
        tf32=True if hp.tf32 else None,
        dataloader_num_workers=hp.dataloader_num_workers,
        eval_strategy="steps" if hp.eval_steps else "epoch",
        eval_steps=hp.eval_steps or None,  # None, the default, with "epoch"
        save_strategy="steps" if hp.checkpoint_steps else "no",
        save_steps=hp.checkpoint_steps or 500,
        save_total_limit=2,
        logging_strategy="steps",
        logging_steps=hp.logging_steps,
        report_to="none",
        disable_tqdm=False,
        use_cpu=not torch.cuda.is_available(),
        ddp_backend="gloo" if is_distributed_worker() and not torch.cuda.is_available() else None,
    )


def fingerprint(model: ModelParams, hp: TrainParams, system: str) -> str:
    """Hash of everything that decides a run's training: model and train parameters (the run's seed among them)
    and the system's prepared data (whose ``labels.json`` holds the types)."""
    digest = hashlib.sha256(json.dumps([model.model_dump(), hp.model_dump()], sort_keys=True).encode())
    for path in sorted((PREPARED_DIR / system).iterdir()):
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


RESUME_FILES = ("trainer_state.json", "optimizer.pt", "scheduler.pt")
"""Files of a checkpoint that ``Trainer.train(resume_from_checkpoint=...)`` reads, besides the weights."""
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def checkpoint_problem(checkpoint: Path) -> str | None:
    """Why ``checkpoint`` cannot be resumed from (a file a resume reads is missing or empty, or the trainer state
    does not parse), or None when it can."""
    missing = [
        name for name in RESUME_FILES if not (checkpoint / name).is_file() or (checkpoint / name).stat().st_size == 0
    ]
    if not any((checkpoint / name).is_file() and (checkpoint / name).stat().st_size for name in WEIGHT_FILES):
        missing.append(" or ".join(WEIGHT_FILES))
    if missing:
        return f"missing or empty: {', '.join(missing)}"
    try:
        state = json.loads((checkpoint / "trainer_state.json").read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return f"trainer_state.json does not parse ({error})"
    if not isinstance(state, dict) or not isinstance(state.get("global_step"), int):
        return "trainer_state.json holds no global_step"
    return None


def latest_checkpoint(directory: Path, run_fingerprint: str) -> Path | None:
    """The last checkpoint that can be resumed from, left by an interrupted run with the same fingerprint.

    A checkpoint a resume could not load (torn by a kill or a full disk while it was written: see
    :func:`checkpoint_problem`) is skipped with a one-line warning naming it, so the run resumes from the
    one before it, or starts afresh.
    """
    marker = directory / "fingerprint.txt"
    if not marker.is_file() or marker.read_text(encoding="utf-8") != run_fingerprint:
        return None
    steps = {
        path: int(path.name.split("-")[-1])
        for path in directory.glob("checkpoint-*")
        if path.is_dir() and path.name.split("-")[-1].isdigit()
    }
    for checkpoint in sorted(steps, key=lambda path: steps[path], reverse=True):
        problem = checkpoint_problem(checkpoint)
        if problem is None:
            return checkpoint
        logger.warning("skipping checkpoint %s, which cannot be resumed from: %s", checkpoint, problem)
    return None


def reset_stale_checkpoints(directory: Path, run_fingerprint: str) -> None:
    """Remove checkpoints written for other parameters or data, and mark the folder with this run's."""
    marker = directory / "fingerprint.txt"
    if marker.is_file() and marker.read_text(encoding="utf-8") == run_fingerprint:
        return
    remove(directory)
    directory.mkdir(parents=True)
    marker.write_text(run_fingerprint, encoding="utf-8")


def is_distributed_worker() -> bool:
    """Whether this process was started by ``torchrun`` (or ``accelerate launch``) as one of several."""
    return "LOCAL_RANK" in os.environ


def launch_workers(system: str, seed: int, processes: int) -> None:
    """Run the training on this machine as ``processes`` DDP workers with ``torchrun``."""
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        f"--nproc_per_node={processes}",
        "-m",
        "pipeline.stages.train",
        system,
        str(seed),
    ]
    logger.info("launching %d training processes: %s", processes, " ".join(command))
    completed = subprocess.run(command, check=False)
    if completed.returncode != 0:
        raise SystemExit(completed.returncode)


def validation_scores(evaluation: dict[str, Any]) -> dict[str, float]:
    """``precision``/``recall``/``f1``/``accuracy`` of one evaluation's entry in a Trainer's log history."""
    return {key: evaluation[f"eval_overall_{key}"] for key in OVERALL_KEYS}


def last_validation(log_history: list[dict[str, Any]]) -> dict[str, float]:
    """``precision``/``recall``/``f1``/``accuracy`` of the last evaluation in a Trainer's log history."""
    return validation_scores(next(entry for entry in reversed(log_history) if "eval_overall_f1" in entry))


def training_split(system: str, labels: list[str], hp: TrainParams) -> Dataset:
    """The train split the Trainer gets: the prepared one, its long tail oversampled when
    ``train.oversample_threshold`` is above 0 (:func:`pipeline.data.tail.oversample`)."""
    table = load_split(system, "train").data.table
    sampled, repeats = oversample(table, labels, hp.oversample_threshold, hp.oversample_cap)
    if sampled.num_rows != table.num_rows:
        logger.info(
            "oversampling the long tail (threshold %g, cap %d): %d of %d sentences repeated, %d rows",
            hp.oversample_threshold,
            hp.oversample_cap,
            int((repeats > 1).sum()),
            table.num_rows,
            sampled.num_rows,
        )
    return Dataset(sampled)


def train(system: str, model_params: ModelParams, hp: TrainParams, checkpoint: Path | None) -> None:
    """Fine-tune one run, ``system`` with ``hp``'s one seed (in this process, or as one DDP worker), and save it
    from the main process."""
    seed = hp.seeds[0]
    run = run_folder(system, seed)
    set_seed(seed)
    info = load_info(system)
    labels = info["labels"]
    model = build_model(model_params, labels)
    checkpoints = CHECKPOINTS_DIR / run
    main_process = int(os.environ.get("RANK", "0")) == 0
    callbacks: list[TrainerCallback] = []
    if main_process:
        live = Live(dir=str(TRAINING_REPORTS_DIR / run), dvcyaml=None, save_dvc_exp=False, resume=False)
        callbacks.append(TrainingCurves(live, keep_best=hp.keep == "best"))
    if hp.keep == "best" or hp.eval_steps:
        callbacks.append(CheckpointSelection(model, hp, checkpoints))
    trainer = SpanTrainer(
        model=model,
        tags=labels,
        args=training_arguments(hp, checkpoints),
        train_dataset=training_split(system, labels, hp),
        eval_dataset=load_split(system, "validation"),
        callbacks=callbacks,
    )
    logger.info("training system %s, seed %d (%d labels) from %s", system, seed, len(labels), model_params.name)
    if checkpoint is not None:
        logger.info("resuming the interrupted run from %s", checkpoint)
    result = trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    if not trainer.is_world_process_zero():
        return
    timings = {key: value for key, value in result.metrics.items() if key.endswith(TIMING_SUFFIXES)}
    logger.info("system %s: %s", system, ", ".join(f"{key} {value}" for key, value in timings.items()))
    metrics = {
        **{key: value for key, value in result.metrics.items() if key not in timings},
        "global_step": result.global_step,
        "processes": trainer.args.world_size,
        "resumed_from_step": int(checkpoint.name.split("-")[-1]) if checkpoint else 0,
    }
    selection = None
    if hp.keep == "best":
        validation = validation_scores(restore_best(model, checkpoints, trainer.state.log_history))
        selection = selection_record(trainer.state)
        metrics.update(selection)
    else:
        validation = last_validation(trainer.state.log_history)
    card = render_card(system, info, model_params, hp, validation, result.metrics["epoch"], selection)
    prepare_for_saving(model, MODELS_DIR / run, model_params)
    with atomic_path(MODELS_DIR / run) as tmp:
        trainer.save_model(str(tmp))
        write_encoder(model, tmp)
        write_json(tmp / TRAIN_RESULTS_FILE, metrics)
        (tmp / "README.md").write_text(card, encoding="utf-8")
    remove(checkpoints)
    logger.info("saved %s", MODELS_DIR / run)


def main() -> None:
    params = read_params()
    system, seed = run_arguments("train", params)
    pin_compute(ComputeParams.read(params))  # before the first tensor operation
    model_params = ModelParams.read(params)
    hp = run_settings(params, system, seed)  # with the overrides prepare recorded
    checkpoints = CHECKPOINTS_DIR / run_folder(system, seed)
    run_fingerprint = fingerprint(model_params, hp, system)
    if is_distributed_worker():
        train(system, model_params, hp, latest_checkpoint(checkpoints, run_fingerprint))
        return
    reset_stale_checkpoints(checkpoints, run_fingerprint)
    if hp.processes > 1:
        launch_workers(system, seed, hp.processes)
    else:
        train(system, model_params, hp, latest_checkpoint(checkpoints, run_fingerprint))


if __name__ == "__main__":
    run_stage(main)
