"""Which weights a training keeps and when it stops: ``train.keep``, ``train.eval_steps`` and
``train.early_stopping_patience``.

- **Kept weights.** With ``keep: last`` (the default) the model folder holds the weights after the last optimizer
  step. With ``keep: best`` it holds those of the evaluation with the highest validation micro F1
  (``eval_overall_f1``); of equal scores the earliest wins, as in transformers 4.57's own
  ``Trainer._determine_best_metric``, whose strict ``np.greater`` replaces the best only by a higher score.
- **Evaluations.** ``eval_steps: 0`` scores the validation split at the end of every epoch (the Trainer's
  ``eval_strategy="epoch"``); ``eval_steps: N`` every N optimizer steps (``"steps"``) and after the last step, so
  that the weights a run ends with are always scored.
- **Early stopping.** ``early_stopping_patience: N`` (``keep: best`` only) stops training after N evaluations in a
  row that score no higher than the best so far, as transformers' ``EarlyStoppingCallback`` with no threshold does;
  a run that reaches its planned steps first ends there.

Why not the Trainer's ``load_best_model_at_end``: it keeps the best weights as one of its checkpoints, so it needs a
checkpoint at every evaluation (``save_strategy`` equal to ``eval_strategy``), which would tie
``train.checkpoint_steps`` to the evaluations, and ``EarlyStoppingCallback`` requires it. :class:`CheckpointSelection`
keeps the best weights itself, apart from the checkpoints, and decides everything from the Trainer's log history,
where every evaluation's scores and step are recorded. Every checkpoint's ``trainer_state.json`` holds that
history, so a run resumed from a checkpoint knows the best evaluation so far and the evaluations since, with no
state of its own to restore.

The best evaluation's weights are written when it happens, to ``<output_dir>/best/step-<N>.safetensors``
(:data:`BEST_FOLDER`; atomically, so a kill leaves the files that were there). After each new best and each
checkpoint, the files that no run could need are removed: what stays is the current best's file and, for each
checkpoint in the folder, the file of the best evaluation up to that checkpoint's step. A run resumed from any
checkpoint thus finds the weights of its best so far, and ends with the same kept step and the same weights as an
uninterrupted run. A stop decided at an evaluation writes no checkpoint at that step: a run resumed from it would
train on, since the Trainer does not restore a stop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from safetensors.torch import load_model, save_model
from torch import nn
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from pipeline.core.atomic import atomic_path, remove
from pipeline.core.params import TrainParams

F1_KEY = "eval_overall_f1"
"""The validation micro F1 in a Trainer log entry of an evaluation (:mod:`pipeline.model.span_trainer`)."""
BEST_FOLDER = "best"
"""Folder of the best evaluations' weights, inside the Trainer's output folder
(``checkpoints/<system>/seed-<seed>/``)."""


def evaluations(log_history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The evaluation entries of a Trainer's log history (those with :data:`F1_KEY` and a ``step``), in order."""
    return [entry for entry in log_history if F1_KEY in entry]


def best_evaluation(log_history: list[dict[str, Any]], up_to: int | None = None) -> dict[str, Any] | None:
    """The evaluation with the highest validation micro F1 among those at optimizer steps ``<= up_to`` (all when
    None); of equal scores the earliest. None when there is none."""
    best = None
    for entry in evaluations(log_history):
        if up_to is not None and entry["step"] > up_to:
            break
        if best is None or entry[F1_KEY] > best[F1_KEY]:
            best = entry
    return best


def evaluations_since_best(log_history: list[dict[str, Any]]) -> int:
    """How many evaluations came after the best one (0 when the last evaluation is the best, or there is none)."""
    scored = evaluations(log_history)
    best = best_evaluation(log_history)
    return 0 if best is None else len(scored) - 1 - scored.index(best)


def best_weights(output_dir: Path, step: int) -> Path:
    """Where the weights of the evaluation at optimizer step ``step`` are kept while training runs."""
    return output_dir / BEST_FOLDER / f"step-{step}.safetensors"


def checkpoint_steps(output_dir: Path) -> list[int]:
    """The optimizer steps of the ``checkpoint-<step>`` folders in ``output_dir``, whole or torn."""
    return sorted(
        int(path.name.split("-")[-1])
        for path in output_dir.glob("checkpoint-*")
        if path.is_dir() and path.name.split("-")[-1].isdigit()
    )


