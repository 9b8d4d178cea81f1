"""The MultiNERD label schema and the label list of a system (the types it keeps)."""

from __future__ import annotations

import typing
from collections.abc import Sequence
from typing import Literal

import numpy as np

EntityType = Literal[
    "PER", "ORG", "LOC", "ANIM", "BIO", "CEL", "DIS", "EVE", "FOOD", "INST", "MEDIA", "MYTH", "PLANT", "TIME", "VEHI"
]
ENTITY_TYPES: tuple[str, ...] = typing.get_args(EntityType)
"""The 15 MultiNERD entity types, in the order of their tag ids."""

MULTINERD_LABELS: tuple[str, ...] = ("O",) + tuple(
    f"{prefix}-{entity_type}" for entity_type in ENTITY_TYPES for prefix in ("B", "I")
)
"""The 31 MultiNERD BIO tags; a tag's position is its id in the dataset's ``ner_tags``."""

NUM_TAGS = len(MULTINERD_LABELS)


def labels_for_types(types: Sequence[str]) -> list[str]:
    """BIO label list for a subset of entity types, kept in MultiNERD's id order, ``O`` first."""
    unknown = sorted(set(types) - set(ENTITY_TYPES))
    if unknown:
        raise ValueError(f"unknown entity type(s) {unknown}; allowed MultiNERD types: {', '.join(ENTITY_TYPES)}")
    if not types:
        raise ValueError("at least one entity type must be kept")
    return [label for label in MULTINERD_LABELS if label == "O" or label[2:] in types]


def remap_table(types: Sequence[str]) -> np.ndarray:
    """Lookup table from MultiNERD tag id to the id in ``labels_for_types(types)``; dropped tags map to ``O`` (0)."""
    kept = labels_for_types(types)
    new_id = {label: index for index, label in enumerate(kept)}
    return np.array([new_id.get(label, 0) for label in MULTINERD_LABELS], dtype=np.int64)


def restrict_tags(sequences: list[list[str]], types: set[str] | frozenset[str]) -> list[list[str]]:
    """The same BIO tag sequences with every entity whose type is not in ``types`` turned into ``O``."""
    return [[tag if tag == "O" or tag[2:] in types else "O" for tag in tags] for tags in sequences]
