"""Split plain text into words as the training data is split: NFC, then the Moses tokenizer (sacremoses).

Character offsets index the text as given, before normalisation.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from sacremoses import MosesTokenizer

LANGUAGE = "en"
PROTECTED_PATTERNS = [r"\b\w['’](?-i:[A-Z])\w*"]
"""Kept as one word, as MultiNERD does: a name with an apostrophe after its first letter (O'Connor,
d'Italia). Moses would split it into ``O`` and ``'Connor``."""
ASCII_CONTROL = re.compile(r"[\x00-\x1f]")


class AlignmentError(ValueError):
    """A word of the tokenizer that is not in the text (a tokenizer that rewrites text)."""


@cache
def _tokenizer(language: str) -> MosesTokenizer:
    return MosesTokenizer(lang=language)


def normalise(text: str) -> tuple[str, list[int], list[int]]:
    """``text`` in NFC, and for each character of it the start and end offset in ``text`` of what it came from.

    The text is normalised cluster by cluster (a character with combining class 0 and the marks after it, or
    longer where NFC composes across clusters, as Hangul jamo do), so every output character maps to the
    cluster it belongs to.
    """
    if unicodedata.is_normalized("NFC", text):
        return text, list(range(len(text))), list(range(1, len(text) + 1))
    clusters: list[tuple[int, int]] = []
    for position, char in enumerate(text):
        if clusters and unicodedata.combining(char):
            clusters[-1] = (clusters[-1][0], position + 1)
            continue
        if clusters:
            start, end = clusters[-1]
            joined = text[start : position + 1]
            if unicodedata.normalize("NFC", joined) != unicodedata.normalize("NFC", text[start:end]) + char:
                clusters[-1] = (start, position + 1)
                continue
        clusters.append((position, position + 1))
    pieces, starts, ends = [], [], []
    for start, end in clusters:
        piece = unicodedata.normalize("NFC", text[start:end])
        pieces.append(piece)
        starts.extend([start] * len(piece))
        ends.extend([end] * len(piece))
    return "".join(pieces), starts, ends


def split_words(text: str, language: str = LANGUAGE) -> list[tuple[str, int, int]]:
    """The words of ``text`` with their ``(start, end)`` character offsets in ``text`` (end exclusive).

    Words are NFC-normalised and split by the Moses tokenizer for ``language``, with
    :data:`PROTECTED_PATTERNS` kept whole. A word covers whole characters of ``text``: a decomposed ``ü``
    (``u`` + U+0308) is one character of the word and two of the text. Raises :class:`AlignmentError` if a
    word of the tokenizer is not found in the text (it never rewrites text with these settings).
    """
    normalised, starts, ends = normalise(text)
    # Moses deletes ASCII control characters; as spaces they keep every other offset in place.
    cleaned = ASCII_CONTROL.sub(" ", normalised)
    words, position = [], 0
    for word in _tokenizer(language).tokenize(cleaned, escape=False, protected_patterns=PROTECTED_PATTERNS):
        start = cleaned.find(word, position)
        if start < 0:
            raise AlignmentError(f"the tokenizer's word {word!r} is not in the text {text!r}")
        position = start + len(word)
        words.append((word, starts[start], ends[position - 1]))
    return words
