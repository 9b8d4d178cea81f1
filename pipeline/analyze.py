"""Stage ``analyze``: A vs B on the same types, span-level error analysis and the long-tail view.

Reads both systems' test predictions and writes ``reports/metrics/A_on_B_types.json`` (a DVC metrics file:
System A's overall scores once every type outside System B's is mapped to ``O``), ``reports/scores/A_vs_B.json``
(the per-type detail of A on B's types and of B), ``reports/errors/summary.json`` (confusion counts and the most
frequent errors per system) and figures: confusion matrices and per-type F1 against training frequency.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pyarrow.parquet as pq

from pipeline.atomic import write_json
from pipeline.data import entity_counts, load_info
from pipeline.exceptions import DataError
from pipeline.figures import plot_confusion, plot_long_tail, save
from pipeline.labels import restrict_tags
from pipeline.metrics import entity_scores, overall, per_type_f1
from pipeline.paths import ERRORS_FILE, FIGURES_DIR, PREDICTIONS_DIR, SYSTEMS, metrics_file, scores_file
from pipeline.span_errors import error_summary, span_confusion, top_confusions
from pipeline.stage import run_stage

logger = logging.getLogger(__name__)


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


def main() -> None:
    types = {system: load_info(system)["types"] for system in SYSTEMS}
    predictions = {system: load_predictions(system) for system in SYSTEMS}
    comparison = compare_on_types(*predictions["A"], *predictions["B"], set(types["B"]))
    write_json(scores_file("A_vs_B"), comparison)
    write_json(metrics_file("A_on_B_types"), overall(comparison["A_on_B_types"]))

    errors = {}
    for system in SYSTEMS:
        rows = span_confusion(*predictions[system])
        errors[system] = {"summary": error_summary(rows), "top": top_confusions(rows, n=10), "rows": rows}
        save(plot_confusion(rows, types[system], f"System {system}: test-set span errors"),
             FIGURES_DIR / f"confusion_{system}.png")
    write_json(ERRORS_FILE, errors)

    f1 = {system: per_type_f1(json.loads(scores_file(system).read_text(encoding="utf-8"))) for system in SYSTEMS}
    save(plot_long_tail(f1, entity_counts("A")), FIGURES_DIR / "long_tail_f1.png")
    logger.info("A on B's types vs B written to %s; errors to %s", scores_file("A_vs_B"), ERRORS_FILE)


if __name__ == "__main__":
    run_stage(main)
