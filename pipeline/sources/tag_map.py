"""An external NER set's BIO tags onto MultiNERD's: check them, map their types, build a MultiNERD-format table.

Every external test set (:mod:`pipeline.sources.conll`, or a Hub split) arrives as flat BIO tag strings; its types
are mapped by the set's ``types`` (``{PER: PER, GPE: LOC}``) and every other type (``MISC``) becomes ``O``. Work is
on the distinct tags alone (a set has a few dozen), so a file of millions of tokens costs a dictionary encoding
and one ``take``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.core.exceptions import DataError
from pipeline.data.labels import MULTINERD_LABELS
from pipeline.data.validation import RAW_SCHEMA, validate_table

logger = logging.getLogger(__name__)

BIO_TAG = r"^(O|[BI]-[^\s]+)$"
"""A BIO tag as the publishers of CoNLL-2003, WikiGold, WikiNEuRal and WikiANN write them: ``O``, ``B-<type>`` or
``I-<type>`` (IOB1 files, whose entities may start with ``I-``, are read too: the stray ``I-`` is repaired)."""
UNDETERMINED_LANGUAGE = "und"
"""The ``lang`` of an external set's rows (ISO 639-2 *undetermined*): a set is scored as one, whatever its language."""


@dataclass(frozen=True)
class MappedTags:
    """MultiNERD tag ids of a set's flat tags (int8, one per token) and, per type of the set that has no MultiNERD
    type in the map, how many entities (``B-`` tags) became ``O``."""

    ids: np.ndarray
    unmapped: dict[str, int]


def bad_tags(names: pa.Array) -> np.ndarray:
    """Mask of the strings of ``names`` that are not a :data:`BIO_TAG`."""
    return ~pc.match_substring_regex(names, BIO_TAG).to_numpy(zero_copy_only=False)


def _encoded(tags: pa.Array) -> tuple[pa.Array, np.ndarray]:
    encoded = tags if pa.types.is_dictionary(tags.type) else tags.dictionary_encode()
    return encoded.dictionary, encoded.indices.to_numpy(zero_copy_only=False)


def first_bad_tag(tags: pa.Array) -> int | None:
    """Position of the first of the flat tags ``tags`` (a string or dictionary array) that is not a
    :data:`BIO_TAG`, or None."""
    names, index = _encoded(tags)
    bad = bad_tags(names)[index]
    return int(np.flatnonzero(bad)[0]) if bad.any() else None


def map_tags(tags: pa.Array, types: Mapping[str, str]) -> MappedTags:
    """MultiNERD ids of the flat BIO tags ``tags`` (a string or dictionary array) under the type map ``types``
    (the set's type → a MultiNERD type); tags of other types become ``O``. Raises ``ValueError`` for a tag that
    is not a :data:`BIO_TAG` (check with :func:`first_bad_tag` first to name its line)."""
    names, index = _encoded(tags)
    if bad_tags(names).any():
        raise ValueError(f"not BIO tags: {names.filter(pa.array(bad_tags(names))).to_pylist()}")
    lookup = np.zeros(len(names), dtype=np.int8)
    unmapped: dict[str, int] = {}
    counts = np.bincount(index, minlength=len(names))
    for position, name in enumerate(names.to_pylist()):  # the distinct tags, a few dozen
        if name == "O":
            continue
        prefix, entity_type = name[0], name[2:]
        if entity_type in types:
            lookup[position] = MULTINERD_LABELS.index(f"{prefix}-{types[entity_type]}")
        elif prefix == "B":
            unmapped[entity_type] = unmapped.get(entity_type, 0) + int(counts[position])
    return MappedTags(lookup[index], dict(sorted(unmapped.items())))


def multinerd_table(tokens: pa.Array, ids: np.ndarray, offsets: np.ndarray, source: str) -> pa.Table:
    """A MultiNERD-format table of one set (``tokens``, ``ner_tags``, ``lang`` = :data:`UNDETERMINED_LANGUAGE`)
    from flat tokens, flat MultiNERD ids and sentence ``offsets`` (sentences + 1), checked and cleaned as
    ``download`` checks MultiNERD (:func:`pipeline.data.validation.validate_table`: words cleaned, stray ``I-``
    repaired to ``B-`` with a count in a warning naming ``source``). Raises :class:`DataError` as it does."""
    row_offsets = pa.array(offsets.astype(np.int32))
    table = pa.table(
        {
            "tokens": pa.ListArray.from_arrays(row_offsets, tokens.cast(pa.string())),
            "ner_tags": pa.ListArray.from_arrays(row_offsets, pa.array(ids.astype(np.int8))),
            "lang": pa.array([UNDETERMINED_LANGUAGE] * (len(offsets) - 1), pa.string()),
        },
        schema=RAW_SCHEMA,
    )
    return validate_table(table, source)


def log_summary(name: str, table: pa.Table, unmapped: Mapping[str, int]) -> None:
    """One line on what the set holds: sentences, tokens, entities per MultiNERD type, entities dropped to ``O``."""
    flat = table["ner_tags"].combine_chunks().flatten().to_numpy(zero_copy_only=False)
    begins = np.bincount(flat[flat % 2 == 1], minlength=len(MULTINERD_LABELS))
    kept = ", ".join(f"{MULTINERD_LABELS[tag][2:]} {int(begins[tag]):,}" for tag in np.flatnonzero(begins))
    dropped = ", ".join(f"{entity_type} {count:,}" for entity_type, count in unmapped.items()) or "none"
    logger.info(
        "%s: %d sentences, %d tokens; entities %s; unmapped types made O: %s",
        name,
        table.num_rows,
        len(flat),
        kept or "none",
        dropped,
    )


def check_tag_names(names: list[str], source: str) -> None:
    """Raise :class:`DataError` naming ``source`` when a declared or read tag name is not a :data:`BIO_TAG`."""
    bad = bad_tags(pa.array(names, pa.string()))
    if bad.any():
        name = names[int(np.flatnonzero(bad)[0])]
        raise DataError(f"{source}: tag name {name!r} is not a BIO tag (O, B-<type> or I-<type>)")
