"""Score a trained system's model on its test split, and write a result's files (:mod:`pipeline.evaluation.results`):
the predictions, the per-type scores and the headline metrics, or, when there is no model to score, files that say
so. What the evaluate, int8 and baseline stages write."""

from __future__ import annotations

import json
import logging
from typing import Any

from datasets import Dataset

from pipeline.core.atomic import write_json
from pipeline.core.params import Runtime, TrainParams
from pipeline.core.paths import GRAPHS_DIR, MODELS_DIR, TRAIN_RESULTS_FILE
from pipeline.data.splits import load_labels, load_split
from pipeline.evaluation.results import Result
from pipeline.evaluation.scoring import score_placed, write_no_predictions, write_predictions
from pipeline.graphs.onnx_graph import runtime_logits
from pipeline.model.device import choose_placement
from pipeline.model.model_folder import load_model
from pipeline.tagging.metrics import headline

logger = logging.getLogger(__name__)


def write_scored(result: Result, test: Dataset, gold: list[list[str]], predicted: list[list[str]],
                 scores: dict[str, Any]) -> dict[str, float]:
    """Write ``result``'s predictions (``test``'s words with ``gold`` and ``predicted`` tags), its per-type
    ``scores`` and its headline metrics; return the headline metrics."""
    write_predictions(result.predictions_file, test, gold, predicted)
    write_json(result.scores_file, scores)
    summary = headline(scores, "test_")
    write_json(result.metrics_file, summary)
    return summary


def write_unavailable(result: Result, reason: str, **details: Any) -> None:
    """Write ``result``'s files when there is no model to score: no prediction rows, a scores file saying why
    (``{"available": false, "reason": reason, **details}``) and an empty metrics file (``{}``)."""
    write_no_predictions(result.predictions_file)
    write_json(result.scores_file, {"available": False, "reason": reason, **details})
    write_json(result.metrics_file, {})


def evaluate_system(result: Result, runtime: Runtime, batch_size: int, precision: TrainParams | None,
                    threads: int) -> None:
    """Score ``result.system``'s model on its test split in batches of ``batch_size`` samples, its span logits from
    ``runtime`` (:func:`~pipeline.graphs.onnx_graph.runtime_logits`: ``torch`` on the placement of ``precision``'s
    flags, an ONNX graph with ``threads`` threads), and write ``result``'s files. Raises
    :class:`~pipeline.core.exceptions.GraphError` when an ONNX runtime's graph is missing or stale."""
    system = result.system
    test = load_split(system, "test")
    model = load_model(MODELS_DIR / system)
    logits = runtime_logits(runtime, model, GRAPHS_DIR / system, threads)
    placement = choose_placement(precision) if logits is None else None
    scores, gold, predicted = score_placed(model, {"test": test}, load_labels(system), batch_size, placement,
                                           logits=logits)["test"]
    train_results = json.loads((MODELS_DIR / system / TRAIN_RESULTS_FILE).read_text(encoding="utf-8"))
    scores.update(epoch=train_results["epoch"], runtime=runtime)
    summary = write_scored(result, test, gold, predicted, scores)
    logger.info("%s (%s): test F1 %.4f (P %.4f, R %.4f) on %d sentences", result.name, runtime, summary["f1"],
                summary["precision"], summary["recall"], len(gold))
