"""Stage ``plots``: label distributions, per-type test F1 of every system (the mean over seeds, one mark per seed,
and the reference run's bootstrap intervals of ``reports/scores/intervals.json``), the training curves of every run,
and overall test F1 per evaluation language of each system and its baseline, with the F1 published for the
multilingual mBERT checkpoint marked beside them (:data:`~pipeline.reporting.published.MBERT_LANGUAGE_F1`).

Writes PNG figures to ``reports/figures/`` and, for ``dvc plots show`` (as declared in ``dvc.yaml``), the
numbers behind them as CSV under ``reports/plots/``: ``label_distribution_<split>.csv``,
``per_type_f1/<system>.csv`` (the mean over seeds), ``seed_f1/<system>.csv`` (each seed's overall test F1),
``training_loss/<system>/seed-<seed>.csv``, ``validation_f1/<system>/seed-<seed>.csv`` and
``language_f1/<system>.csv`` (columns ``language``, ``f1`` and ``baseline_f1``, empty without a baseline). The label
distributions are those of the system that keeps the most types (the first such in ``params.yaml``), all of
MultiNERD's in the default setup.
"""

from __future__ import annotations

import csv
import json
import logging
from pathlib import Path

from pipeline.core.atomic import atomic_path
from pipeline.core.params import TrainParams, all_systems, read_params
from pipeline.core.paths import (
    FIGURES_DIR,
    INTERVALS_FILE,
    PLOT_SERIES,
    PLOTS_DIR,
    SPLITS,
    TRAINING_REPORTS_DIR,
    run_folder,
)
from pipeline.core.stage import no_arguments, run_stage
from pipeline.data.splits import label_counts
from pipeline.evaluation import results
from pipeline.reporting.figures import (
    Curve,
    plot_label_distribution,
    plot_language_f1,
    plot_per_type_f1,
    plot_training_curves,
    save,
)
from pipeline.reporting.published import MBERT_LANGUAGE_F1
from pipeline.tagging.metrics import per_type_f1

logger = logging.getLogger(__name__)
PUBLISHED_LABEL = "published (mBERT, all languages; not like-for-like)"
"""Legend entry of the mBERT checkpoint's published F1 in the languages figure."""


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> None:
    """Atomically write a CSV file with a header row."""
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def read_curve(system: str, seed: int, metric: str) -> Curve:
    """Optimizer steps and values of one of a run's dvclive series, e.g. ``train/loss``."""
    path = TRAINING_REPORTS_DIR / run_folder(system, seed) / "plots" / "metrics" / f"{metric}.tsv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    column = metric.split("/")[-1]
    return [int(row["step"]) for row in rows], [float(row[column]) for row in rows]


def widest_system(types: dict[str, tuple[str, ...]]) -> str:
    """The system that keeps the most entity types; the first of them in ``types``' order on a tie."""
    return max(types, key=lambda system: len(types[system]))


def language_f1(by_system: dict[str, dict]) -> dict[str, dict[str, float | None]]:
    """Overall test F1 per language of each system's baseline and of each system, from ``languages_<system>``
    scores files (keyed by system); a baseline without scores (plain encoder) maps every language to None."""
    columns: dict[str, dict[str, float | None]] = {}
    for system, scores in by_system.items():
        baseline = scores["baseline"]
        columns[f"baseline ({system}'s types)"] = {
            language: None if baseline.get("available") is False else baseline[language]["test_overall_f1"]
            for language in scores["system"]
        }
        columns[f"System {system}"] = {language: s["test_overall_f1"] for language, s in scores["system"].items()}
    return columns


def published_language_f1(languages: list[str]) -> dict[str, dict[str, float]]:
    """The mBERT checkpoint's published test F1 of each of ``languages``, in [0, 1], under its legend entry."""
    return {PUBLISHED_LABEL: {language: MBERT_LANGUAGE_F1[language] / 100 for language in languages}}


def main() -> None:
    no_arguments("plots")
    params = read_params()
    entries = all_systems(params)
    systems = list(entries)
    seeds = TrainParams.read(params, "seeds").seeds
    distribution = widest_system({system: entry.types for system, entry in entries.items()})
    for split in SPLITS:
        counts = label_counts(distribution, split)
        title = f"Label distribution in the {split} set (System {distribution} data, tokens)"
        save(plot_label_distribution(counts, title), FIGURES_DIR / f"label_distribution_{split}.png")
        write_csv(PLOTS_DIR / f"label_distribution_{split}.csv", ["label", "count"], [list(i) for i in counts.items()])
    scores = {
        system: per_type_f1(json.loads(results.system(system).scores_file.read_text(encoding="utf-8")))
        for system in systems
    }
    bootstrap = json.loads(INTERVALS_FILE.read_text(encoding="utf-8"))["systems"]
    bounds = {
        system: {entity_type: entry["f1"]["interval"] for entity_type, entry in per_system["types"].items()}
        for system, per_system in bootstrap.items()
        if system in systems
    }
    runs = {
        system: {seed: json.loads(results.run(system, seed).scores_file.read_text(encoding="utf-8")) for seed in seeds}
        for system in systems
    }
    marks = {
        system: {entity_type: [per_type_f1(runs[system][seed])[entity_type] for seed in seeds] for entity_type in f1}
        for system, f1 in scores.items()
    }
    save(plot_per_type_f1(scores, bounds, marks), FIGURES_DIR / "per_type_f1.png")
    for system, per_system in scores.items():
        write_csv(PLOTS_DIR / "per_type_f1" / f"{system}.csv", ["type", "f1"], [[t, f] for t, f in per_system.items()])
        write_csv(
            PLOTS_DIR / "seed_f1" / f"{system}.csv",
            ["seed", "f1"],
            [[seed, runs[system][seed]["test_overall_f1"]] for seed in seeds],
        )
    labels = {
        (system, seed): f"{system}" if len(seeds) == 1 else f"{system}, seed {seed}"
        for system in systems
        for seed in seeds
    }
    curves = {
        name: {labels[run]: read_curve(*run, metric) for run in labels} for name, (metric, _) in PLOT_SERIES.items()
    }
    for name, (_, column) in PLOT_SERIES.items():
        for (system, seed), label in labels.items():
            steps, values = curves[name][label]
            write_csv(
                PLOTS_DIR / name / f"{run_folder(system, seed).as_posix()}.csv",
                ["step", column],
                [list(row) for row in zip(steps, values, strict=True)],
            )
    save(plot_training_curves(curves["training_loss"], curves["validation_f1"]), FIGURES_DIR / "training_curves.png")
    by_system = {
        system: json.loads(results.languages(system).scores_file.read_text(encoding="utf-8")) for system in systems
    }
    columns = language_f1(by_system)
    languages = list(by_system[systems[0]]["system"])
    save(
        plot_language_f1(
            columns,
            languages,
            "Overall test F1 per language, before and after fine-tuning",
            published_language_f1(languages),
        ),
        FIGURES_DIR / "language_f1.png",
    )
    for system in systems:
        trained, baseline = columns[f"System {system}"], columns[f"baseline ({system}'s types)"]
        write_csv(
            PLOTS_DIR / "language_f1" / f"{system}.csv",
            ["language", "f1", "baseline_f1"],
            [
                [language, trained[language], "" if baseline[language] is None else baseline[language]]
                for language in languages
            ],
        )
    logger.info("wrote %s and %s", FIGURES_DIR, PLOTS_DIR)


if __name__ == "__main__":
    run_stage(main)
