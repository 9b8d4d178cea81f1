"""Entity-level scores with the ``seqeval`` package, offline, in the layout of evaluate's ``seqeval`` metric.

SpanMarker's trainer scores evaluation with ``evaluate.load("seqeval")``, which fetches the metric's code
from the Hugging Face Hub. :func:`use_offline_seqeval` points SpanMarker at :class:`OfflineSeqeval`
instead, so evaluation during training needs no network and gives the same numbers.
"""

from __future__ import annotations

import types
import warnings
from typing import Any

from seqeval.metrics import accuracy_score, classification_report


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


def per_type(metrics: dict[str, Any], prefix: str = "test_") -> dict[str, dict[str, Any]]:
    """``{TYPE: {precision, recall, f1, number}}`` from a metrics dictionary's ``<prefix><TYPE>`` entries."""
    return {key[len(prefix):]: value for key, value in metrics.items()
            if key.startswith(prefix) and isinstance(value, dict)}
