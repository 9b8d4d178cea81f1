"""Training curves with dvclive, against the optimizer step: loss at every logging step, scores at every evaluation.

Written under ``reports/training/<system>/``: ``plots/metrics/train/loss.tsv`` (one row per logging step,
``step`` = optimizer step, ``loss`` = mean training loss over the last ``train.logging_steps`` steps) and
``plots/metrics/validation/{precision,recall,f1,accuracy,epoch}.tsv`` (one row per evaluation: per epoch, or every
``train.eval_steps`` steps and after the last), and ``metrics.json`` with the last value of each and the last step;
with ``train.keep: best`` also ``kept``: the kept evaluation's ``step`` and validation micro ``f1``, and why
training stopped (``stopped``: ``epochs`` or ``early_stopping``; :func:`pipeline.model.selection.selection_record`).
Nothing timed is logged, so two runs with the same seed write identical files.

A run resumed from a checkpoint starts the folder afresh and first logs again what the checkpoint's trainer
state holds (every log up to the checkpoint's step), then goes on: its curves equal those of an uninterrupted
run, row for row, however much of the folder the interruption (or DVC, which removes a stage's outputs before
rerunning it) left behind, and nothing logged after the checkpoint by the interrupted run is kept twice.

``transformers``' own ``DVCLiveCallback`` is not used: it advances dvclive's step once per log call, not per
optimizer step, and files the per-step loss and the run's average loss under the same name.
"""

from __future__ import annotations

from typing import Any

from dvclive import Live
from transformers import TrainerCallback

from pipeline.model.selection import selection_record
from pipeline.tagging.metrics import OVERALL_KEYS


class TrainingCurves(TrainerCallback):
    """Log a Trainer's loss and validation scores to ``live`` at the optimizer step they belong to, and with
    ``keep_best`` (``train.keep: best``) the kept evaluation at the end.

    ``live`` must start empty (``Live(..., resume=False)``); a resumed run's earlier logs come from its trainer
    state at the start of training.
    """

    def __init__(self, live: Live, keep_best: bool = False) -> None:
        self.live = live
        self.keep_best = keep_best

    def log_loss(self, step: int, logs: dict[str, Any]) -> None:
        """One Trainer log of the training loss (``"loss"``; the final summary's ``"train_loss"`` is not one)."""
        self.live.step = step
        self.live.log_metric("train/loss", logs["loss"])
        self.live.make_summary()

    def log_validation(self, step: int, epoch: float, metrics: dict[str, Any]) -> None:
        """One evaluation's ``eval_overall_<key>`` scores, after ``epoch`` epochs."""
        self.live.step = step
        for key in OVERALL_KEYS:
            self.live.log_metric(f"validation/{key}", metrics[f"eval_overall_{key}"])
        self.live.log_metric("validation/epoch", round(epoch, 4))
        self.live.make_summary()

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        for entry in state.log_history:  # empty unless resumed: the logs up to the checkpoint, in order
            if "loss" in entry:
                self.log_loss(entry["step"], entry)
            elif "eval_overall_f1" in entry:
                self.log_validation(entry["step"], entry["epoch"], entry)

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **kwargs: Any) -> None:
        if state.is_world_process_zero and logs and "loss" in logs:
            self.log_loss(state.global_step, logs)

    def on_evaluate(
        self, args: Any, state: Any, control: Any, metrics: dict[str, Any] | None = None, **kwargs: Any
    ) -> None:
        if state.is_world_process_zero and metrics:
            self.log_validation(state.global_step, state.epoch, metrics)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if not state.is_world_process_zero:
            return
        if self.keep_best:
            record = selection_record(state)
            self.live.summary["kept"] = {
                "step": record["kept_step"],
                "f1": record["kept_f1"],
                "stopped": record["stopped"],
            }
        self.live.end()
