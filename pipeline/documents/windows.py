"""Sentences longer than the model's input, tagged in overlapping windows instead of truncated.

A sentence whose sub-word tokens exceed the model's input (``model_max_length`` less the special tokens) is cut
at word boundaries into windows of at most that many tokens, each window starting ``stride`` words before the
previous one ends (the words two consecutive windows share). Every window is tagged as a sentence of its own, all
windows of all sentences in the same batches, and the windows' entities are merged:

- an entity that touches a window's inner edge (the window's first word, where an earlier window exists, or its
  last, where a later one does) may be cut short there: it is dropped from that window when another window holds
  its words clear of that window's inner edges, as one does whenever ``stride`` exceeds the model's
  ``entity_max_length`` and the windows hold at least ``2 * stride`` words (shorter windows share half their words);
- of the rest, SpanMarker's own rule decides: from the highest score down, every entity that overlaps none
  already taken. An entity both windows find is so reported once, with the higher of its two scores.

A sentence within the model's input is one window: its entities are exactly those of
:func:`pipeline.model.inference.predict_entities`. Only a single word longer than a whole window is still cut
(the warning of :func:`~pipeline.model.inference.encode` counts such windows).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from span_marker import SpanMarkerModel

from pipeline.core.exceptions import ParamError
from pipeline.model.inference import Logits, model_words, predict_entities

logger = logging.getLogger(__name__)

DEFAULT_STRIDE = 16
"""Words shared by consecutive windows in the predict command, the server and every stage that scores a model:
twice the real run's ``entity_max_length`` (8), so that an entity near a window's edge has context on both
sides in one of the two windows."""

Window = tuple[int, int]
"""A window of a sentence: its first word and its exclusive end, indices into the sentence's words."""


def input_tokens(model: SpanMarkerModel) -> int:
    """Sub-word tokens the model reads of one sentence: ``model_max_length`` less the special tokens."""
    return int(model.tokenizer.model_max_length - model.tokenizer.tokenizer.num_special_tokens_to_add())


def word_token_counts(model: SpanMarkerModel, sentences: list[list[str]]) -> list[np.ndarray]:
    """Per sentence, the sub-word tokens of each of its words (int arrays, one entry per word; 0 for a word the
    model does not see, see :func:`pipeline.model.inference.model_words`)."""
    inputs, sources, _ = model_words(model, sentences)
    encoding = model.tokenizer.tokenizer(
        [words or [""] for words in inputs], is_split_into_words=True, add_special_tokens=False, verbose=False
    )
    counts = []
    for row, (words, source) in enumerate(zip(sentences, sources, strict=True)):
        word_ids = np.array([index for index in encoding.word_ids(row) if index is not None], dtype=np.int64)
        per_piece = np.bincount(word_ids, minlength=len(source)) if inputs[row] else np.zeros(0, np.int64)
        counts.append(np.bincount(np.array(source, dtype=np.int64), weights=per_piece, minlength=len(words)))
    return [count.astype(np.int64) for count in counts]


def windows(tokens: np.ndarray, max_tokens: int, stride: int) -> list[Window]:
    """The windows of a sentence whose words have ``tokens`` sub-word tokens each: ``[(0, n)]`` when the sentence
    fits ``max_tokens``; else windows of at most ``max_tokens`` tokens (a single longer word makes a window alone),
    each starting ``stride`` words before the previous one's end, or half the previous window's words where it
    holds fewer than ``2 * stride`` (so that each window moves on by at least half the last one, and a text of long
    words cannot make one window a word), the last ending at the sentence's end."""
    bounds = np.concatenate([[0], np.cumsum(tokens)])
    words = len(tokens)
    if bounds[-1] <= max_tokens:
        return [(0, words)]
    found: list[Window] = []
    start = 0
    while True:
        end = max(int(np.searchsorted(bounds, bounds[start] + max_tokens, side="right")) - 1, start + 1)
        found.append((start, min(end, words)))
        if end >= words:
            return found
        start = max(end - min(stride, (end - start) // 2), start + 1)


def merge(found: list[tuple[Window, list[dict[str, Any]]]], words: int) -> list[dict[str, Any]]:
    """One sentence's entities from its windows' (``found``: each window with its entities, word indices local to
    the window; ``words``: the sentence's length), as the module describes; word indices into the sentence, sorted
    by start."""
    if len(found) == 1:
        return found[0][1]
    spans = [span for span, _ in found]

    def inside(first: int, last: int, start: int, end: int) -> bool:
        """Whether words ``first:last`` lie in the window ``start:end`` clear of its inner edges."""
        return (first > start or start == 0) and (last < end or end == words) and start <= first and last <= end

    kept = []
    for (start, end), entities in found:
        for entity in entities:
            first, last = entity["word_start_index"] + start, entity["word_end_index"] + start
            if not inside(first, last, start, end) and any(inside(first, last, *span) for span in spans):
                continue  # cut short here, perhaps: another window sees it whole
            kept.append({**entity, "word_start_index": first, "word_end_index": last})
    taken = np.zeros(words, dtype=bool)
    merged = []
    for entity in sorted(kept, key=lambda entity: -entity["score"]):
        first, last = entity["word_start_index"], entity["word_end_index"]
        if not taken[first:last].any():
            taken[first:last] = True
            merged.append(entity)
    return sorted(merged, key=lambda entity: entity["word_start_index"])


def check_stride(model: SpanMarkerModel, stride: int) -> None:
    """Raises :class:`ParamError` when ``stride`` does not exceed the model's ``entity_max_length``, so that no
    entity at a window's edge could be lost."""
    longest = model.config.entity_max_length
    if stride <= longest:
        raise ParamError(
            f"stride: got {stride}; allowed: more than the model's entity_max_length ({longest} words), so that "
            "an entity cut at one window's edge lies whole inside the next"
        )


def predict_windowed(
    model: SpanMarkerModel,
    sentences: list[list[str]],
    batch_size: int,
    stride: int,
    show_progress_bar: bool = False,
    logits: Logits | None = None,
) -> list[list[dict[str, Any]]]:
    """SpanMarker's entities of each sentence (as :func:`pipeline.model.inference.predict_entities` gives them:
    ``label``, ``score``, ``word_start_index``, exclusive ``word_end_index``), a sentence longer than the model's
    input tagged in windows sharing ``stride`` words (see the module). Raises :class:`ParamError` as
    :func:`check_stride` does."""
    check_stride(model, stride)
    if not sentences:
        return []
    max_tokens = input_tokens(model)
    cuts = [windows(tokens, max_tokens, stride) for tokens in word_token_counts(model, sentences)]
    too_long = sum(len(spans) > 1 for spans in cuts)
    if not too_long:
        return predict_entities(model, sentences, batch_size, show_progress_bar, logits)
    pieces = [words[start:end] for words, spans in zip(sentences, cuts, strict=True) for start, end in spans]
    logger.info(
        "%d of %d sentences are longer than the model's input of %d sub-word tokens: tagged in %d overlapping "
        "windows sharing %d words",
        too_long,
        len(sentences),
        max_tokens,
        sum(len(spans) for spans in cuts if len(spans) > 1),
        stride,
    )
    entities = iter(predict_entities(model, pieces, batch_size, show_progress_bar, logits))
    return [
        merge([(span, next(entities)) for span in spans], len(words))
        for words, spans in zip(sentences, cuts, strict=True)
    ]
