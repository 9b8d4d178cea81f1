"""BIO tags of sentences: from tag ids, and from SpanMarker's predicted entities."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def tags_from_entities(entities: list[dict[str, Any]], num_words: int) -> list[str]:
    """BIO tags of one sentence from SpanMarker's predicted entities (word indices, end exclusive)."""
    tags = ["O"] * num_words
    for entity in entities:
        start, end, label = entity["word_start_index"], entity["word_end_index"], entity["label"]
        tags[start] = f"B-{label}"
        tags[start + 1 : end] = [f"I-{label}"] * (end - start - 1)
    return tags


def gold_tags(ner_tags: list[list[int]], labels: Sequence[str]) -> list[list[str]]:
    """Tag ids to BIO tag strings."""
    return [[labels[tag] for tag in sentence] for sentence in ner_tags]
