"""Every figure of the pipeline, drawn with matplotlib's object-oriented API, and the one function that saves them.

Each ``plot_*`` function takes the numbers to draw and returns a :class:`matplotlib.figure.Figure`; nothing here
reads pipeline files or computes statistics. :func:`save` writes a figure as PNG, atomically. Figures are built
without ``pyplot``, so no backend is chosen and no global figure state is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure

from pipeline.core.atomic import atomic_path
from pipeline.evaluation.span_errors import OUTSIDE, axis_types, confusion_matrix

DPI = 110
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")

Curve = tuple[list[float], list[float]]
"""``(x, y)`` of one series: optimizer steps and values."""


def save(fig: Figure, path: str | Path) -> None:
    """Write ``fig`` to ``path`` as PNG, atomically (the file appears complete or not at all)."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=DPI, format="png")


def plot_label_distribution(counts: dict[str, int], title: str) -> Figure:
    """Bar chart of label counts, in the order given (most frequent first)."""
    fig = Figure(figsize=(9, 4.5), layout="tight")
    ax = fig.subplots()
    ax.bar(list(counts), list(counts.values()), color="tab:blue")
    ax.set(title=title, xlabel="Label", ylabel="Count")
    ax.tick_params(axis="x", labelrotation=90)
    return fig


def plot_per_type_f1(
    scores: dict[str, dict[str, float]],
    intervals: dict[str, dict[str, list[float]]] | None = None,
    seeds: dict[str, dict[str, list[float]]] | None = None,
) -> Figure:
    """Grouped bars of per-type test F1 (the mean over seeds), one colour per system; a type a system lacks is left
    blank. With ``intervals`` (``{system: {type: [low, high]}}``, the reference run's 95% bootstrap interval), each
    bar carries its interval as an error bar: a type with a handful of test entities shows how little its bar says.
    With ``seeds`` (``{system: {type: [F1 of each seed]}}``), a black dot per seed beside the bar's centre shows
    how far the training seed alone moves it."""
    types = sorted(
        {t for per_system in scores.values() for t in per_system},
        key=lambda t: (-max(per_system.get(t, 0.0) for per_system in scores.values()), t),
    )
    x = np.arange(len(types))
    width = 0.8 / max(len(scores), 1)
    fig = Figure(figsize=(10, 4.5), layout="tight")
    ax = fig.subplots()
    for offset, (system, per_system) in enumerate(scores.items()):
        values = np.array([per_system.get(t, np.nan) for t in types])
        bounds = (intervals or {}).get(system, {})
        spans = np.array([bounds.get(t, [np.nan, np.nan]) for t in types]).reshape(len(types), 2)
        errors = np.abs(spans.T - values) if bounds else None
        ax.bar(
            x + (offset - (len(scores) - 1) / 2) * width,
            values,
            width,
            yerr=errors,
            capsize=2,
            error_kw={"elinewidth": 0.8},
            label=f"System {system}",
        )
        per_seed = (seeds or {}).get(system, {})
        if per_seed:
            centre = x + (offset - (len(scores) - 1) / 2) * width + width / 4
            points = [(centre[i], f1) for i, t in enumerate(types) for f1 in per_seed.get(t, [])]
            ax.plot(
                [p[0] for p in points],
                [p[1] for p in points],
                "o",
                color="black",
                markersize=2.5,
                label="one training seed" if offset == 0 else None,
            )
    ax.set_xticks(x, types, rotation=90)
    title = "Per-type test F1 (types a system does not have are left blank)"
    notes = [note for note, shown in (("95% bootstrap intervals", intervals), ("a dot per seed", seeds)) if shown]
    ax.set(ylim=(0, 1.05), ylabel="Test F1", title=title + "".join(f", {note}" for note in notes))
    ax.legend()
    return fig


def _heatmap(ax: Axes, matrix: np.ndarray, labels: list[str], norm: LogNorm, title: str) -> Any:
    """Draw counts on a log colour scale, zero cells blank, every non-zero cell annotated."""
    image = ax.imshow(np.ma.masked_equal(matrix, 0), cmap="Blues", norm=norm)
    for (i, j), value in np.ndenumerate(matrix):
        if value:
            ax.text(
                j, i, str(value), ha="center", va="center", fontsize=7, color="white" if norm(value) > 0.6 else "black"
            )
    ax.set_xticks(range(len(labels)), labels, rotation=90)
    ax.set_yticks(range(len(labels)), labels)
    ax.set(xlabel="Predicted type", ylabel="Gold type")
    ax.set_title(title, fontsize=10)
    return image


def plot_confusion(rows: list[dict[str, Any]], types: Sequence[str], title: str) -> Figure:
    """Two heatmaps side by side, gold × predicted type, shared log colour scale, counts annotated.

    ``rows`` come from :func:`pipeline.evaluation.span_errors.span_confusion`. Left: exact-span pairs (diagonal correct,
    off-diagonal type errors), with the ``O`` column for missed gold entities and the ``O`` row for spurious
    predictions. Right: boundary pairs. Together the two panels hold every gold and every predicted entity
    once. Types in ``rows`` missing from ``types`` are appended.
    """
    types = axis_types(rows, types)
    labels = [*types, OUTSIDE]
    exact = confusion_matrix(rows, ("exact", "missed", "spurious"), types)
    boundary = confusion_matrix(rows, ("boundary",), types)[:-1, :-1]
    norm = LogNorm(vmin=1, vmax=max(2, int(exact.max(initial=0)), int(boundary.max(initial=0))))
    side = max(4.0, 0.4 * len(labels) + 2.0)
    fig = Figure(figsize=(2 * side + 1.5, side), layout="constrained")
    left, right = fig.subplots(1, 2)
    image = _heatmap(
        left, exact, labels, norm, "Exact spans (diagonal: correct, else type error)\nO column: missed, O row: spurious"
    )
    _heatmap(right, boundary, labels[:-1], norm, "Boundary errors (overlapping spans)")
    fig.colorbar(image, ax=[left, right], shrink=0.8, label="Entities (log scale)")
    fig.suptitle(title)
    return fig


