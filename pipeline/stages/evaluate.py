"""Stage ``evaluate``: score one trained system on its test split, offline, with seqeval.

Usage: ``python -m pipeline.stages.evaluate SYSTEM``, a system of ``params.yaml``. Writes

- ``reports/metrics/<system>.json``: the micro precision, recall and F1
  (:func:`pipeline.evaluation.metrics.headline`), a DVC metrics file;
- ``reports/scores/<system>.json``: the per-type detail in the key layout of the original project's
  ``test_results`` files, ``test_<TYPE>`` (precision/recall/f1/number) and
  ``test_overall_{precision,recall,f1,accuracy}``, plus the ``epoch`` that actually ran;
- ``data/predictions/<system>.parquet``: the predicted tags of every test sentence, for the error analysis.

The model runs on the GPU when there is one, in the ``train`` precision (``pipeline.model.device``).
"""

from __future__ import annotations

import json
import logging

from pipeline.core.atomic import write_json
from pipeline.data.splits import load_labels, load_split
from pipeline.model.device import choose_placement
from pipeline.evaluation.metrics import headline
from pipeline.model.compute import pin_compute
from pipeline.model.model_folder import load_model
from pipeline.core.params import ComputeParams, EvaluateParams, PrecisionParams, read_params
from pipeline.core.paths import MODELS_DIR, PREDICTIONS_DIR, TRAIN_RESULTS_FILE, metrics_file, scores_file
from pipeline.evaluation.scoring import score_placed, write_predictions
from pipeline.core.stage import run_stage, system_argument

logger = logging.getLogger(__name__)


def main() -> None:
    params = read_params()
    system = system_argument("evaluate", params)
    pin_compute(ComputeParams.read(params))  # before the first tensor operation
    batch_size = EvaluateParams.read(params).batch_size
    test = load_split(system, "test")
    placement = choose_placement(PrecisionParams.read(params).model_dump())
    scores, gold, predicted = score_placed(load_model(MODELS_DIR / system), {"test": test}, load_labels(system),
                                           batch_size, placement)["test"]
    train_results = json.loads((MODELS_DIR / system / TRAIN_RESULTS_FILE).read_text(encoding="utf-8"))
    scores["epoch"] = train_results["epoch"]
    write_predictions(PREDICTIONS_DIR / f"{system}.parquet", test, gold, predicted)
    write_json(scores_file(system), scores)
    summary = headline(scores, "test_")
    write_json(metrics_file(system), summary)
    logger.info("system %s: test F1 %.4f (P %.4f, R %.4f) on %d sentences", system, summary["f1"],
                summary["precision"], summary["recall"], len(gold))


if __name__ == "__main__":
    run_stage(main)
