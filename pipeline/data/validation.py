"""Vectorised checks of MultiNERD-format Arrow tables: schema, lengths, tag ids, words and BIO consistency."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.core.exceptions import DataError
from pipeline.data.labels import NUM_TAGS
from pipeline.data.text import word_pieces

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = ("tokens", "ner_tags", "lang")
RAW_SCHEMA = pa.schema(
    [
        ("tokens", pa.list_(pa.string())),
        ("ner_tags", pa.list_(pa.int8())),
        ("lang", pa.string()),
    ]
)


PLAIN_TOKEN = r"^[^\p{Z}\p{C}\p{M}\x{FFFD}][^\p{Z}\p{C}]*$"
"""A visible first character and no whitespace, control or format character: a token (in NFC) that
:func:`pipeline.data.text.word_pieces` leaves as it is, recognised by Arrow's regular expressions."""


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


def _row_of(offsets: np.ndarray, positions: np.ndarray | int) -> Any:
    """The sentence (row) of each flat token position, given the sentences' ``offsets``."""
    return np.searchsorted(offsets, positions, side="right") - 1


def clean_words(
    tokens: pa.Array, tags: np.ndarray, offsets: np.ndarray
) -> tuple[pa.Array, np.ndarray, np.ndarray, dict[str, int]]:
    """Replace every token by its :func:`pipeline.data.text.word_pieces`: drop, split or normalise it.

    ``tokens`` are the flat strings, ``tags`` the flat MultiNERD ids and ``offsets`` (rows + 1) delimit the
    rows of both. The pieces of a split ``B-X`` token after the first become ``I-X``. Each distinct token is
    looked at once, in Python only if :data:`PLAIN_TOKEN` and NFC do not already show it unchanged. Returns
    the new flat tokens, tags and row offsets (rows may now be empty) and the number of tokens ``dropped``,
    ``split`` and ``normalised``, with the ``first_row`` that changed (-1 if none).
    """
    encoded = tokens.dictionary_encode()
    distinct = encoded.dictionary
    index = encoded.indices.to_numpy(zero_copy_only=False)
    plain = pc.and_(
        pc.match_substring_regex(distinct, PLAIN_TOKEN), pc.equal(pc.utf8_normalize(distinct, form="NFC"), distinct)
    ).to_numpy(zero_copy_only=False)
    counts = np.ones(len(distinct), dtype=np.int64)
    changed = np.zeros(len(distinct), dtype=bool)
    replacements: list[str] = []
    replacement_starts = np.zeros(len(distinct), dtype=np.int64)
    for position in np.flatnonzero(~plain):
        token = distinct[int(position)].as_py()
        pieces = word_pieces(token)
        if pieces != [token]:
            changed[position], counts[position] = True, len(pieces)
            replacement_starts[position] = len(replacements)
            replacements.extend(pieces)
    if not changed.any():
        return tokens, tags, offsets, {"dropped": 0, "split": 0, "normalised": 0, "first_row": -1}

    token_changed, token_counts = changed[index], counts[index]
    first_piece = np.concatenate(([0], np.cumsum(token_counts)))
    piece_of = np.arange(first_piece[-1]) - np.repeat(first_piece[:-1], token_counts)
    starts = np.where(token_changed, len(tokens) + replacement_starts[index], np.arange(len(tokens)))
    source_strings = pa.concat_arrays([tokens.cast(pa.string()), pa.array(replacements, pa.string())])
    new_tokens = source_strings.take(pa.array(np.repeat(starts, token_counts) + piece_of))
    new_tags = np.repeat(tags, token_counts)
    new_tags = np.where((piece_of > 0) & (new_tags % 2 == 1), new_tags + 1, new_tags).astype(tags.dtype)
    changes = {
        "dropped": int((token_counts == 0).sum()),
        "split": int((token_counts > 1).sum()),
        "normalised": int((token_changed & (token_counts == 1)).sum()),
        "first_row": int(_row_of(offsets, _first_row(token_changed))),
    }
    return new_tokens, new_tags, first_piece[offsets], changes


def validate_table(table: pa.Table, source: str) -> pa.Table:
    """Check one MultiNERD-format table and return it in the canonical schema, words cleaned, BIO repaired.

    Raises :class:`DataError` naming ``source`` and the first bad row, or when no row has a visible word.
    Tokens are cleaned by :func:`clean_words` (no model's tokenizer can read a word without a visible
    character, and SpanMarker fails on a word holding a space); rows left without a word are dropped; both
    are counted in one warning. An ``I-X`` tag that does not continue an ``X`` entity (also after a dropped
    token) is repaired to ``B-X`` and counted in a warning, as seqeval and SpanMarker would read it anyway.
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
    if pa.types.is_null(tokens.type.value_type):  # JSON lists that are all empty
        tokens = tokens.cast(pa.list_(pa.string()))
    if pa.types.is_null(tags.type.value_type):
        tags = tags.cast(pa.list_(pa.int8()))
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
        row = int(_row_of(offsets, position))
        raise DataError(f"{source}: row {row}: tag id {flat[position]} outside 0-{NUM_TAGS - 1}")
    token_nulls = tokens.flatten().is_null().to_numpy(zero_copy_only=False)
    if token_nulls.any():
        row = int(_row_of(offsets, _first_row(token_nulls)))
        raise DataError(f"{source}: row {row}: a token is null")

    words, flat, offsets, changes = clean_words(tokens.flatten(), flat, offsets)
    repaired, changed = repair_bio(flat, offsets)
    if changed.any():
        rows = np.unique(_row_of(offsets, np.flatnonzero(changed)))
        logger.warning(
            "%s: repaired %d I- tag(s) that began an entity to B- in %d row(s), first row %d",
            source,
            int(changed.sum()),
            len(rows),
            int(rows[0]),
        )
    row_offsets = pa.array(offsets, pa.int32())
    table = pa.table(
        {
            "tokens": pa.ListArray.from_arrays(row_offsets, words.cast(pa.string())),
            "ner_tags": pa.ListArray.from_arrays(row_offsets, pa.array(repaired.astype(np.int8))),
            "lang": table["lang"].cast(pa.string()),
        },
        schema=RAW_SCHEMA,
    )
    empty = np.diff(offsets) == 0
    if empty.all():
        raise DataError(
            f"{source}: no row has a visible word (all are empty, or their tokens are only "
            "whitespace, control or zero-width characters, or combining marks)"
        )
    if empty.any() or changes["first_row"] >= 0:
        first = min(row for row in (changes["first_row"], _first_row(empty) if empty.any() else -1) if row >= 0)
        logger.warning(
            "%s: dropped %d token(s) without a visible character, split %d at inner whitespace, "
            "normalised %d (NFC, invisible ends trimmed), and dropped %d row(s) left without a word; "
            "first row %d",
            source,
            changes["dropped"],
            changes["split"],
            changes["normalised"],
            int(empty.sum()),
            first,
        )
        table = table.filter(pa.array(~empty))
    return table
