"""Markdown of the report: score tables and sentences with their entities marked (the basics it shares with the
model cards, :func:`~pipeline.model.model_card.table` and :func:`~pipeline.model.model_card.percent`, live there)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.model.model_card import percent, table


def scores_table(per_type: Mapping[str, Mapping[str, Any]], overall: Mapping[str, Any]) -> list[str]:
    """Per-type scores (``{TYPE: {precision, recall, f1, number}}``) and the micro ``overall`` row.

    The layout of the original project's result tables: Category, Number, Precision, Recall, F1.
    """
    rows = [
        [
            entity_type,
            f"{score['number']:,}",
            percent(score["precision"]),
            percent(score["recall"]),
            percent(score["f1"]),
        ]
        for entity_type, score in sorted(per_type.items())
    ]
    rows.append(
        [
            "**Overall**",
            "-",
            f"**{percent(overall['precision'])}**",
            f"**{percent(overall['recall'])}**",
            f"**{percent(overall['f1'])}**",
        ]
    )
    return table(["Category", "Number", "Precision", "Recall", "F1 Score"], rows, "lrrrr")


MARKDOWN_SPECIAL = "\\`*_{}[]<>()#+-.!|~"
"""Characters escaped by :func:`escape` so a token is shown as written."""


def escape(text: str) -> str:
    """``text`` with every Markdown special character backslash-escaped (``a*b`` → ``a\\*b``)."""
    return "".join(f"\\{char}" if char in MARKDOWN_SPECIAL else char for char in text)


def marked_sentence(
    tokens: Sequence[str], entities: Sequence[Sequence[Any]], focus: Sequence[Any] | None = None
) -> str:
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
