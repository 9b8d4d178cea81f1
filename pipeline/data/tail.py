"""Repeat-factor oversampling of the long tail: training sentences holding rare entity types are repeated.

The method is the repeat-factor sampling of Gupta et al. (LVIS, 2019), made deterministic. With ``f_t`` the
fraction of training sentences that hold at least one entity of type ``t`` and a threshold ``T`` (a fraction of
sentences), the type's repeat factor is ``r_t = max(1, sqrt(T / f_t))``: types in at least a share ``T`` of the
sentences are not repeated, rarer ones the more the rarer they are, with a square root so that a type 100 times
rarer is repeated 10 times, not 100. A sentence is repeated by the largest factor of the types it holds, rounded
to the nearest integer (halves up) and capped; a sentence without entities is kept once. The copies are
whole sentences, so the span candidates of every other entity and of the ``O`` words in them repeat too:
that is the head types' cost this module's caller measures.

Everything is vectorised over the Arrow offsets and NumPy; no Python loop runs over sentences.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa


def type_presence(ner_tags: pa.ListArray | pa.ChunkedArray, labels: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Which entity types each sentence holds: a boolean array of shape ``(sentences, types)`` and the types.

    ``ner_tags`` index ``labels`` (a system's BIO list, ``O`` first, then ``B-X``, ``I-X`` per type); a ``B-`` or
    ``I-`` tag of a type counts as that type being present. Types are in ``labels`` order.
    """
    if isinstance(ner_tags, pa.ChunkedArray):
        ner_tags = ner_tags.combine_chunks()
    types = list(dict.fromkeys(label[2:] for label in labels if label != "O"))
    type_of_label = np.array([-1 if label == "O" else types.index(label[2:]) for label in labels], dtype=np.int64)
    offsets = ner_tags.offsets.to_numpy().astype(np.int64)  # of a slice: rebased below
    offsets -= offsets[0]
    lengths = np.diff(offsets)
    flat = ner_tags.flatten().to_numpy(zero_copy_only=False).astype(np.int64)
    sentence = np.repeat(np.arange(len(lengths)), lengths)
    kind = type_of_label[flat]
    presence = np.zeros((len(lengths), len(types)), dtype=bool)
    presence[sentence[kind >= 0], kind[kind >= 0]] = True
    return presence, types


def type_repeat_factors(presence: np.ndarray, threshold: float) -> np.ndarray:
    """``r_t = max(1, sqrt(threshold / f_t))`` per type (shape ``(types,)``, floats >= 1).

    ``presence`` is :func:`type_presence`'s array; ``f_t`` its column means. A type in no sentence gets 1 (it
    cannot be repeated); ``threshold`` 0 gives 1 everywhere. Raises ``ValueError`` for a threshold outside [0, 1].
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], not {threshold}")
    share = presence.mean(axis=0) if len(presence) else np.zeros(presence.shape[1])
    with np.errstate(divide="ignore"):
        factors = np.sqrt(np.where(share > 0, threshold / np.where(share > 0, share, 1.0), 1.0))
    return np.maximum(1.0, factors)


def sentence_repeats(presence: np.ndarray, type_factors: np.ndarray, cap: int) -> np.ndarray:
    """Copies of each sentence (shape ``(sentences,)``, integers in ``[1, cap]``).

    The largest factor among the types a sentence holds, rounded half up, at most ``cap``; 1 for a sentence
    without entities. Raises ``ValueError`` for a cap below 1.
    """
    if cap < 1:
        raise ValueError(f"cap must be at least 1, not {cap}")
    largest = np.max(np.where(presence, type_factors[None, :], 1.0), axis=1, initial=1.0)
    return np.minimum(np.floor(largest + 0.5), cap).astype(np.int64)


def oversample(table: pa.Table, labels: Sequence[str], threshold: float, cap: int) -> tuple[pa.Table, np.ndarray]:
    """``table`` (a prepared split, ``ner_tags`` indexing ``labels``) with each sentence repeated, and the repeats.

    Copies follow their sentence (sentence 0 its copies, then sentence 1, ...); the trainer shuffles them.
    ``threshold`` 0 or ``cap`` 1 return the table unchanged with repeats of 1.
    """
    presence, _ = type_presence(table["ner_tags"], labels)
    repeats = sentence_repeats(presence, type_repeat_factors(presence, threshold), cap)
    if np.all(repeats == 1):
        return table, repeats
    return table.take(pa.array(np.repeat(np.arange(table.num_rows), repeats))), repeats
