"""Repeats in the data: sentences that occur more than once in a split, with conflicting tags, or in train and
in a held-out split, and the deduplication ``prepare.deduplicate`` applies.

A sentence is its list of tokens. All sentences of the splits compared are joined into one string each (tokens
separated by U+241F, a character no tokenizer keeps) and dictionary-encoded by Arrow, so each distinct sentence
gets an integer id and every count is NumPy over those ids; no loop runs over rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SEPARATOR = "\u241f"
"""Joins a sentence's tokens into one string (SYMBOL FOR UNIT SEPARATOR)."""
HELD_OUT = ("validation", "test")


def _joined(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """Each list of a list column as one string (its items cast to strings and joined by :data:`SEPARATOR`)."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if not pa.types.is_string(column.type.value_type):
        column = pc.cast(column, pa.list_(pa.string()))
    return pc.binary_join(column, SEPARATOR)


def sentence_ids(tables: dict[str, pa.Table], column: str = "tokens") -> dict[str, np.ndarray]:
    """An integer per row of each table, equal for rows with the same ``column`` (a list column), comparable
    across the tables: ids of one dictionary encoding of all their rows."""
    names = list(tables)
    joined = pa.chunked_array([_joined(tables[name][column]) for name in names], pa.string())
    ids = pc.dictionary_encode(joined).combine_chunks().indices.to_numpy(zero_copy_only=False).astype(np.int64)
    bounds = np.cumsum([0, *(tables[name].num_rows for name in names)])
    return {name: ids[bounds[i] : bounds[i + 1]] for i, name in enumerate(names)}


def audit_splits(tables: dict[str, pa.Table]) -> dict[str, dict[str, int]]:
    """Per split (``train``, ``validation``, ``test``) of one language: ``rows``, ``distinct`` sentences,
    ``repeated`` rows (rows beyond the first of their sentence in the split), ``conflicting`` sentences (distinct
    sentences of the split that occur with more than one tag sequence) and, for the held-out splits,
    ``in_train`` rows (rows whose sentence also occurs in train)."""
    words = sentence_ids(tables)
    tagged = sentence_ids(tables, "ner_tags")
    train = np.unique(words["train"]) if "train" in words else np.zeros(0, np.int64)
    found = {}
    for name, ids in words.items():
        distinct = np.unique(ids)
        pairs = np.unique(np.stack([ids, tagged[name]], axis=1), axis=0) if len(ids) else np.zeros((0, 2), np.int64)
        entry = {
            "rows": int(len(ids)),
            "distinct": int(len(distinct)),
            "repeated": int(len(ids) - len(distinct)),
            "conflicting": int((np.bincount(pairs[:, 0]) > 1).sum()) if len(pairs) else 0,
        }
        if name in HELD_OUT:
            entry["in_train"] = int(np.isin(ids, train).sum())
        found[name] = entry
    return found


def deduplicate(tables: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """The splits without repeats: within each split only the first row of each sentence is kept, and the
    held-out splits lose every row whose sentence occurs in train. Row order is kept."""
    ids = sentence_ids(tables)
    train = np.unique(ids["train"])
    kept = {}
    for name, table in tables.items():
        _, first = np.unique(ids[name], return_index=True)
        keep = np.zeros(table.num_rows, dtype=bool)
        keep[first] = True
        if name in HELD_OUT:
            keep &= ~np.isin(ids[name], train)
        kept[name] = table.filter(pa.array(keep))
    return kept


def totals(by_language: dict[str, dict[str, dict[str, int]]]) -> dict[str, Any]:
    """The audit summed over languages, per split (``totals`` of ``reports/scores/audit.json``)."""
    summed: dict[str, dict[str, int]] = {}
    for splits in by_language.values():
        for split, entry in splits.items():
            target = summed.setdefault(split, {})
            for key, value in entry.items():
                target[key] = target.get(key, 0) + value
    return summed
