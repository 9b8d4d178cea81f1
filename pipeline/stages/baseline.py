"""Stage ``baseline``: the starting checkpoint scored on a system's test split before any fine-tuning.

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

from pipeline.core.atomic import write_json
from pipeline.data.splits import load_info, load_split
from pipeline.model.device import choose_placement
from pipeline.tagging.metrics import headline
from pipeline.core.params import CheckpointParams, ComputeParams, EvaluateParams, PrecisionParams, read_params
from pipeline.core.paths import PREDICTIONS_DIR, metrics_file, scores_file
from pipeline.evaluation.scoring import score_placed, write_no_predictions, write_predictions
from pipeline.model.compute import pin_compute
from pipeline.core.stage import run_stage, system_argument
from pipeline.model.starting_model import load_starting_model, plain_encoder_reason

logger = logging.getLogger(__name__)


def main() -> None:
    params = read_params()
    system = system_argument("baseline", params)
    pin_compute(ComputeParams.read(params))  # before the first tensor operation
    model_params, batch_size = CheckpointParams.read(params), EvaluateParams.read(params).batch_size
    precision = PrecisionParams.read(params)  # checked whether or not there is a model to run in it
    name = f"baseline_{system}"
    start = load_starting_model(model_params)
    if start is None:
        reason = f"{plain_encoder_reason(model_params)}: no baseline before fine-tuning"
        write_no_predictions(PREDICTIONS_DIR / f"{name}.parquet")
        write_json(scores_file(name), {"available": False, "model": model_params.name, "reason": reason})
        write_json(metrics_file(name), {})
        logger.info("system %s: %s", system, reason)
        return
    placement = choose_placement(precision.model_dump())
    info = load_info(system)
    test = load_split(system, "test")
    scores, gold, predicted = score_placed(start, {"test": test}, info["labels"], batch_size, placement,
                                           types=set(info["types"]))["test"]
    write_predictions(PREDICTIONS_DIR / f"{name}.parquet", test, gold, predicted)
    scores.update(available=True, model=model_params.name)
    write_json(scores_file(name), scores)
    write_json(metrics_file(name), headline(scores, "test_"))
    logger.info("system %s: baseline (%s before fine-tuning) test F1 %.4f", system, model_params.name,
                scores["test_overall_f1"])


if __name__ == "__main__":
    run_stage(main)
