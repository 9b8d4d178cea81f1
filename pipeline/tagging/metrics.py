"""Entity-level scores with the ``seqeval`` package, offline, in the layout of evaluate's ``seqeval`` metric.

SpanMarker's trainer scores evaluation with ``evaluate.load("seqeval")``, which fetches the metric's code
from the Hugging Face Hub. :func:`use_offline_seqeval` points SpanMarker at :class:`OfflineSeqeval`
instead, so evaluation during training needs no network and gives the same numbers.
"""

from __future__ import annotations

import types
import warnings
from typing import Any, TypedDict

from seqeval.metrics import accuracy_score, classification_report

OVERALL_KEYS = ("precision", "recall", "f1", "accuracy")
HEADLINE_KEYS = ("precision", "recall", "f1")
"""The keys of every DVC metrics file (``reports/metrics/``): one layout for systems, baselines and comparisons."""


class TypeScores(TypedDict):
    """Entity-level scores of one type: ratios in [0, 1] and ``number``, the gold entities of the type."""

    precision: float
    recall: float
    f1: float
    number: int


class OverallScores(TypedDict):
    """Micro-averaged entity-level scores over every type, and seqeval's token accuracy; all in [0, 1]."""

    precision: float
    recall: float
    f1: float
    accuracy: float


def entity_scores(references: list[list[str]], predictions: list[list[str]]) -> dict[str, Any]:
    """Per-type ``precision/recall/f1/number`` and micro ``overall_*`` scores of BIO tag sequences.

    Identical to what ``evaluate.load("seqeval").compute(...)`` returns with its default arguments
    (seqeval's default, lenient, CoNLL-style entity extraction; undefined ratios count as 0).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = classification_report(y_true=references, y_pred=predictions, output_dict=True, zero_division=0)
    report.pop("macro avg", None)
    report.pop("weighted avg", None)
    overall = report.pop("micro avg", {"precision": 0.0, "recall": 0.0, "f1-score": 0.0})
    scores: dict[str, Any] = {
        entity_type: {
            "precision": float(score["precision"]),
            "recall": float(score["recall"]),
            "f1": float(score["f1-score"]),
            "number": int(score["support"]),
        }
        for entity_type, score in report.items()
    }
    scores["overall_precision"] = float(overall["precision"])
    scores["overall_recall"] = float(overall["recall"])
    scores["overall_f1"] = float(overall["f1-score"])
    scores["overall_accuracy"] = float(accuracy_score(y_true=references, y_pred=predictions))
    return scores


def overall(scores: dict[str, Any], prefix: str = "") -> OverallScores:
    """The ``<prefix>overall_*`` entries of :func:`entity_scores`' result (or a metrics file's) as one record."""
    return OverallScores(
        precision=scores[f"{prefix}overall_precision"],
        recall=scores[f"{prefix}overall_recall"],
        f1=scores[f"{prefix}overall_f1"],
        accuracy=scores[f"{prefix}overall_accuracy"],
    )


def headline(scores: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """The micro ``precision``, ``recall`` and ``f1`` (:data:`HEADLINE_KEYS`) of :func:`entity_scores`' result:
    the layout of every file in ``reports/metrics/`` (the DVC metrics), so that ``dvc metrics show`` lines up
    systems, baselines and comparisons as rows of the same three columns. Token accuracy stays in the scores."""
    return {key: scores[f"{prefix}overall_{key}"] for key in HEADLINE_KEYS}


class OfflineSeqeval:
    """The ``add``/``compute`` interface SpanMarker uses from evaluate's ``seqeval`` metric."""

    def __init__(self) -> None:
        self.references: list[list[str]] = []
        self.predictions: list[list[str]] = []

    def add(self, *, prediction: list[str], reference: list[str]) -> None:
        self.predictions.append(list(prediction))
        self.references.append(list(reference))

    def compute(self) -> dict[str, Any]:
        return entity_scores(self.references, self.predictions)


def _load(path: str, *args: Any, **kwargs: Any) -> OfflineSeqeval:
    if path != "seqeval":
        raise ValueError(f"only the seqeval metric is available offline, not {path!r}")
    return OfflineSeqeval()


def use_offline_seqeval() -> None:
    """Make SpanMarker's evaluation use :class:`OfflineSeqeval` instead of loading seqeval from the Hub."""
    import span_marker.evaluation

    span_marker.evaluation.evaluate = types.SimpleNamespace(load=_load)


def per_type(metrics: dict[str, Any], prefix: str = "test_") -> dict[str, TypeScores]:
    """``{TYPE: {precision, recall, f1, number}}`` from a metrics dictionary's ``<prefix><TYPE>`` entries."""
    return {
        key[len(prefix) :]: TypeScores(
            precision=value["precision"], recall=value["recall"], f1=value["f1"], number=value["number"]
        )
        for key, value in metrics.items()
        if key.startswith(prefix) and isinstance(value, dict)
    }


def per_type_f1(metrics: dict[str, Any], prefix: str = "test_") -> dict[str, float]:
    """``{TYPE: f1}`` from a metrics dictionary's ``<prefix><TYPE>`` entries."""
    return {entity_type: score["f1"] for entity_type, score in per_type(metrics, prefix).items()}
