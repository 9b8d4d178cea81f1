"""The figures hold the numbers they are given: read back from the matplotlib objects, then saved as PNG."""

from __future__ import annotations

import numpy as np

from pipeline.evaluation.span_errors import span_confusion
from pipeline.reporting.figures import (
    plot_confusion,
    plot_label_distribution,
    plot_long_tail,
    plot_per_type_f1,
    plot_training_curves,
    save,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_training_curves_plot_every_point_against_the_optimizer_step():
    loss = {"A": ([5, 10, 15], [2.0, 1.5, 1.2]), "B": ([5, 10], [1.0, 0.8])}
    f1 = {"A": ([9, 18], [0.3, 0.6]), "B": ([9, 18], [0.5, 0.7])}
    fig = plot_training_curves(loss, f1)
    loss_ax, f1_ax = fig.axes
    assert [(list(line.get_xdata()), list(line.get_ydata())) for line in loss_ax.lines] == [
        ([5, 10, 15], [2.0, 1.5, 1.2]),
        ([5, 10], [1.0, 0.8]),
    ]
    assert [line.get_label() for line in f1_ax.lines] == ["System A", "System B"]
    assert list(f1_ax.lines[1].get_ydata()) == [0.5, 0.7]
    assert loss_ax.get_xlabel() == f1_ax.get_xlabel() == "Optimizer step"


def test_confusion_heatmaps_hold_the_matrices():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    predicted = [["B-PER", "I-PER", "O", "B-ORG"], ["O", "B-PER"]]
    fig = plot_confusion(span_confusion(gold, predicted), ["PER", "LOC", "ORG"], "System X")
    exact = fig.axes[0].images[0].get_array()
    # rows gold PER LOC ORG O, columns predicted PER LOC ORG O (masked where zero)
    assert exact.filled(0).tolist() == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1], [1, 0, 0, 0]]
    assert fig._suptitle.get_text() == "System X"


def test_long_tail_leaves_out_types_without_training_entities():
    f1 = {"A": {"PER": 0.9, "LOC": 0.8, "DIS": 0.3, "VEHI": 0.0}, "B": {"PER": 0.92, "LOC": 0.85}}
    counts = {"PER": 5000, "LOC": 4000, "DIS": 30, "VEHI": 0}
    fig = plot_long_tail(f1, counts)
    points = [collection.get_offsets().tolist() for collection in fig.axes[0].collections]
    assert points[0] == [[30, 0.3], [4000, 0.8], [5000, 0.9]]  # sorted by type: DIS LOC PER
    assert points[1] == [[4000, 0.85], [5000, 0.92]]
    assert "Not shown (no training entities): VEHI" in [text.get_text() for text in fig.texts]


def test_bars_hold_the_counts_and_scores():
    fig = plot_label_distribution({"B-PER": 7, "I-PER": 3}, "train")
    assert [bar.get_height() for bar in fig.axes[0].patches] == [7, 3]
    fig = plot_per_type_f1({"A": {"PER": 0.5, "FOOD": 0.9}, "B": {"PER": 0.7}})
    heights = [bar.get_height() for bar in fig.axes[0].patches]
    assert heights[:2] == [0.9, 0.5]  # A: FOOD first (highest F1), then PER
    assert np.isnan(heights[2]) and heights[3] == 0.7  # B has no FOOD


def test_save_writes_a_png_atomically(tmp_path):
    target = tmp_path / "sub" / "figure.png"
    save(plot_long_tail({}, {}), target)
    assert target.read_bytes()[:8] == PNG_MAGIC and target.stat().st_size > 1000
    assert [path.name for path in target.parent.iterdir()] == ["figure.png"]


def test_language_bars_leave_missing_baselines_blank():
    from pipeline.reporting.figures import plot_language_f1

    f1 = {"baseline": {"de": None, "en": None}, "System A": {"de": 0.2, "en": 0.9}}
    fig = plot_language_f1(f1, ["de", "en"], "title")
    ax = fig.axes[0]
    heights = [patch.get_height() for patch in ax.patches]
    assert np.isnan(heights[0]) and np.isnan(heights[1]) and heights[2:] == [0.2, 0.9]
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["baseline (no scores)", "System A"]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["de", "en"]


def test_language_figure_marks_the_published_figures_beside_the_bars():
    from pipeline.reporting.figures import plot_language_f1

    label = "published (mBERT, all languages; not like-for-like)"
    fig = plot_language_f1(
        {"System A": {"de": 0.2, "en": 0.9, "zh": 0.1}}, ["de", "en", "zh"], "title", {label: {"de": 0.95, "zh": 0.87}}
    )
    ax = fig.axes[0]
    assert [patch.get_height() for patch in ax.patches] == [0.2, 0.9, 0.1]  # the bars are unchanged
    (marks,) = ax.lines
    assert list(marks.get_xdata()) == [0, 2] and list(marks.get_ydata()) == [0.95, 0.87]  # de and zh, not en
    assert marks.get_linestyle() == "None" and marks.get_marker() == "o" and marks.get_color() == "black"
    assert [text.get_text() for text in ax.get_legend().get_texts()] == [label, "System A"]  # lines come first