def plot_long_tail(f1_by_system: dict[str, dict[str, float]], train_counts: dict[str, int]) -> Figure:
    """Per-type test F1 (y) against the type's number of training entities (x, log scale).

    One marker style per system, every point labelled with its type (above the point for the first, third, ...
    system, below it for the others, so a type two systems share stays legible). Types without a positive
    training count cannot sit on a log axis; they are left out and named below the plot.
    """
    fig = Figure(figsize=(9, 5))
    ax = fig.subplots()
    left_out: set[str] = set()
    for position, (system, per_type) in enumerate(f1_by_system.items()):
        shown = sorted(t for t in per_type if train_counts.get(t, 0) > 0)
        left_out |= set(per_type) - set(shown)
        x, y = [train_counts[t] for t in shown], [per_type[t] for t in shown]
        ax.scatter(x, y, marker=MARKERS[position % len(MARKERS)], s=40, alpha=0.8, label=f"System {system}")
        for entity_type, xi, yi in zip(shown, x, y, strict=True):
            ax.annotate(
                entity_type,
                (xi, yi),
                xytext=(4, 3 if position % 2 == 0 else -9),  # systems apart
                textcoords="offset points",
                fontsize=7,
            )
    ax.set_xscale("log")
    ax.set(
        ylim=(0, 1.05),
        xlabel="Entities of the type in the training set (log scale)",
        ylabel="Test F1",
        title="Per-type test F1 against training frequency",
    )
    if f1_by_system:
        ax.legend()
    if left_out:
        fig.text(0.01, 0.01, f"Not shown (no training entities): {', '.join(sorted(left_out))}", fontsize=7)
    fig.tight_layout(rect=(0, 0.03 if left_out else 0, 1, 1))
    return fig


def plot_training_curves(loss: dict[str, Curve], validation_f1: dict[str, Curve]) -> Figure:
    """Training loss at every logging step (left) and validation F1 at every evaluation (right), per run (keyed by
    its label: the system, and its seed where there are several).

    Both panels share the x axis, the optimizer step, so an evaluation sits above the loss of the same step.
    """
    fig = Figure(figsize=(11, 4), layout="tight")
    loss_ax, f1_ax = fig.subplots(1, 2, sharex=True)
    for system, (steps, values) in loss.items():
        loss_ax.plot(steps, values, label=f"System {system}")
    for system, (steps, values) in validation_f1.items():
        f1_ax.plot(steps, values, marker="o", label=f"System {system}")
    loss_ax.set(title="Training loss (mean over each logging interval)", xlabel="Optimizer step", ylabel="Loss")
    f1_ax.set(title="Validation F1 after each epoch", xlabel="Optimizer step", ylabel="F1", ylim=(0, 1))
    for ax in (loss_ax, f1_ax):
        if ax.lines:
            ax.legend()
    return fig


def plot_language_f1(
    f1: dict[str, dict[str, float | None]],
    languages: Sequence[str],
    title: str,
    published: dict[str, dict[str, float]] | None = None,
) -> Figure:
    """Grouped bars of overall test F1 per language (x), one bar per column of ``f1`` (e.g. baseline, A, B).

    ``f1`` maps a column name to ``{language: F1 in [0, 1]}``; a language a column lacks, or holds as None (no
    baseline), is left blank and the column's legend entry says "no scores" when it has none at all.
    ``published`` maps a legend label to ``{language: F1 in [0, 1]}`` published for another model: one black marker
    per language it holds, at the centre of the language's bars, so that it reads as a reference, not as a bar.
    """
    x = np.arange(len(languages))
    width = 0.8 / max(len(f1), 1)
    fig = Figure(figsize=(max(6.0, 0.9 * len(languages) + 2), 4.5), layout="tight")
    ax = fig.subplots()
    for offset, (column, per_language) in enumerate(f1.items()):
        values = np.array(
            [np.nan if per_language.get(language) is None else per_language[language] for language in languages],
            dtype=float,
        )
        label = column if not all(np.isnan(values)) else f"{column} (no scores)"
        ax.bar(x + (offset - (len(f1) - 1) / 2) * width, values, width, label=label)
    for position, (label, marks) in enumerate((published or {}).items()):
        held = [i for i, language in enumerate(languages) if language in marks]
        ax.plot(
            x[held],
            [marks[languages[i]] for i in held],
            linestyle="none",
            marker=MARKERS[position % len(MARKERS)],
            color="black",
            label=label,
        )
    ax.set_xticks(x, list(languages))
    ax.set(ylim=(0, 1), xlabel="Test language", ylabel="Overall test F1", title=title)
    if f1 or published:
        ax.legend(fontsize=8)
    return fig
