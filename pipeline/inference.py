"""The one inference path of evaluate, baseline and predict: SpanMarker's entities of sentences given as words."""

from __future__ import annotations

import logging
from typing import Any

from span_marker import SpanMarkerModel

from pipeline.text import word_pieces

logger = logging.getLogger(__name__)


def _model_inputs(model: SpanMarkerModel, sentences: list[list[str]]) -> tuple[list[list[str]], list[list[int]], int]:
    """The words each sentence gives the model, the index of the sentence word each came from, and how many
    sentences exceed the model's input length.

    A word is replaced by its :func:`pipeline.text.word_pieces` (SpanMarker 1.8.1 fails on a word holding a
    space); a piece the model's tokenizer turns into no sub-word token is left out (SpanMarker fails on it,
    and on a sentence of only such words).
    """
    pieces, sources = [], []
    for words in sentences:
        split = [(piece, index) for index, word in enumerate(words) for piece in word_pieces(word)]
        pieces.append([piece for piece, _ in split])
        sources.append([index for _, index in split])
    tokenizer = model.tokenizer.tokenizer
    encoding = tokenizer([words or [""] for words in pieces], is_split_into_words=True, add_special_tokens=False,
                         verbose=False)
    max_tokens = model.tokenizer.model_max_length - tokenizer.num_special_tokens_to_add()
    inputs, kept_sources, too_long = [], [], 0
    for row, (words, source) in enumerate(zip(pieces, sources)):
        word_ids = encoding.word_ids(row) if words else []
        too_long += len(word_ids) > max_tokens
        kept = sorted({index for index in word_ids if index is not None})
        inputs.append([words[index] for index in kept])
        kept_sources.append([source[index] for index in kept])
    return inputs, kept_sources, too_long


def predict_entities(model: SpanMarkerModel, sentences: list[list[str]], batch_size: int,
                     show_progress_bar: bool = False) -> list[list[dict[str, Any]]]:
    """SpanMarker's entities of each sentence: dicts with ``label``, ``score``, ``word_start_index`` and
    ``word_end_index`` (exclusive), indexing the sentence's own words.

    Any list of strings is accepted: words without a sub-word token never start or end an entity, and a
    sentence without any gets none. Words past the model's input length are not tagged; the sentences
    affected are counted in one warning.
    """
    if not sentences:
        return []
    inputs, sources, too_long = _model_inputs(model, sentences)
    non_empty = [words for words in inputs if words]
    predictions = iter(model.predict(non_empty, batch_size=batch_size, show_progress_bar=show_progress_bar)
                       if non_empty else [])
    if too_long:
        logger.warning("%d of %d sentences are longer than the model's input of %d sub-word tokens: their words "
                       "past it are not tagged", too_long, len(sentences),
                       model.tokenizer.model_max_length - model.tokenizer.tokenizer.num_special_tokens_to_add())
    return [[{"label": entity["label"], "score": entity["score"],
              "word_start_index": source[entity["word_start_index"]],
              "word_end_index": source[entity["word_end_index"] - 1] + 1} for entity in next(predictions)]
            if source else [] for source in sources]
