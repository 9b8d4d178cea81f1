"""Markdown shared by the report and the model cards: the data-source sentence, the starting model, score tables."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.core.params import ModelParams


def percent(value: float) -> str:
    """``0.9528`` as ``95.28%``."""
    return f"{100 * value:.2f}%"


def table(header: Sequence[str], rows: Sequence[Sequence[Any]], align: str = "") -> list[str]:
    """Lines of a Markdown table; ``align`` holds one character per column, ``r`` for right-aligned."""
    rule = ["---:" if a == "r" else "---" for a in align.ljust(len(header), "l")]
    return ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|",
            *("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)]


def data_source(source: dict[str, Any]) -> str:
    """What the training data is, from ``data/raw/source.json`` (written by ``download``)."""
    if source["source"] == "hub":
        return f"`{source['dataset']}` at revision `{source['revision']}` (Hugging Face Hub)"
    if source["source"] == "local":
        return "a local copy of MultiNERD (`download.path`)"
    return "the embedded synthetic sample in `data/sample/` (a pipeline check, not MultiNERD)"


def starting_model(model: ModelParams) -> str:
    """The starting model with its revision and SpanMarker's three lengths, as one sentence."""
    revision = f" at revision `{model.revision}`" if model.revision else ""
    return (f"`{model.name}`{revision}; max sequence length {model.model_max_length} tokens, max entity length "
            f"{model.entity_max_length} words, marker max length {model.marker_max_length}")


def scores_table(per_type: dict[str, dict[str, Any]], overall: dict[str, float]) -> list[str]:
    """Per-type scores (``{TYPE: {precision, recall, f1, number}}``) and the micro ``overall`` row.

    The layout of the original project's result tables: Category, Number, Precision, Recall, F1.
    """
    rows = [[entity_type, f"{score['number']:,}", percent(score["precision"]), percent(score["recall"]),
             percent(score["f1"])] for entity_type, score in sorted(per_type.items())]
    rows.append(["**Overall**", "-", f"**{percent(overall['precision'])}**", f"**{percent(overall['recall'])}**",
                 f"**{percent(overall['f1'])}**"])
    return table(["Category", "Number", "Precision", "Recall", "F1 Score"], rows, "lrrrr")


MARKDOWN_SPECIAL = "\\`*_{}[]<>()#+-.!|~"
"""Characters escaped by :func:`escape` so a token is shown as written."""


def escape(text: str) -> str:
    """``text`` with every Markdown special character backslash-escaped (``a*b`` → ``a\\*b``)."""
    return "".join(f"\\{char}" if char in MARKDOWN_SPECIAL else char for char in text)


def marked_sentence(tokens: Sequence[str], entities: Sequence[Sequence[Any]],
                    focus: Sequence[Any] | None = None) -> str:
    """One sentence as Markdown with its entities marked: ``[New York]<sub>LOC</sub>``.

    ``entities`` are ``(type, first token, last token)``, ends inclusive, disjoint (one tag sequence's entities);
    the one equal to ``focus`` is also bold, ``**[Paris]**<sub>LOC</sub>``. Tokens are escaped (:func:`escape`)
    and joined by spaces. Raises ``ValueError`` for an entity outside the sentence.
    """
    opening, closing = {}, {}
    for entity_type, first, last in entities:
        if not 0 <= first <= last < len(tokens):
            raise ValueError(f"entity {entity_type} {first}-{last} outside a sentence of {len(tokens)} tokens")
        bold = "**" if focus is not None and [entity_type, first, last] == list(focus) else ""
        opening[first] = f"{bold}["
        closing[last] = f"]{bold}<sub>{escape(entity_type)}</sub>"
    return " ".join(f"{opening.get(i, '')}{escape(token)}{closing.get(i, '')}" for i, token in enumerate(tokens))
