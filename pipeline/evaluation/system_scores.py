"""Score one run's model (a system trained with one seed) on the system's test split with a chosen runtime and write
the result's files: what the evaluate and int8 stages do."""

from __future__ import annotations

import json
import logging

from pipeline.core.params import Runtime, TrainParams
from pipeline.core.paths import GRAPHS_DIR, MODELS_DIR, TRAIN_RESULTS_FILE, run_folder
from pipeline.data.splits import load_labels, load_split
from pipeline.evaluation.results import Result
from pipeline.evaluation.scoring import score_placed, write_scored
from pipeline.graphs.onnx_graph import runtime_logits
from pipeline.model.device import choose_placement
from pipeline.model.model_folder import load_model

logger = logging.getLogger(__name__)


def evaluate_system(
    result: Result, seed: int, runtime: Runtime, batch_size: int, precision: TrainParams | None, threads: int
) -> None:
    """Score the model of run ``seed`` of ``result.system`` (``models/<system>/seed-<seed>``) on the system's test
    split in batches of ``batch_size`` samples, its span logits from ``runtime``
    (:func:`~pipeline.graphs.onnx_graph.runtime_logits`: ``torch`` on the placement of ``precision``'s flags, an
    ONNX graph of ``graphs/<system>/seed-<seed>`` with ``threads`` threads), and write ``result``'s files. Raises
    :class:`~pipeline.core.exceptions.GraphError` when an ONNX runtime's graph is missing or stale."""
    system, run = result.system, run_folder(result.system, seed)
    test = load_split(system, "test")
    model = load_model(MODELS_DIR / run)
    logits = runtime_logits(runtime, model, GRAPHS_DIR / run, threads)
    placement = choose_placement(precision) if logits is None else None
    scores, gold, predicted = score_placed(
        model, {"test": test}, load_labels(system), batch_size, placement, logits=logits
    )["test"]
    train_results = json.loads((MODELS_DIR / run / TRAIN_RESULTS_FILE).read_text(encoding="utf-8"))
    scores.update(epoch=train_results["epoch"], runtime=runtime)
    summary = write_scored(result, test, gold, predicted, scores)
    logger.info(
        "%s (%s): test F1 %.4f (P %.4f, R %.4f) on %d sentences",
        result.name,
        runtime,
        summary["f1"],
        summary["precision"],
        summary["recall"],
        len(gold),
    )
