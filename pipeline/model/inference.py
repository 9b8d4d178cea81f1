"""The one inference path of evaluate, baseline, languages, predict and validation during training: SpanMarker's
entities of sentences given as words.

It computes what ``SpanMarkerModel.predict`` (SpanMarker 1.8.1) computes, with less work around the model:

- **Encoding** (:func:`encode`) runs the model's own tokenizer once over all sentences (no padding) and finds
  each candidate span's first and last sub-word token with NumPy, where SpanMarker pads every sentence to the
  model's input length and asks the tokenizer for every span in Python; the candidate spans, their order and
  their spread over samples are SpanMarker's (``get_all_valid_spans``, ``Trainer.spread_sample``). The result
  can be kept and predicted again (the validation split is encoded once per training run).
- **Batching** (:func:`predict_encoded`) sorts the samples by length and pads each batch to its longest sample
  (:class:`pipeline.model.collator.PaddedCollator`), where SpanMarker pads every sample to its full size; results
  come back in input order.
- **Span logits** come from the model's vectorised forward pass (:mod:`pipeline.model.span_head`), or from any
  other :data:`Logits` function given, such as an ONNX graph of the same model (:mod:`pipeline.graphs.onnx_graph`).
- **Decoding** is SpanMarker's: the most probable label of each span, then, from the highest score down, every
  non-``O`` span that overlaps no span already taken.

Entities and scores equal ``SpanMarkerModel.predict``'s (scores within float tolerance; checked in
``tests/test_batching.py`` and ``benchmarks/bench_equal_work.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from span_marker import SpanMarkerModel
from tqdm.auto import tqdm

from pipeline.data.text import word_pieces
from pipeline.model.collator import PaddedCollator, sample_length

logger = logging.getLogger(__name__)

Logits = Callable[[dict[str, torch.Tensor]], torch.Tensor]
"""Span logits of a :class:`PaddedCollator` batch (batch × length/2 × labels), as ``model(**batch).logits``."""


@dataclass
class EncodedSentences:
    """Sentences encoded for a SpanMarker model, ready to predict again and again.

    ``samples`` are SpanMarker samples (``input_ids``, ``num_spans``, ``start_position_ids``,
    ``end_position_ids``), a sentence's samples consecutive and in span order; ``sample_sentence[i]`` is the
    sentence of sample ``i``; ``spans[s]`` is sentence ``s``'s candidate spans (int array, n × 2, word start and
    exclusive end in the words the model sees); ``sources[s][w]`` is the index in the sentence's own words of
    the model's word ``w``.
    """

    samples: list[dict[str, Any]]
    sample_sentence: np.ndarray
    spans: list[np.ndarray]
    sources: list[list[int]]

    def __len__(self) -> int:
        return len(self.sources)


def candidate_spans(num_words: int, entity_max_length: int) -> np.ndarray:
    """Every span of at most ``entity_max_length`` words, in SpanMarker's order (by start, then end):
    an int array of shape n × 2 of (start, exclusive end) word indices."""
    starts = np.repeat(np.arange(num_words), entity_max_length)
    ends = starts + np.tile(np.arange(1, entity_max_length + 1), num_words)
    keep = ends <= num_words
    return np.stack([starts[keep], ends[keep]], axis=1)


def model_words(model: SpanMarkerModel, sentences: list[list[str]]) -> tuple[list[list[str]], list[list[int]], int]:
    """The words each sentence gives the model, the index of the sentence word each came from, and how many
    sentences exceed the model's input length.

    A word is replaced by its :func:`pipeline.data.text.word_pieces` (SpanMarker 1.8.1 fails on a word holding a
    space); a piece the model's tokenizer turns into no sub-word token is left out (SpanMarker fails on it,
    and on a sentence of only such words).
    """
    pieces, sources = [], []
    for words in sentences:
        split = [(piece, index) for index, word in enumerate(words) for piece in word_pieces(word)]
        pieces.append([piece for piece, _ in split])
        sources.append([index for _, index in split])
    tokenizer = model.tokenizer.tokenizer
    encoding = tokenizer(
        [words or [""] for words in pieces], is_split_into_words=True, add_special_tokens=False, verbose=False
    )
    max_tokens = model.tokenizer.model_max_length - tokenizer.num_special_tokens_to_add()
    inputs, kept_sources, too_long = [], [], 0
    for row, (words, source) in enumerate(zip(pieces, sources, strict=True)):
        word_ids = encoding.word_ids(row) if words else []
        too_long += len(word_ids) > max_tokens
        kept = sorted({index for index in word_ids if index is not None})
        inputs.append([words[index] for index in kept])
        kept_sources.append([source[index] for index in kept])
    return inputs, kept_sources, too_long


def encode(model: SpanMarkerModel, sentences: list[list[str]]) -> EncodedSentences:
    """Encode ``sentences`` (lists of words) for ``model``: see :class:`EncodedSentences`. Sentences longer
    than the model's input are counted in one warning, once per encoding (the validation split's once per run)."""
    inputs, sources, too_long = model_words(model, sentences)
    if too_long:
        logger.warning(
            "%d of %d sentences are longer than the model's input of %d sub-word tokens: their words "
            "past it are not tagged",
            too_long,
            len(sentences),
            model.tokenizer.model_max_length - model.tokenizer.tokenizer.num_special_tokens_to_add(),
        )
    max_length = model.tokenizer.model_max_length
    full_length = max_length + 2 * model.config.marker_max_length
    entity_max_length = model.config.entity_max_length
    non_empty = [row for row, words in enumerate(inputs) if words]
    samples: list[dict[str, Any]] = []
    sample_sentence: list[int] = []
    spans = [np.zeros((0, 2), dtype=np.int64)] * len(inputs)
    if not non_empty:
        return EncodedSentences(samples, np.array(sample_sentence, dtype=np.int64), spans, sources)
    encoding = model.tokenizer.tokenizer(
        [inputs[row] for row in non_empty], is_split_into_words=True, truncation=True, max_length=max_length
    )
    for position, row in enumerate(non_empty):
        input_ids = encoding["input_ids"][position]
        word_ids = np.array([-1 if index is None else index for index in encoding.word_ids(position)])
        num_words = int(word_ids.max()) + 1
        words = np.arange(num_words)
        first_token = np.searchsorted(word_ids[1:-1], words, side="left") + 1  # word ids ascend between CLS/SEP
        last_token = np.searchsorted(word_ids[1:-1], words, side="right")
        spans[row] = candidate_spans(num_words, entity_max_length)
        start_ids, end_ids = first_token[spans[row][:, 0]].tolist(), last_token[spans[row][:, 1] - 1].tolist()
        space = (full_length - len(input_ids)) // 2
        for start in range(0, len(start_ids), space):
            samples.append(
                {
                    "input_ids": input_ids,
                    "num_spans": len(start_ids[start : start + space]),
                    "start_position_ids": start_ids[start : start + space],
                    "end_position_ids": end_ids[start : start + space],
                }
            )
            sample_sentence.append(row)
    return EncodedSentences(samples, np.array(sample_sentence, dtype=np.int64), spans, sources)


def torch_logits(model: SpanMarkerModel) -> Logits:
    """The span logits of ``model`` in PyTorch: ``model(**batch).logits``."""
    return lambda batch: model(**batch).logits


def padded_batches(
    model: SpanMarkerModel, encoded: EncodedSentences, batch_size: int
) -> Iterator[tuple[np.ndarray, dict[str, torch.Tensor]]]:
    """``encoded``'s samples in batches of ``batch_size`` samples of similar length, longest first, each padded to
    its longest sample (:class:`PaddedCollator`) and on ``model``'s device: (sample indices, batch)."""
    collate = PaddedCollator(model.tokenizer, model.config.marker_max_length)
    lengths = np.array([sample_length(len(sample["input_ids"]), sample["num_spans"]) for sample in encoded.samples])
    order = np.argsort(-lengths, kind="stable")
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        batch = collate([encoded.samples[row] for row in rows])
        yield rows, {key: value.to(model.device) for key, value in batch.items()}


