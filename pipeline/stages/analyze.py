"""Stage ``analyze``: A vs B on the same types, span-level error analysis and the long-tail view.

Reads both systems' test predictions and writes ``reports/metrics/A_on_B_types.json`` (a DVC metrics file:
System A's overall scores once every type outside System B's is mapped to ``O``), ``reports/scores/A_vs_B.json``
(the per-type detail of A on B's types and of B), ``reports/errors/summary.json`` (confusion counts and the most
frequent errors per system), ``reports/errors/examples.json`` (the first test sentences of each of the most
frequent confusions), ``reports/scores/tail.json`` (System A's per-type scores against training frequency, beside
the committed reference run's when that ran with other oversampling) and figures: confusion matrices and
per-type F1 against training frequency.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from pipeline.core.atomic import write_json
from pipeline.data.splits import entity_counts, load_info, load_split
from pipeline.core.exceptions import DataError
from pipeline.reporting.figures import plot_confusion, plot_long_tail, save
from pipeline.data.labels import restrict_tags
from pipeline.evaluation.metrics import entity_scores, overall, per_type, per_type_f1
from pipeline.core.params import TrainParams, read_params
from pipeline.core.paths import (
    ERRORS_FILE,
    EXAMPLES_FILE,
    FIGURES_DIR,
    PREDICTIONS_DIR,
    SYSTEMS,
    TAIL_FILE,
    metrics_file,
    scores_file,
)
from pipeline.evaluation.reference import oversampling, reference_scores
from pipeline.evaluation.span_errors import confusion_examples, error_summary, span_confusion, top_confusions
from pipeline.core.stage import run_stage
from pipeline.data.tail import type_presence, type_repeat_factors

logger = logging.getLogger(__name__)
EXAMPLE_CONFUSIONS = 3
"""Most frequent confusions of each system shown with example sentences."""
EXAMPLES_PER_CONFUSION = 2
"""Test sentences shown for each of them."""
TAIL_SYSTEM = "A"
"""The system whose long tail is measured: the one that keeps every MultiNERD type."""


def load_predictions(system: str) -> tuple[list[list[str]], list[list[str]]]:
    """Gold and predicted BIO tags of a system's test sentences."""
    table = pq.read_table(PREDICTIONS_DIR / f"{system}.parquet", columns=["gold", "predicted"])
    return table["gold"].to_pylist(), table["predicted"].to_pylist()


def compare_on_types(gold_a: list[list[str]], predicted_a: list[list[str]], gold_b: list[list[str]],
                     predicted_b: list[list[str]], types: set[str]) -> dict[str, dict[str, Any]]:
    """Scores of A restricted to ``types`` and of B, on B's gold; raises :class:`DataError` if the gold data differ."""
    restricted_gold = restrict_tags(gold_a, types)
    if restricted_gold != restrict_tags(gold_b, types):
        raise DataError("A's and B's test sets differ once restricted to B's types; rerun prepare for both")
    return {"A_on_B_types": entity_scores(restricted_gold, restrict_tags(predicted_a, types)),
            "B": entity_scores(gold_b, predicted_b)}


