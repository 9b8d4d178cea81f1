"""``python -m tests.scripted_train SYSTEM SEED``: the train stage, with each evaluation's validation micro F1 set by
the test, so that a test decides where the best evaluation lies.

Read from the environment:

- ``SCRIPTED_F1``: a JSON object mapping optimizer steps (as strings) to the F1 the evaluation at that step reports
  instead of its own (precision, recall and accuracy stay the model's); a step missing from it fails the run.
- ``WEIGHTS_AT_EVALUATIONS`` (optional): a folder that receives the model's weights at every evaluation, as
  ``step-<N>.safetensors``, before the stage's own callbacks see the scores.
- ``KILL_AT_STEP`` (optional): the process kills itself (SIGKILL, as the out-of-memory killer does) right after the
  evaluation at that step, the stage's callbacks included.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

from safetensors.torch import save_model

from pipeline.core.stage import run_stage
from pipeline.model import span_trainer
from pipeline.stages import train

SCRIPT = {int(step): f1 for step, f1 in json.loads(os.environ["SCRIPTED_F1"]).items()}
WEIGHTS = os.environ.get("WEIGHTS_AT_EVALUATIONS")
KILL_AT_STEP = int(os.environ.get("KILL_AT_STEP", "-1"))
real_evaluate = span_trainer.SpanTrainer.evaluate
real_scores = span_trainer.entity_scores
evaluating: list[int] = []
"""The optimizer step of the evaluation under way."""


def scripted_scores(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, Any]:
    return {**real_scores(gold, predicted), "overall_f1": SCRIPT[evaluating[-1]]}


def scripted_evaluate(self: span_trainer.SpanTrainer, *args: Any, **kwargs: Any) -> dict[str, float]:
    step = self.state.global_step
    evaluating.append(step)
    if WEIGHTS:
        Path(WEIGHTS).mkdir(parents=True, exist_ok=True)
        save_model(self.model, str(Path(WEIGHTS) / f"step-{step}.safetensors"))
    metrics = real_evaluate(self, *args, **kwargs)
    if step == KILL_AT_STEP:
        os.kill(os.getpid(), signal.SIGKILL)
    return metrics


span_trainer.entity_scores = scripted_scores
span_trainer.SpanTrainer.evaluate = scripted_evaluate

if __name__ == "__main__":
    run_stage(train.main)
