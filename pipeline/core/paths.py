"""Where every stage reads and writes, relative to the repository root, and the constants stages share.

Stage modules take their paths from here and never import one another, so a stage's code is the closure of
its own imports (the ``deps`` of its ``dvc.yaml`` entry, checked by ``tests/test_dvc_contract.py``).
"""

from __future__ import annotations

from pathlib import Path

SPLITS = ("train", "validation", "test")
"""MultiNERD's splits, in the order stages process them."""
LANGUAGES = ("de", "en", "es", "fr", "it", "nl", "pl", "pt", "ru", "zh")
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
"""``evaluate``: ``<system>.parquet``, tokens with gold and predicted BIO tags of every test sentence;
``baseline``: ``baseline_<system>.parquet``, the same for the starting checkpoint (no rows without one);
``int8``: ``int8_<system>.parquet``, the same for the system's int8 ONNX graph (no rows without one)."""

EXTERNAL_DIR = Path("data/external")
"""``external_local`` and ``external_hub``: ``<set>.parquet``, one external test set in MultiNERD's format (its tags
mapped to MultiNERD's ids), for the ``external`` stage."""

MODELS_DIR = Path("models")
"""``train``: ``<system>/``, a SpanMarker model folder with its model card."""
GRAPHS_DIR = Path("graphs")
"""``export``: ``<system>/``, the ONNX graphs of the system's model (``model.onnx``, ``model_int8.onnx``), or an
empty folder with ``onnx.export`` false."""
CHECKPOINTS_DIR = Path("checkpoints")
"""``train``: resumable training checkpoints of an unfinished run (not a DVC output; removed once the model is saved)."""
TRAIN_RESULTS_FILE = "train_results.json"
"""Name of the training summary (steps, epochs that ran) inside a model folder."""

REPORTS_DIR = Path("reports")
TRAINING_REPORTS_DIR = REPORTS_DIR / "training"
"""``train``: dvclive's ``<system>/metrics.json`` (final validation scores) and per-step curves in ``plots/``."""
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
COMPARISON_METRICS_DIR = METRICS_DIR / "comparisons"
"""``analyze``: ``<other>_on_<system>_types.json``, the headline scores of each such comparison (DVC metrics)."""
PLOT_SERIES = {"training_loss": ("train/loss", "loss"), "validation_f1": ("validation/f1", "f1")}
"""``plots``: ``reports/plots/<name>/<system>.csv`` (columns ``step`` and the value) from each system's dvclive
series, so that ``dvc plots show`` draws every system without naming one."""
REPORT_FILE = REPORTS_DIR / "README.md"


def metrics_file(name: str) -> Path:
    """``reports/metrics/<name>.json``: ``<system>`` or ``baseline_<system>``."""
    return METRICS_DIR / f"{name}.json"


def int8_name(system: str) -> str:
    """``int8_<system>``: the name of the ``int8`` stage's predictions, scores and metrics files of ``system``."""
    return f"int8_{system}"


def int8_difference(system: str) -> str:
    """``<system> int8 − <system>``: the key of the F1 difference of ``system``'s int8 graph and ``system`` under
    ``differences`` in :data:`INTERVALS_FILE`."""
    return f"{system} int8 − {system}"


def scores_file(name: str) -> Path:
    """``reports/scores/<name>.json``: the per-type detail behind :func:`metrics_file` of the same name; also
    ``languages_<system>`` (per-type detail of every evaluation language)."""
    return SCORES_DIR / f"{name}.json"



def external_name(system: str) -> str:
    """``external_<system>``: the ``external`` stage's folder of DVC metrics of ``system``,
    ``reports/metrics/external_<system>/`` (``<set>.json``, ``baseline_<set>.json``)."""
    return f"external_{system}"


def external_scores_file(system: str) -> Path:
    """``reports/external/<system>.json``: the ``external`` stage's per-set detail of ``system`` (outside
    :data:`SCORES_DIR`, so that a change of the external sets reruns no stage that reads that folder but the
    report)."""
    return REPORTS_DIR / "external" / f"{system}.json"
