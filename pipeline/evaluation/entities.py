"""Entities of BIO tag sequences found with NumPy over the flattened tags, as seqeval's ``get_entities`` reads
them (its default, lenient scheme), for the bootstrap and the seen/unseen split of ``analyze``."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def tag_codes(tags: list[list[str]] | pa.ListArray, types: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per token of the flattened sentences, the BIO prefix (0 ``O``, 1 ``B``, 2 ``I``) and the type's column in
    ``types`` (-1 for another type, or for ``O``), and the sentences' token offsets (length ``sentences + 1``).
    The tag strings are read once per distinct tag (Arrow dictionary encoding), never per token."""
    column = tags if isinstance(tags, pa.ListArray) else pa.array(tags, type=pa.list_(pa.string()))
    offsets = column.offsets.to_numpy()
    offsets = offsets - offsets[0]  # a sliced array's offsets start inside its values; flatten() does not
    encoded = pc.dictionary_encode(column.flatten())
    distinct = encoded.dictionary.to_pylist()
    prefix_of = np.array([{"B": 1, "I": 2}.get(tag.split("-", 1)[0], 0) for tag in distinct] or [0])
    names = sorted({tag.split("-", 1)[1] for tag in distinct if "-" in tag} - set(types))
    known = {entity_type: position for position, entity_type in enumerate([*types, *names])}
    type_of = np.array([known[tag.split("-", 1)[1]] if "-" in tag else -1 for tag in distinct] or [-1])
    indices = encoded.indices.to_numpy(zero_copy_only=False)
    return prefix_of[indices], type_of[indices], offsets


def entities(prefix: np.ndarray, entity_type: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, ...]:
    """The entities of seqeval's lenient BIO reading (``get_entities`` with its default scheme): an entity starts
    at ``B-X``, or at ``I-X`` after ``O``, after another type or at a sentence's start, and runs over the
    ``I-X`` that follow. Returns the first and last token (flattened positions) and the type of each."""
    inside = prefix > 0
    first = np.zeros(len(prefix), dtype=bool)
    first[offsets[:-1][offsets[:-1] < len(prefix)]] = True
    previous_type = np.concatenate([[-2], entity_type[:-1]])
    previous_inside = np.concatenate([[False], inside[:-1]])
    start = inside & ((prefix == 1) | first | ~previous_inside | (previous_type != entity_type))
    continues = inside & ~start
    end = inside & ~np.concatenate([continues[1:], [False]])
    starts, ends = np.flatnonzero(start), np.flatnonzero(end)
    return starts, ends, entity_type[starts]


def mention_keys(
    tokens: list[list[str]] | pa.ListArray, starts: np.ndarray, ends: np.ndarray, kinds: np.ndarray, names: list[str]
) -> np.ndarray:
    """Each entity as its type and words, ``"<TYPE>\t<word> <word> ..."`` (an object array), for entities given
    by :func:`entities` over the flattened ``tokens`` and type columns naming ``names``."""
    column = tokens if isinstance(tokens, pa.ListArray) else pa.array(tokens, type=pa.list_(pa.string()))
    words = np.array(column.flatten().to_pylist(), dtype=object)
    return np.array(
        [
            f"{names[kind]}\t{' '.join(words[start : end + 1])}"
            for start, end, kind in zip(starts.tolist(), ends.tolist(), kinds.tolist(), strict=True)
        ],
        dtype=object,
    )


def tag_strings(ner_tags: pa.ListArray, labels: list[str]) -> pa.ListArray:
    """Tag ids (a prepared split's ``ner_tags``) as BIO tag strings, in the same lists."""
    ids = ner_tags.flatten().to_numpy(zero_copy_only=False).astype(np.int64)
    offsets = ner_tags.offsets.to_numpy()
    strings = pa.array(np.array(labels, dtype=object)[ids], pa.string())
    return pa.ListArray.from_arrays(pa.array(offsets - offsets[0], pa.int32()), strings)
