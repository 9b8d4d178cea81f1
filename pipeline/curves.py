"""Training curves with dvclive, against the optimizer step: loss at every logging step, scores at every evaluation.

Written under ``reports/training/<system>/``: ``plots/metrics/train/loss.tsv`` (one row per logging step,
``step`` = optimizer step, ``loss`` = mean training loss over the last ``train.logging_steps`` steps) and
``plots/metrics/validation/{precision,recall,f1,accuracy,epoch}.tsv`` (one row per evaluation, i.e. per
epoch), and ``metrics.json`` with the last value of each and the last step. Nothing timed is logged, so two
runs with the same seed write identical files.

``transformers``' own ``DVCLiveCallback`` is not used: it advances dvclive's step once per log call, not per
optimizer step, and files the per-step loss and the run's average loss under the same name.
"""

from __future__ import annotations

from typing import Any

from dvclive import Live
from transformers import TrainerCallback

VALIDATION_KEYS = ("precision", "recall", "f1", "accuracy")
"""SpanMarker's ``eval_overall_<key>`` scores, logged as ``validation/<key>``."""


class TrainingCurves(TrainerCallback):
    """Log a Trainer's loss and validation scores to ``live`` at the optimizer step they belong to."""

    def __init__(self, live: Live) -> None:
        self.live = live

    def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, float] | None = None, **kwargs: Any) -> None:
        if state.is_world_process_zero and logs and "loss" in logs:  # the final summary has "train_loss" instead
            self.live.step = state.global_step
            self.live.log_metric("train/loss", logs["loss"])
            self.live.make_summary()

    def on_evaluate(self, args: Any, state: Any, control: Any, metrics: dict[str, Any] | None = None,
                    **kwargs: Any) -> None:
        if not state.is_world_process_zero or not metrics:
            return
        self.live.step = state.global_step
        for key in VALIDATION_KEYS:
            self.live.log_metric(f"validation/{key}", metrics[f"eval_overall_{key}"])
        self.live.log_metric("validation/epoch", round(state.epoch, 4))
        self.live.make_summary()

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if state.is_world_process_zero:
            self.live.end()
