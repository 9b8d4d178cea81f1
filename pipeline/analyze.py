"""Stage ``analyze``: A vs B on the same types, span-level error analysis and the long-tail view.

Reads both systems' test predictions and writes ``reports/metrics/A_vs_B.json`` (a DVC metrics file),
``reports/errors/`` (confusion counts and the most frequent errors per system) and figures: confusion
matrices, per-type F1 against training frequency, and the training curves.
"""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from pipeline.atomic import atomic_path, write_json  # noqa: E402
from pipeline.data import PREPARED_DIR, load_labels  # noqa: E402
from pipeline.errors import error_summary, plot_confusion, plot_long_tail, span_confusion, top_confusions  # noqa: E402
from pipeline.evaluate import METRICS_DIR, PREDICTIONS_DIR  # noqa: E402
from pipeline.metrics import entity_scores  # noqa: E402
from pipeline.params import SYSTEMS, load_params  # noqa: E402
from pipeline.plots import FIGURES_DIR, label_counts, per_type_f1, save_figure  # noqa: E402
from pipeline.report import A_VS_B_FILE, ERRORS_FILE  # noqa: E402
from pipeline.scoring import restrict_tags  # noqa: E402
from pipeline.stage import run_stage  # noqa: E402
from pipeline.train import TRAINING_REPORTS_DIR  # noqa: E402
from pipeline.validation import DataError  # noqa: E402

logger = logging.getLogger(__name__)
ERRORS_DIR = ERRORS_FILE.parent


def load_predictions(system: str) -> tuple[list[list[str]], list[list[str]]]:
    """Gold and predicted BIO tags of a system's test sentences."""
    table = pq.read_table(PREDICTIONS_DIR / f"{system}.parquet", columns=["gold", "predicted"])
    return table["gold"].to_pylist(), table["predicted"].to_pylist()


def compare_on_types(gold_a: list[list[str]], predicted_a: list[list[str]], gold_b: list[list[str]],
                     predicted_b: list[list[str]], types: set[str]) -> dict[str, dict]:
    """Scores of A restricted to ``types`` and of B, on B's gold; an error if the gold data differ."""
    restricted_gold = restrict_tags(gold_a, types)
    if restricted_gold != restrict_tags(gold_b, types):
        raise DataError("A's and B's test sets differ once restricted to B's types; rerun prepare for both")
    return {"A_on_B_types": entity_scores(restricted_gold, restrict_tags(predicted_a, types)),
            "B": entity_scores(gold_b, predicted_b)}


def entity_counts(system: str, split: str = "train") -> dict[str, int]:
    """Number of entities (``B-`` tags) per type in a prepared split."""
    counts = label_counts(PREPARED_DIR / system / f"{split}.parquet", load_labels(system))
    return {label[2:]: count for label, count in counts.items() if label.startswith("B-")}


def read_curve(path: Path, column: str) -> tuple[list[float], list[float]]:
    """Steps and values of one dvclive TSV series; empty when the series was not logged."""
    if not path.is_file():
        return [], []
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return [float(row["step"]) for row in rows], [float(row[column]) for row in rows]


def plot_training_curves(path: Path) -> None:
    """Training loss and validation F1 per step, both systems."""
    fig, (loss_ax, f1_ax) = plt.subplots(1, 2, figsize=(11, 4))
    for system in SYSTEMS:
        root = TRAINING_REPORTS_DIR / system / "plots" / "metrics"
        loss_ax.plot(*read_curve(root / "train" / "loss.tsv", "loss"), label=f"System {system}")
        f1_ax.plot(*read_curve(root / "eval" / "overall_f1.tsv", "overall_f1"), marker="o", label=f"System {system}")
    loss_ax.set(title="Training loss", xlabel="Step", ylabel="Loss")
    f1_ax.set(title="Validation F1 (SpanMarker trainer)", xlabel="Step", ylabel="F1", ylim=(0, 1))
    loss_ax.legend()
    f1_ax.legend()
    save_figure(fig, path)


def main() -> None:
    params = load_params()
    predictions = {system: load_predictions(system) for system in SYSTEMS}
    b_types = set(params["systems"]["B"]["types"])
    write_json(A_VS_B_FILE, compare_on_types(*predictions["A"], *predictions["B"], b_types))

    errors = {}
    for system in SYSTEMS:
        rows = span_confusion(*predictions[system])
        errors[system] = {"summary": error_summary(rows), "top": top_confusions(rows, n=10), "rows": rows}
        with atomic_path(FIGURES_DIR / f"confusion_{system}.png") as tmp:
            plot_confusion(rows, params["systems"][system]["types"], tmp, f"System {system}: test-set span errors")
    write_json(ERRORS_FILE, errors)

    f1 = {system: per_type_f1(json.loads((METRICS_DIR / f"{system}.json").read_text(encoding="utf-8")))
          for system in SYSTEMS}
    with atomic_path(FIGURES_DIR / "long_tail_f1.png") as tmp:
        plot_long_tail(f1, entity_counts("A"), tmp)
    plot_training_curves(FIGURES_DIR / "training_curves.png")
    logger.info("A on B's types F1 vs B F1 written to %s; errors to %s", A_VS_B_FILE, ERRORS_FILE)


if __name__ == "__main__":
    run_stage(main)
