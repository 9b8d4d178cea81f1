"""Stage ``plots``: label distributions of the prepared splits and per-type test F1 of A beside B.

Writes PNG figures to ``reports/figures/`` and the numbers behind them as CSV to ``reports/plots/``
(declared as DVC plots, so ``dvc plots show`` draws them too).
"""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from pipeline.atomic import atomic_path  # noqa: E402
from pipeline.data import PREPARED_DIR, load_labels  # noqa: E402
from pipeline.evaluate import METRICS_DIR  # noqa: E402
from pipeline.metrics import per_type  # noqa: E402
from pipeline.params import SYSTEMS  # noqa: E402
from pipeline.sources import SPLITS  # noqa: E402
from pipeline.stage import run_stage  # noqa: E402

logger = logging.getLogger(__name__)
FIGURES_DIR = Path("reports/figures")
PLOTS_DIR = Path("reports/plots")
DISTRIBUTION_SYSTEM = "A"
"""The distributions are drawn from System A's data, which keeps every MultiNERD type."""


def label_counts(path: Path, labels: list[str]) -> dict[str, int]:
    """Token-level count of every non-``O`` label in a prepared split, most frequent first."""
    tags = pq.read_table(path, columns=["ner_tags"])["ner_tags"].combine_chunks().flatten().to_numpy()
    counts = np.bincount(tags.astype(np.int64), minlength=len(labels))
    order = sorted(range(1, len(labels)), key=lambda index: (-counts[index], labels[index]))
    return {labels[index]: int(counts[index]) for index in order}


def per_type_f1(metrics: dict[str, object]) -> dict[str, float]:
    """``{type: f1}`` from a metrics file's ``test_<TYPE>`` entries."""
    return {entity_type: score["f1"] for entity_type, score in per_type(metrics).items()}


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    """Atomically write a CSV file with a header row."""
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def save_figure(fig: plt.Figure, path: Path) -> None:
    """Atomically save a figure as PNG and close it."""
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
    plt.close(fig)


def plot_distribution(counts: dict[str, int], split: str, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.bar(list(counts), list(counts.values()), color="tab:blue")
    ax.set_title(f"Label distribution in the {split} set (System {DISTRIBUTION_SYSTEM} data, tokens)")
    ax.set_xlabel("Label")
    ax.set_ylabel("Count")
    ax.tick_params(axis="x", labelrotation=90)
    save_figure(fig, path)


def plot_per_type_f1(scores: dict[str, dict[str, float]], path: Path) -> None:
    types = sorted({t for per_system in scores.values() for t in per_system},
                   key=lambda t: -max(per_system.get(t, 0.0) for per_system in scores.values()))
    x = np.arange(len(types))
    width = 0.8 / len(scores)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    for offset, (system, per_system) in enumerate(scores.items()):
        values = [per_system.get(t, np.nan) for t in types]
        ax.bar(x + (offset - (len(scores) - 1) / 2) * width, values, width, label=f"System {system}")
    ax.set_xticks(x, types, rotation=90)
    ax.set_ylim(0, 1)
    ax.set_ylabel("Test F1")
    ax.set_title("Per-type test F1 (types a system does not have are left blank)")
    ax.legend()
    save_figure(fig, path)


def main() -> None:
    labels = load_labels(DISTRIBUTION_SYSTEM)
    scores = {system: per_type_f1(json.loads((METRICS_DIR / f"{system}.json").read_text(encoding="utf-8")))
              for system in SYSTEMS}
    for split in SPLITS:
        counts = label_counts(PREPARED_DIR / DISTRIBUTION_SYSTEM / f"{split}.parquet", labels)
        plot_distribution(counts, split, FIGURES_DIR / f"label_distribution_{split}.png")
        write_csv(PLOTS_DIR / f"label_distribution_{split}.csv", ["label", "count"], [list(i) for i in counts.items()])
    plot_per_type_f1(scores, FIGURES_DIR / "per_type_f1.png")
    for system, per_system in scores.items():
        write_csv(PLOTS_DIR / f"per_type_f1_{system}.csv", ["type", "f1"], [[t, f] for t, f in per_system.items()])
    logger.info("wrote %s and %s", FIGURES_DIR, PLOTS_DIR)


if __name__ == "__main__":
    run_stage(main)
