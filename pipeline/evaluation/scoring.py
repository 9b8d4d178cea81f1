"""Score a SpanMarker model on test splits: SpanMarker's decoding, BIO tags, seqeval entity scores.

:func:`score_placed` is the one sequence of the stages that score a model (evaluate, baseline, languages):
move the model to its placement, predict under its autocast, score.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from datasets import Dataset
from span_marker import SpanMarkerModel

from pipeline.core.atomic import atomic_path, write_json
from pipeline.data.labels import restrict_tags
from pipeline.documents.windows import DEFAULT_STRIDE, predict_windowed
from pipeline.evaluation.results import Result
from pipeline.model.device import Placement, autocast, place_model
from pipeline.model.inference import Logits
from pipeline.tagging.metrics import entity_scores, headline
from pipeline.tagging.tags import gold_tags, tags_from_entities

logger = logging.getLogger(__name__)


def predict_tags(
    model: SpanMarkerModel, sentences: list[list[str]], batch_size: int, logits: Logits | None = None
) -> list[list[str]]:
    """Predicted BIO tags per sentence, decoded as SpanMarker does (best non-overlapping spans first), a sentence
    longer than the model's input tagged in windows sharing :data:`~pipeline.documents.windows.DEFAULT_STRIDE`
    words, as the predict command does; ``logits`` computes the span logits (default: the model in PyTorch)."""
    entities = predict_windowed(model, sentences, batch_size, DEFAULT_STRIDE, show_progress_bar=True, logits=logits)
    return [tags_from_entities(found, len(words)) for found, words in zip(entities, sentences, strict=True)]


def score_model(
    model: SpanMarkerModel,
    test: Dataset,
    labels: Sequence[str],
    batch_size: int,
    types: set[str] | None = None,
    logits: Logits | None = None,
) -> tuple[dict[str, Any], list[list[str]], list[list[str]]]:
    """Test metrics (``test_`` keys), gold tags and predicted tags of ``model`` (its span logits from ``logits``
    when given, e.g. an ONNX graph of it).

    With ``types``, entities of other types are turned into ``O`` in gold and predictions before scoring.
    The metrics hold no timings, so that two runs with the same seed give identical files; the prediction
    speed is logged instead.
    """
    sentences = [list(words) for words in test["tokens"]]
    start = time.perf_counter()
    predicted = predict_tags(model, sentences, batch_size, logits)
    runtime = time.perf_counter() - start
    logger.info(
        "predicted %d sentences in %.1f s (%.1f sentences/s)",
        len(sentences),
        runtime,
        len(sentences) / max(runtime, 1e-9),
    )
    gold = gold_tags(list(test["ner_tags"]), labels)
    if types is not None:
        gold, predicted = restrict_tags(gold, types), restrict_tags(predicted, types)
    metrics = {f"test_{key}": value for key, value in entity_scores(gold, predicted).items()}
    return metrics, gold, predicted


Scored = tuple[dict[str, Any], list[list[str]], list[list[str]]]
"""What :func:`score_model` returns: test metrics, gold tags, predicted tags."""


def score_placed(
    model: SpanMarkerModel,
    tests: dict[str, Dataset],
    labels: Sequence[str],
    batch_size: int,
    placement: Placement | None,
    types: set[str] | None = None,
    logits: Logits | None = None,
) -> dict[str, Scored]:
    """:func:`score_model` of ``model`` on each named test split, keyed as ``tests``: the model moved to
    ``placement`` and run under its autocast (:mod:`pipeline.model.device`), or, with ``logits`` (an ONNX
    graph) and no placement, left on the CPU."""
    if placement is None:
        return {name: score_model(model, test, labels, batch_size, types, logits) for name, test in tests.items()}
    model = place_model(model, placement)
    with autocast(placement):
        return {name: score_model(model, test, labels, batch_size, types, logits) for name, test in tests.items()}


def write_predictions(path: Path, test: Dataset, gold: list[list[str]], predicted: list[list[str]]) -> None:
    """Tokens with gold and predicted BIO tags, one row per test sentence, written atomically (Parquet)."""
    table = pa.table({"tokens": test.data.table["tokens"], "gold": gold, "predicted": predicted})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def write_no_predictions(path: Path) -> None:
    """A predictions file of no rows: there is no model to predict with (a plain-encoder baseline)."""
    words = pa.list_(pa.string())
    table = pa.table({"tokens": pa.array([], words), "gold": pa.array([], words), "predicted": pa.array([], words)})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def write_scored(
    result: Result, test: Dataset, gold: list[list[str]], predicted: list[list[str]], scores: dict[str, Any]
) -> dict[str, float]:
    """Write ``result``'s predictions (``test``'s words with ``gold`` and ``predicted`` tags), its per-type
    ``scores`` and its headline metrics (a run has no metrics file: its system's are the mean over its runs);
    return the headline metrics."""
    write_predictions(result.predictions_file, test, gold, predicted)
    write_json(result.scores_file, scores)
    summary = headline(scores, "test_")
    if result.kind != "run":
        write_json(result.metrics_file, summary)
    return summary


def unavailable(reason: str, **details: Any) -> dict[str, Any]:
    """The scores of a model that is not there (a plain-encoder baseline, no int8 graph):
    ``{"available": false, "reason": reason, **details}``, which the report and the plots show as such."""
    return {"available": False, "reason": reason, **details}


def write_unavailable(result: Result, reason: str, **details: Any) -> None:
    """Write ``result``'s files when there is no model to score: no prediction rows, a scores file saying why
    (:func:`unavailable`) and an empty metrics file (``{}``)."""
    write_no_predictions(result.predictions_file)
    write_json(result.scores_file, unavailable(reason, **details))
    write_json(result.metrics_file, {})
