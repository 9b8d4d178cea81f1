"""Score one trained system's model on its test split with a chosen runtime, and write what the ``evaluate`` and
``int8`` stages output: the predictions, the per-type scores and the headline metrics."""

from __future__ import annotations

import json
import logging
from typing import Any

from pipeline.core.atomic import write_json
from pipeline.core.params import ComputeParams, EvaluateParams, PrecisionParams, Runtime
from pipeline.core.paths import GRAPHS_DIR, MODELS_DIR, PREDICTIONS_DIR, TRAIN_RESULTS_FILE, metrics_file, scores_file
from pipeline.data.splits import load_labels, load_split
from pipeline.tagging.metrics import headline
from pipeline.evaluation.scoring import score_placed, write_predictions
from pipeline.model.device import choose_placement
from pipeline.model.model_folder import load_model
from pipeline.graphs.onnx_graph import load_session

logger = logging.getLogger(__name__)


def evaluate_system(system: str, runtime: Runtime, name: str, params: dict[str, Any]) -> None:
    """Score ``system``'s model with ``runtime`` on its test split and write the predictions, scores and metrics
    files of ``name`` (``<system>`` for the evaluate stage). Raises
    :class:`~pipeline.core.exceptions.GraphError` when an ONNX runtime's graph is missing or stale."""
    batch_size = EvaluateParams.read(params).batch_size
    test = load_split(system, "test")
    model = load_model(MODELS_DIR / system)
    if runtime == "torch":
        placement, logits = choose_placement(PrecisionParams.read(params).model_dump()), None
    else:
        placement, logits = None, load_session(model, GRAPHS_DIR / system, runtime,
                                               ComputeParams.read(params).threads)
    scores, gold, predicted = score_placed(model, {"test": test}, load_labels(system), batch_size, placement,
                                           logits=logits)["test"]
    train_results = json.loads((MODELS_DIR / system / TRAIN_RESULTS_FILE).read_text(encoding="utf-8"))
    scores.update(epoch=train_results["epoch"], runtime=runtime)
    write_predictions(PREDICTIONS_DIR / f"{name}.parquet", test, gold, predicted)
    write_json(scores_file(name), scores)
    summary = headline(scores, "test_")
    write_json(metrics_file(name), summary)
    logger.info("%s (%s): test F1 %.4f (P %.4f, R %.4f) on %d sentences", name, runtime, summary["f1"],
                summary["precision"], summary["recall"], len(gold))