def kept_evaluation(log_history: list[dict[str, Any]]) -> dict[str, Any]:
    """The log entry of the evaluation ``keep: best`` keeps (:func:`best_evaluation` of the whole history); raises
    ``ValueError`` when the history holds no evaluation."""
    best = best_evaluation(log_history)
    if best is None:
        raise ValueError("keep: best, but training logged no evaluation on the validation split")
    return best


def selection_record(state: TrainerState) -> dict[str, Any]:
    """What ``keep: best`` kept and why training stopped, from the Trainer's state at the end of training:
    ``kept`` (``"best"``), ``kept_step`` (the optimizer step of the kept evaluation), ``kept_f1`` (its validation
    micro F1, in [0, 1]), ``stopped`` (``"early_stopping"`` when training ended before its planned steps,
    ``"epochs"`` when it ran them all) and ``planned_steps``. Raises ``ValueError`` as :func:`kept_evaluation`."""
    best = kept_evaluation(state.log_history)
    return {
        "kept": "best",
        "kept_step": best["step"],
        "kept_f1": best[F1_KEY],
        "stopped": "early_stopping" if state.global_step < state.max_steps else "epochs",
        "planned_steps": state.max_steps,
    }


def restore_best(model: nn.Module, output_dir: Path, log_history: list[dict[str, Any]]) -> dict[str, Any]:
    """Load into ``model`` the weights of the kept evaluation of ``log_history`` (:func:`kept_evaluation`), kept
    in ``output_dir`` during training, and return that evaluation's log entry. Raises ``FileNotFoundError`` (one
    line naming the file) when they are missing, e.g. deleted by hand, and ``ValueError`` as
    :func:`kept_evaluation`."""
    best = kept_evaluation(log_history)
    path = best_weights(output_dir, best["step"])
    if not path.is_file():
        raise FileNotFoundError(
            f"{path}: the weights of the best evaluation (step {best['step']}) are missing; delete {output_dir} "
            "to train afresh"
        )
    load_model(model, str(path))
    return best


class CheckpointSelection(TrainerCallback):
    """Keep the best evaluation's weights (``keep: best``), stop early (``early_stopping_patience``) and evaluate
    after the last step (``eval_steps`` above 0), for a Trainer training ``model`` with the settings ``hp`` and the
    output folder ``output_dir`` (its checkpoints' folder).

    Only the main process writes; every process takes the same stop decision from the same scores.
    """

    def __init__(self, model: nn.Module, hp: TrainParams, output_dir: Path) -> None:
        self.model = model
        self.output_dir = output_dir
        self.keep_best = hp.keep == "best"
        self.patience = hp.early_stopping_patience
        self.evaluate_last_step = hp.eval_steps > 0

    def prune(self, state: TrainerState) -> None:
        """Remove the kept weights that neither the current best nor a run resumed from one of the checkpoints
        now in the output folder needs."""
        bests = [
            best_evaluation(state.log_history, up_to=step)
            for step in [state.global_step, *checkpoint_steps(self.output_dir)]
        ]
        kept = {best["step"] for best in bests if best is not None}
        for path in (self.output_dir / BEST_FOLDER).glob("step-*.safetensors"):
            if int(path.name.removeprefix("step-").removesuffix(".safetensors")) not in kept:
                remove(path)

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any) -> None:
        if self.evaluate_last_step and state.global_step >= state.max_steps:
            control.should_evaluate = True

    def on_evaluate(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any) -> None:
        best = best_evaluation(state.log_history)
        if self.keep_best and state.is_world_process_zero and best is not None and best["step"] == state.global_step:
            with atomic_path(best_weights(self.output_dir, state.global_step)) as tmp:
                save_model(self.model, str(tmp))
            self.prune(state)
        if (
            self.patience
            and evaluations_since_best(state.log_history) >= self.patience
            and state.global_step < state.max_steps
        ):
            control.should_training_stop = True
            control.should_save = False

    def on_save(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kwargs: Any) -> None:
        if self.keep_best and state.is_world_process_zero:
            self.prune(state)
