"""Stage ``evaluate``: score one trained system on its test split, offline, with seqeval.

Usage: ``python -m pipeline.evaluate A``. Writes ``reports/metrics/<system>.json`` with the key layout of
the original project's ``test_results`` files: ``test_<TYPE>`` (precision/recall/f1/number) and
``test_overall_{precision,recall,f1,accuracy}``, plus the epochs that actually ran.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from span_marker import SpanMarkerModel

from pipeline.atomic import write_json
from pipeline.data import load_labels, load_split
from pipeline.metrics import entity_scores
from pipeline.params import load_params
from pipeline.stage import run_stage, system_argument
from pipeline.train import MODELS_DIR, TRAIN_RESULTS_FILE

logger = logging.getLogger(__name__)
METRICS_DIR = Path("reports/metrics")


def tags_from_entities(entities: list[dict[str, Any]], num_words: int) -> list[str]:
    """BIO tags of one sentence from SpanMarker's predicted entities (word indices, end exclusive)."""
    tags = ["O"] * num_words
    for entity in entities:
        start, end, label = entity["word_start_index"], entity["word_end_index"], entity["label"]
        tags[start] = f"B-{label}"
        tags[start + 1:end] = [f"I-{label}"] * (end - start - 1)
    return tags


def predict_tags(model: SpanMarkerModel, sentences: list[list[str]], batch_size: int) -> list[list[str]]:
    """Predicted BIO tags per sentence, decoded as SpanMarker does (best non-overlapping spans first)."""
    non_empty = [words for words in sentences if words]
    predictions = iter(model.predict(non_empty, batch_size=batch_size, show_progress_bar=True) if non_empty else [])
    return [tags_from_entities(next(predictions) if words else [], len(words)) for words in sentences]


def gold_tags(ner_tags: list[list[int]], labels: list[str]) -> list[list[str]]:
    """Tag ids to BIO tag strings."""
    return [[labels[tag] for tag in sentence] for sentence in ner_tags]


def main() -> None:
    system = system_argument("evaluate")
    params = load_params()
    labels = load_labels(system)
    test = load_split(system, "test")
    model = SpanMarkerModel.from_pretrained(str(MODELS_DIR / system))
    sentences = [list(words) for words in test["tokens"]]
    start = time.perf_counter()
    predicted = predict_tags(model, sentences, params["evaluate"]["batch_size"])
    runtime = time.perf_counter() - start
    scores = entity_scores(gold_tags(list(test["ner_tags"]), labels), predicted)
    train_results = json.loads((MODELS_DIR / system / TRAIN_RESULTS_FILE).read_text(encoding="utf-8"))
    metrics = {f"test_{key}": value for key, value in scores.items()}
    metrics.update(epoch=train_results["epoch"], test_runtime=round(runtime, 3),
                   test_samples_per_second=round(len(sentences) / runtime, 3))
    write_json(METRICS_DIR / f"{system}.json", metrics)
    logger.info("system %s: test F1 %.4f (P %.4f, R %.4f) on %d sentences", system, scores["overall_f1"],
                scores["overall_precision"], scores["overall_recall"], len(sentences))


if __name__ == "__main__":
    run_stage(main)
