"""Stage ``baseline``: the starting model scored on a system's test split before any fine-tuning.

Usage: ``python -m pipeline.stages.baseline SYSTEM``, a system of ``params.yaml``. When ``model.name`` is a SpanMarker
model (the real run starts from the 15-type MultiNERD model), its predictions and the gold tags are restricted to the
system's types and scored like the trained system: overall scores to ``reports/metrics/baseline_<system>.json``,
per-type detail to ``reports/scores/baseline_<system>.json``. When it is a plain encoder there is nothing to score: the
metrics file is empty (``{}``), the detail file says why (``"available": false``) and the predictions file has no rows.
The predictions (``data/predictions/baseline_<system>.parquet``, restricted to the system's types) feed the paired
bootstrap of ``analyze``. The model runs on the GPU when there is one, in the ``train`` precision
(``pipeline.model.device``).
"""

from __future__ import annotations

import logging

from pipeline.core.params import ComputeParams, EvaluateParams, ModelParams, TrainParams, read_params
from pipeline.core.stage import run_stage, system_argument
from pipeline.data.splits import load_info, load_split
from pipeline.evaluation import results
from pipeline.evaluation.scoring import score_placed, write_scored, write_unavailable
from pipeline.model.compute import pin_compute
from pipeline.model.device import PRECISION_KEYS, choose_placement
from pipeline.model.starting_model import STARTING_MODEL_KEYS, load_starting_model, plain_encoder_reason

logger = logging.getLogger(__name__)


def main() -> None:
    params = read_params()
    system = system_argument("baseline", params)
    pin_compute(ComputeParams.read(params))  # before the first tensor operation
    starting = ModelParams.read(params, *STARTING_MODEL_KEYS)
    batch_size = EvaluateParams.read(params, "batch_size").batch_size
    precision = TrainParams.read(params, *PRECISION_KEYS)  # checked whether or not there is a model to run
    result = results.baseline(system)
    start = load_starting_model(starting)
    if start is None:
        reason = f"{plain_encoder_reason(starting)}: no baseline before fine-tuning"
        write_unavailable(result, reason, model=starting.name)
        logger.info("system %s: %s", system, reason)
        return
    info = load_info(system)
    test = load_split(system, "test")
    scores, gold, predicted = score_placed(
        start, {"test": test}, info["labels"], batch_size, choose_placement(precision), types=set(info["types"])
    )["test"]
    scores.update(available=True, model=starting.name)
    write_scored(result, test, gold, predicted, scores)
    logger.info(
        "system %s: baseline (%s before fine-tuning) test F1 %.4f", system, starting.name, scores["test_overall_f1"]
    )


if __name__ == "__main__":
    run_stage(main)
