"""Where every stage reads and writes, relative to the repository root, and the constants stages share.

Stage modules take their paths from here and never import one another, so a stage's code is the closure of
its own imports (the ``deps`` of its ``dvc.yaml`` entry, checked by ``tests/test_dvc_contract.py``).
"""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Literal

SPLITS = ("train", "validation", "test")
"""MultiNERD's splits, in the order stages process them."""
LanguageCode = Literal["de", "en", "es", "fr", "it", "nl", "pl", "pt", "ru", "zh"]
LANGUAGES: tuple[str, ...] = typing.get_args(LanguageCode)
"""MultiNERD's ten language codes (the ``lang`` column), in alphabetical order."""

PARAMS_FILE = Path("params.yaml")

RAW_DIR = Path("data/raw")
"""``download``: ``<split>.parquet`` (all languages) and ``source.json`` (what the data is)."""
SOURCE_FILE = RAW_DIR / "source.json"
PREPARED_DIR = Path("data/prepared")
"""``prepare``: ``<system>/<split>.parquet`` and ``<system>/labels.json``."""
LANGUAGE_TESTS_DIR = Path("data/languages")
"""``prepare``: ``<system>/<lang>.parquet``, the test split of every language in the raw data, tags re-indexed to
the system's label list (whatever the training languages), for the ``languages`` stage."""
PREDICTIONS_DIR = Path("data/predictions")
"""``evaluate``: ``<system>/seed-<seed>.parquet``, tokens with gold and predicted BIO tags of every test sentence of
one run;
``baseline``: ``baseline_<system>.parquet``, the same for the starting model (no rows without one);
``int8``: ``int8_<system>.parquet``, the same for the system's int8 ONNX graph (no rows without one)."""

EXTERNAL_DIR = Path("data/external")
"""``external_local`` and ``external_hub``: ``<set>.parquet``, one external test set in MultiNERD's format (its tags
mapped to MultiNERD's ids), for the ``external`` stage."""

MODELS_DIR = Path("models")
"""``train``: ``<system>/seed-<seed>/``, the SpanMarker model folder of one run, with its model card."""
GRAPHS_DIR = Path("graphs")
"""``export``: ``<system>/seed-<seed>/``, the ONNX graphs of one run's model (``model.onnx``, ``model_int8.onnx``), or
an empty folder with ``onnx.export`` false."""
CHECKPOINTS_DIR = Path("checkpoints")
"""``train``: ``<system>/seed-<seed>/``, resumable training checkpoints of an unfinished run (not a DVC output;
removed once the model is saved)."""


def run_folder(system: str, seed: int) -> Path:
    """``<system>/seed-<seed>``: where one run (``system`` trained with ``seed``) keeps its files under
    :data:`MODELS_DIR`, :data:`GRAPHS_DIR`, :data:`CHECKPOINTS_DIR` and :data:`TRAINING_REPORTS_DIR`, and the
    stem of its predictions and scores files."""
    return Path(system) / f"seed-{seed}"


TRAIN_RESULTS_FILE = "train_results.json"
"""Name of the training summary (steps, epochs that ran) inside a model folder."""

REPORTS_DIR = Path("reports")
TRAINING_REPORTS_DIR = REPORTS_DIR / "training"
"""``train``: dvclive's ``<system>/seed-<seed>/metrics.json`` (final validation scores) and per-step curves in
``plots/``, one folder per run."""
METRICS_DIR = REPORTS_DIR / "metrics"
"""The headline test scores (micro precision, recall, F1), one file per system, baseline and comparison, all in
one key layout: the DVC metrics, and nothing else."""
SCORES_DIR = REPORTS_DIR / "scores"
"""Per-type test scores, in the layout of the original project's ``test_results`` files."""
PLOTS_DIR = REPORTS_DIR / "plots"
"""The data behind the figures, as CSV, for ``dvc plots show``."""
FIGURES_DIR = REPORTS_DIR / "figures"
CONFUSION_FIGURES_DIR = FIGURES_DIR / "confusion"
"""``analyze``: ``<system>.png``, the span confusion matrix of each system."""
ERRORS_FILE = REPORTS_DIR / "errors" / "summary.json"
EXAMPLES_FILE = REPORTS_DIR / "errors" / "examples.json"
"""``analyze``: a few test sentences for each of the most frequent confusions of each system."""
TAIL_FILE = SCORES_DIR / "tail.json"
"""``analyze``: each system's per-type test scores beside the type's training frequency."""
INTERVALS_FILE = SCORES_DIR / "intervals.json"
"""``analyze``: bootstrap confidence intervals of every system's and baseline's scores, and of the differences the
report discusses."""
AUDIT_FILE = SCORES_DIR / "audit.json"
"""``audit``: rows, distinct, repeated and conflicting sentences per language and split, and held-out rows also in
train."""
SEEN_UNSEEN_FILE = SCORES_DIR / "seen_unseen.json"
"""``analyze``: each system's test precision, recall and F1 on mentions seen as entities in its training split
and on unseen ones."""
COMPARISONS_FILE = SCORES_DIR / "comparisons.json"
"""``analyze``: per-type detail of every comparison on shared types declared by ``systems.<system>.compare``."""
PLOT_SERIES = {"training_loss": ("train/loss", "loss"), "validation_f1": ("validation/f1", "f1")}
"""``plots``: ``reports/plots/<name>/<system>/seed-<seed>.csv`` (columns ``step`` and the value) from each run's
dvclive series, so that ``dvc plots show`` draws every run without naming one."""
REPORT_FILE = REPORTS_DIR / "README.md"