def tail_table(scores: dict[str, Any], train_entities: dict[str, int], train_sentences: dict[str, int],
               repeat_factors: dict[str, float], reference: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Per type, most training entities first: training entities and sentences, the oversampling repeat
    factor, test entities, test precision/recall/F1, and the same scores of ``reference`` when given.

    ``scores`` and ``reference`` are scores files (``test_<TYPE>`` keys); a type missing from the test split
    has 0 test entities and scores of 0.
    """
    now, before = per_type(scores), per_type(reference) if reference is not None else None
    empty = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "number": 0}
    rows = {}
    for entity_type in sorted(set(train_entities) | set(now), key=lambda t: (-train_entities.get(t, 0), t)):
        score = now.get(entity_type, empty)
        row = {"train_entities": train_entities.get(entity_type, 0),
               "train_sentences": train_sentences.get(entity_type, 0),
               "repeat_factor": repeat_factors.get(entity_type, 1.0), "test_entities": score["number"],
               **{key: score[key] for key in ("precision", "recall", "f1")}}
        if before is not None:
            row["reference"] = {key: before.get(entity_type, empty)[key] for key in ("precision", "recall", "f1")}
        rows[entity_type] = row
    return rows


def tail_analysis(system: str, scores: dict[str, Any], params: dict[str, Any]) -> dict[str, Any]:
    """``reports/scores/tail.json``: :func:`tail_table` of ``system`` and, when the committed reference run
    trained it with other oversampling settings, the reference's scores beside it."""
    hp = TrainParams.read(params, system)
    labels = load_info(system)["labels"]
    presence, types = type_presence(load_split(system, "train").data.table["ner_tags"], labels)
    threshold = hp.oversample_threshold if hp.oversample_threshold > 0 else 0.0
    factors = type_repeat_factors(presence, threshold)
    committed = reference_scores(scores_file(system))
    mine = oversampling(params, system)
    reference = committed if committed is not None and oversampling(committed[1], system) != mine else None
    rows = tail_table(scores, entity_counts(system), dict(zip(types, presence.sum(axis=0).tolist())),
                      dict(zip(types, np.round(factors, 4).tolist())), reference[0] if reference else None)
    return {"system": system, "oversampling": {"threshold": mine[0], "cap": mine[1]},
            "reference": None if reference is None else
            {"oversampling": dict(zip(("threshold", "cap"), oversampling(reference[1], system))),
             "overall_f1": reference[0].get("test_overall_f1")},
            "overall_f1": scores.get("test_overall_f1"), "types": rows}


def load_tokens(system: str) -> list[list[str]]:
    """The words of a system's test sentences, in test order."""
    return pq.read_table(PREDICTIONS_DIR / f"{system}.parquet", columns=["tokens"])["tokens"].to_pylist()


def main() -> None:
    types = {system: load_info(system)["types"] for system in SYSTEMS}
    predictions = {system: load_predictions(system) for system in SYSTEMS}
    comparison = compare_on_types(*predictions["A"], *predictions["B"], set(types["B"]))
    write_json(scores_file("A_vs_B"), comparison)
    write_json(metrics_file("A_on_B_types"), overall(comparison["A_on_B_types"]))

    errors, examples = {}, {}
    for system in SYSTEMS:
        rows = span_confusion(*predictions[system])
        top = top_confusions(rows, n=10)
        errors[system] = {"summary": error_summary(rows), "top": top, "rows": rows}
        examples[system] = confusion_examples(load_tokens(system), *predictions[system], top[:EXAMPLE_CONFUSIONS],
                                              k=EXAMPLES_PER_CONFUSION)
        save(plot_confusion(rows, types[system], f"System {system}: test-set span errors"),
             FIGURES_DIR / f"confusion_{system}.png")
    write_json(ERRORS_FILE, errors)
    write_json(EXAMPLES_FILE, examples)

    scores = {system: json.loads(scores_file(system).read_text(encoding="utf-8")) for system in SYSTEMS}
    tail = tail_analysis(TAIL_SYSTEM, scores[TAIL_SYSTEM], read_params())
    write_json(TAIL_FILE, tail)
    f1 = {system: per_type_f1(scores[system]) for system in SYSTEMS}
    if tail["reference"] is not None:  # the committed run beside this one, e.g. without oversampling
        threshold = tail["reference"]["oversampling"]["threshold"]
        f1[f"{TAIL_SYSTEM}, reference run (oversampling threshold {threshold:g})"] = {
            entity_type: row["reference"]["f1"] for entity_type, row in tail["types"].items()}
    save(plot_long_tail(f1, entity_counts(TAIL_SYSTEM)), FIGURES_DIR / "long_tail_f1.png")
    logger.info("A on B's types vs B written to %s; errors to %s", scores_file("A_vs_B"), ERRORS_FILE)


if __name__ == "__main__":
    run_stage(main)
