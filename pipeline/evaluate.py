"""Stage ``evaluate``: score one trained system on its test split, offline, with seqeval.

Usage: ``python -m pipeline.evaluate A``. Writes ``reports/metrics/<system>.json`` with the key layout of
the original project's ``test_results`` files: ``test_<TYPE>`` (precision/recall/f1/number) and
``test_overall_{precision,recall,f1,accuracy}``, plus the epochs that actually ran; and the predicted
tags of every test sentence to ``data/predictions/<system>.parquet`` for the error analysis. The model runs
on the GPU when there is one, in the system's ``train`` precision (``pipeline.device``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Dataset
from span_marker import SpanMarkerModel

from pipeline.atomic import atomic_path, write_json
from pipeline.data import load_labels, load_split
from pipeline.device import autocast, choose_placement, place_model
from pipeline.params import load_params, train_params
from pipeline.scoring import score_model
from pipeline.stage import run_stage, system_argument
from pipeline.train import MODELS_DIR, TRAIN_RESULTS_FILE

logger = logging.getLogger(__name__)
METRICS_DIR = Path("reports/metrics")
PREDICTIONS_DIR = Path("data/predictions")


def write_predictions(path: Path, test: Dataset, gold: list[list[str]], predicted: list[list[str]]) -> None:
    """Tokens with gold and predicted BIO tags, one row per test sentence."""
    table = pa.table({"tokens": test.data.table["tokens"], "gold": gold, "predicted": predicted})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def main() -> None:
    system = system_argument("evaluate")
    params = load_params()
    labels = load_labels(system)
    test = load_split(system, "test")
    placement = choose_placement(train_params(params, system))
    model = place_model(SpanMarkerModel.from_pretrained(str(MODELS_DIR / system)), placement)
    with autocast(placement):
        metrics, gold, predicted = score_model(model, test, labels, params["evaluate"]["batch_size"])
    train_results = json.loads((MODELS_DIR / system / TRAIN_RESULTS_FILE).read_text(encoding="utf-8"))
    metrics["epoch"] = train_results["epoch"]
    write_predictions(PREDICTIONS_DIR / f"{system}.parquet", test, gold, predicted)
    write_json(METRICS_DIR / f"{system}.json", metrics)
    logger.info("system %s: test F1 %.4f (P %.4f, R %.4f) on %d sentences", system, metrics["test_overall_f1"],
                metrics["test_overall_precision"], metrics["test_overall_recall"], len(gold))


if __name__ == "__main__":
    run_stage(main)