def span_probabilities(
    model: SpanMarkerModel,
    encoded: EncodedSentences,
    batch_size: int,
    show_progress_bar: bool = False,
    logits: Logits | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per sentence, the most probable label id of each candidate span and its probability (float32 arrays in
    the order of ``encoded.spans``), from batches of ``batch_size`` samples of similar length; ``logits``
    computes a batch's span logits (default: :func:`torch_logits` of ``model``, e.g. an ONNX graph's instead)."""
    logits = torch_logits(model) if logits is None else logits
    labels: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * len(encoded.samples)
    scores: list[np.ndarray] = [np.zeros(0, dtype=np.float32)] * len(encoded.samples)
    was_training = model.training
    model.eval()
    try:
        with torch.inference_mode():
            batches = padded_batches(model, encoded, batch_size)
            for rows, batch in tqdm(
                batches,
                total=-(-len(encoded.samples) // batch_size),
                desc="Predicting",
                unit="batch",
                disable=not show_progress_bar,
            ):
                best = logits(batch).float().softmax(-1).max(-1)
                best_scores, best_labels = best.values.cpu().numpy(), best.indices.cpu().numpy()
                for position, row in enumerate(rows):
                    count = encoded.samples[row]["num_spans"]
                    scores[row], labels[row] = best_scores[position, :count], best_labels[position, :count]
    finally:
        model.train(was_training)
    bounds = np.searchsorted(encoded.sample_sentence, np.arange(len(encoded) + 1))
    return [
        (
            np.concatenate([np.zeros(0, np.int64), *labels[bounds[row] : bounds[row + 1]]]),
            np.concatenate([np.zeros(0, np.float32), *scores[bounds[row] : bounds[row + 1]]]),
        )
        for row in range(len(encoded))
    ]


def decode(
    spans: np.ndarray,
    labels: np.ndarray,
    scores: np.ndarray,
    outside_id: int,
    id2label: dict[int, str],
    sources: list[int],
) -> list[dict[str, Any]]:
    """SpanMarker's entities of one sentence: from the highest score down, each non-``O`` span that overlaps no
    span already taken, sorted by start; word indices are mapped through ``sources`` to the sentence's own."""
    candidates = np.flatnonzero(labels != outside_id)
    candidates = candidates[np.argsort(-scores[candidates], kind="stable")]
    taken = np.zeros(len(sources), dtype=bool)
    entities = []
    for index in candidates:
        start, end = int(spans[index, 0]), int(spans[index, 1])
        if taken[start:end].any():
            continue
        taken[start:end] = True
        entities.append(
            {
                "label": id2label[int(labels[index])],
                "score": float(scores[index]),
                "word_start_index": sources[start],
                "word_end_index": sources[end - 1] + 1,
            }
        )
    return sorted(entities, key=lambda entity: entity["word_start_index"])


