"""Vectorised checks of MultiNERD-format Arrow tables: schema, lengths, tag ids and BIO consistency."""

from __future__ import annotations

import logging

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.exceptions import DataError
from pipeline.labels import NUM_TAGS

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("tokens", "ner_tags", "lang")
RAW_SCHEMA = pa.schema([
    ("tokens", pa.list_(pa.string())),
    ("ner_tags", pa.list_(pa.int8())),
    ("lang", pa.string()),
])


def _first_row(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _check_list_column(table: pa.Table, column: str, value_type: str, source: str) -> None:
    col_type = table.schema.field(column).type
    if not (pa.types.is_list(col_type) or pa.types.is_large_list(col_type)):
        raise DataError(f"{source}: column {column!r} must hold lists of {value_type}, found {col_type}")
    nulls = table[column].is_null().to_numpy(zero_copy_only=False)
    if nulls.any():
        raise DataError(f"{source}: row {_first_row(nulls)}: {column!r} is missing (null)")


def list_offsets(array: pa.Array) -> np.ndarray:
    """Offsets of a list array as int64 NumPy, rebased to start at 0."""
    offsets = array.offsets.to_numpy().astype(np.int64)
    return offsets - offsets[0]


def _sentence_starts(offsets: np.ndarray, n_values: int) -> np.ndarray:
    starts = np.zeros(n_values, dtype=bool)
    starts[offsets[:-1][offsets[:-1] < n_values]] = True
    return starts


def repair_bio(tags: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Turn every ``I-X`` that follows neither ``B-X`` nor ``I-X`` into ``B-X``.

    ``tags`` are flat MultiNERD ids (B-X odd, I-X = B-X + 1, even); ``offsets`` delimit sentences.
    Returns the repaired tags and a mask of the positions that were changed.
    """
    is_inside = (tags > 0) & (tags % 2 == 0)
    previous = np.concatenate(([0], tags[:-1]))
    continues = (previous == tags) | (previous == tags - 1)
    broken = is_inside & (~continues | _sentence_starts(offsets, len(tags)))
    repaired = np.where(broken, tags - 1, tags).astype(tags.dtype)
    return repaired, broken


def validate_table(table: pa.Table, source: str) -> pa.Table:
    """Check one MultiNERD-format table and return it in the canonical schema with BIO repaired.

    Raises :class:`DataError` naming ``source`` and the first bad row. An ``I-X`` tag that does not
    continue an ``X`` entity is repaired to ``B-X`` and counted in a warning, as seqeval and SpanMarker
    would read it anyway.
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in table.column_names]
    if missing:
        raise DataError(f"{source}: missing column(s) {missing}; expected columns {list(REQUIRED_COLUMNS)}")
    if table.num_rows == 0:
        raise DataError(f"{source}: no rows")
    _check_list_column(table, "tokens", "strings", source)
    _check_list_column(table, "ner_tags", "integers", source)
    if not pa.types.is_string(table.schema.field("lang").type) and not pa.types.is_large_string(
        table.schema.field("lang").type
    ):
        raise DataError(f"{source}: column 'lang' must hold strings, found {table.schema.field('lang').type}")
    lang_nulls = table["lang"].is_null().to_numpy(zero_copy_only=False)
    if lang_nulls.any():
        raise DataError(f"{source}: row {_first_row(lang_nulls)}: 'lang' is missing (null)")

    tokens = table["tokens"].combine_chunks()
    tags = table["ner_tags"].combine_chunks()
    if not pa.types.is_string(tokens.type.value_type) and not pa.types.is_large_string(tokens.type.value_type):
        raise DataError(f"{source}: 'tokens' must be lists of strings, found {tokens.type}")
    if not pa.types.is_integer(tags.type.value_type):
        raise DataError(f"{source}: 'ner_tags' must be lists of integers, found {tags.type}")
    n_tokens = pc.list_value_length(tokens).to_numpy(zero_copy_only=False)
    n_tags = pc.list_value_length(tags).to_numpy(zero_copy_only=False)
    mismatch = n_tokens != n_tags
    if mismatch.any():
        row = _first_row(mismatch)
        raise DataError(f"{source}: row {row}: {n_tokens[row]} tokens but {n_tags[row]} ner_tags")

    flat = tags.flatten().to_numpy(zero_copy_only=False).astype(np.int64)
    offsets = list_offsets(tags)
    bad = (flat < 0) | (flat >= NUM_TAGS)
    if bad.any():
        position = _first_row(bad)
        row = int(np.searchsorted(offsets, position, side="right") - 1)
        raise DataError(f"{source}: row {row}: tag id {flat[position]} outside 0-{NUM_TAGS - 1}")
    token_nulls = tokens.flatten().is_null().to_numpy(zero_copy_only=False)
    if token_nulls.any():
        row = int(np.searchsorted(offsets, _first_row(token_nulls), side="right") - 1)
        raise DataError(f"{source}: row {row}: a token is null")

    repaired, changed = repair_bio(flat, offsets)
    if changed.any():
        rows = np.unique(np.searchsorted(offsets, np.flatnonzero(changed), side="right") - 1)
        logger.warning("%s: repaired %d I- tag(s) that began an entity to B- in %d row(s), first row %d",
                       source, int(changed.sum()), len(rows), int(rows[0]))
    new_tags = pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), pa.array(repaired.astype(np.int8)))
    new_tokens = pa.ListArray.from_arrays(pa.array(list_offsets(tokens), pa.int32()),
                                          tokens.flatten().cast(pa.string()))
    return pa.table({"tokens": new_tokens, "ner_tags": new_tags, "lang": table["lang"].cast(pa.string())},
                    schema=RAW_SCHEMA)