def predict_encoded(
    model: SpanMarkerModel,
    encoded: EncodedSentences,
    batch_size: int,
    show_progress_bar: bool = False,
    logits: Logits | None = None,
) -> list[list[dict[str, Any]]]:
    """The entities of every encoded sentence, in input order (see :func:`predict_entities`)."""
    probabilities = span_probabilities(model, encoded, batch_size, show_progress_bar, logits)
    outside_id, id2label = model.config.outside_id, model.config.id2label
    return [
        decode(spans, labels, scores, outside_id, id2label, sources)
        for spans, (labels, scores), sources in zip(encoded.spans, probabilities, encoded.sources, strict=True)
    ]


def predict_entities(
    model: SpanMarkerModel,
    sentences: list[list[str]],
    batch_size: int,
    show_progress_bar: bool = False,
    logits: Logits | None = None,
) -> list[list[dict[str, Any]]]:
    """SpanMarker's entities of each sentence: dicts with ``label``, ``score``, ``word_start_index`` and
    ``word_end_index`` (exclusive), indexing the sentence's own words; ``batch_size`` counts samples.

    Any list of strings is accepted: words without a sub-word token never start or end an entity, and a
    sentence without any gets none. Words past the model's input length are not tagged; the sentences
    affected are counted in one warning. ``logits`` computes the span logits of a batch (default: the model in
    PyTorch; :class:`pipeline.graphs.onnx_graph.OnnxLogits` runs an ONNX graph instead).
    """
    return predict_encoded(model, encode(model, sentences), batch_size, show_progress_bar, logits) if sentences else []
