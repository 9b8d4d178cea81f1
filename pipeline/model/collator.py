"""Batches of SpanMarker samples padded to the longest sample they hold, not to the model's full input.

SpanMarker 1.8.1's ``SpanMarkerDataCollator`` pads every sample to ``model_max_length + 2 ×
marker_max_length`` positions (512 at the real run's 256 / 128) and builds a dense attention mask of that
size per sample. :class:`PaddedCollator` builds the same inputs, position for position, but only as long
as the batch needs: the longest sample's text tokens (rounded up to even, where SpanMarker puts the first
marker) plus its start and end markers, rounded up to a multiple of 8 (tensor-core friendly) and never past
SpanMarker's full size. A sample's text, markers and labels sit at the same positions as in SpanMarker's
batch, and the extra positions of the full-size batch are padding that nothing attends to, so the logits of
every candidate span and the loss are SpanMarker's (within float tolerance: a matrix product's summation
order depends on its size).
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch
from span_marker.tokenizer import SpanMarkerTokenizer

PAD_MULTIPLE = 8
"""Batch lengths are rounded up to a multiple of this many positions."""
IGNORED_LABEL = -100
"""The label of a padding span, which ``torch.nn.CrossEntropyLoss`` skips."""
MAX_CHUNKS = 4
"""Most length-sorted chunks a training batch is split into (:class:`ChunkedCollator`)."""


def sample_length(num_tokens: int, num_spans: int) -> int:
    """Positions one sample fills in SpanMarker's layout: its text tokens, rounded up to even (the first marker
    starts at an even position), then ``num_spans`` start markers and as many end markers."""
    return num_tokens + num_tokens % 2 + 2 * num_spans


def padded_length(longest: int, full_length: int) -> int:
    """Positions of a batch whose longest sample fills ``longest``: rounded up to a multiple of
    :data:`PAD_MULTIPLE`, at most SpanMarker's full size ``full_length``."""
    return min(-(-longest // PAD_MULTIPLE) * PAD_MULTIPLE, full_length)


def chunk_bounds(lengths: list[int], full_length: int, max_chunks: int = MAX_CHUNKS) -> list[int]:
    """Split points of samples sorted by ascending ``lengths`` into at most ``max_chunks`` consecutive chunks
    that hold the fewest padded positions in all (each chunk padded by :func:`padded_length`): ``[0, ..., n]``.

    Exact dynamic programming over the n sorted samples (n × n × ``max_chunks`` steps); ties go to fewer chunks.
    """
    count = len(lengths)
    if count == 0:
        return [0]
    # best[k][j]: fewest positions of the first j samples in k chunks; cut[k][j]: where the last chunk starts.
    infinity = float("inf")
    best = [[infinity] * (count + 1) for _ in range(max_chunks + 1)]
    cut = [[0] * (count + 1) for _ in range(max_chunks + 1)]
    best[0][0] = 0
    for chunks in range(1, max_chunks + 1):
        for end in range(1, count + 1):
            for start in range(chunks - 1, end):
                cost = best[chunks - 1][start] + (end - start) * padded_length(lengths[end - 1], full_length)
                if cost < best[chunks][end]:
                    best[chunks][end], cut[chunks][end] = cost, start
    chunks = min(range(1, max_chunks + 1), key=lambda k: (best[k][count], k))
    bounds, end = [count], count
    for k in range(chunks, 0, -1):
        end = cut[k][end]
        bounds.append(end)
    return bounds[::-1]


def sample_lengths(input_ids: pa.ChunkedArray | pa.Array, num_spans: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """:func:`sample_length` of every row of a preprocessed SpanMarker dataset, computed in Arrow.

    ``input_ids`` is the list column, ``num_spans`` the int column; returns an int64 array of one length per row.
    """
    tokens = pc.list_value_length(input_ids).to_numpy(zero_copy_only=False).astype(np.int64)
    spans = np.asarray(num_spans.to_numpy(zero_copy_only=False), dtype=np.int64)
    return tokens + tokens % 2 + 2 * spans


class PaddedCollator:
    """Collate SpanMarker samples (``input_ids``, ``num_spans``, ``start_position_ids``, ``end_position_ids``, and
    optionally ``labels`` and ``num_words``) into the inputs of ``SpanMarkerModel.forward``, padded to the batch's
    longest sample.

    Returns ``input_ids`` and ``position_ids`` (int32, B × L), ``attention_mask`` (bool, B × L × L), ``labels``
    (int64, B × L/2, padded with -100) when the samples have labels, ``num_words`` when they have it,
    ``start_marker_indices`` and ``num_marker_pairs`` (int64, B). Other keys of a sample (a ``length`` column for
    length-grouped sampling, say) are ignored.
    """

    def __init__(self, tokenizer: SpanMarkerTokenizer, marker_max_length: int) -> None:
        self.tokenizer = tokenizer
        self.full_length = tokenizer.model_max_length + 2 * marker_max_length

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        num_tokens = torch.tensor([len(sample["input_ids"]) for sample in features])
        num_spans = torch.tensor([sample["num_spans"] for sample in features])
        starts = num_tokens + num_tokens % 2
        length = padded_length(int((starts + 2 * num_spans).max()), self.full_length)
        size = len(features)

        input_ids = torch.full((size, length), self.tokenizer.pad_token_id, dtype=torch.int)
        position_ids = torch.ones((size, length), dtype=torch.int)
        for row, sample in enumerate(features):
            tokens, start, spans = int(num_tokens[row]), int(starts[row]), int(num_spans[row])
            input_ids[row, :tokens] = torch.as_tensor(sample["input_ids"], dtype=torch.int)
            input_ids[row, start : start + spans] = self.tokenizer.start_marker_id
            input_ids[row, start + spans : start + 2 * spans] = self.tokenizer.end_marker_id
            position_ids[row, :tokens] = torch.arange(tokens, dtype=torch.int) + 2
            position_ids[row, start : start + spans] = (
                torch.as_tensor(sample["start_position_ids"], dtype=torch.int) + 2
            )
            position_ids[row, start + spans : start + 2 * spans] = (
                torch.as_tensor(sample["end_position_ids"], dtype=torch.int) + 2
            )

        # Text attends to text; every marker attends to the text and to its own start/end pair.
        position = torch.arange(length)
        offset = position[None, :] - starts[:, None]  # B × L
        is_text = position[None, :] < num_tokens[:, None]
        is_marker = (offset >= 0) & (offset < 2 * num_spans[:, None])
        pair = torch.where(is_marker, offset % num_spans.clamp(min=1)[:, None], -1)
        attends_text = (is_text | is_marker)[:, :, None] & is_text[:, None, :]
        same_pair = is_marker[:, :, None] & (pair[:, :, None] == pair[:, None, :])
        batch = {"input_ids": input_ids, "position_ids": position_ids, "attention_mask": attends_text | same_pair}

        if "labels" in features[0]:
            labels = torch.full((size, length // 2), IGNORED_LABEL, dtype=torch.long)
            for row, sample in enumerate(features):
                labels[row, : len(sample["labels"])] = torch.as_tensor(sample["labels"], dtype=torch.long)
            batch["labels"] = labels
        if "num_words" in features[0]:
            batch["num_words"] = torch.tensor([sample["num_words"] for sample in features])
        batch["start_marker_indices"] = starts
        batch["num_marker_pairs"] = num_spans
        return batch


class ChunkedCollator(PaddedCollator):
    """A training batch as up to :data:`MAX_CHUNKS` :class:`PaddedCollator` batches of samples of similar length:
    ``{"chunks": [batch, ...]}``, the samples sorted by length and cut where that saves the most padding
    (:func:`chunk_bounds`).

    The batch's samples stay what the sampler drew; only the padding goes. With every chunk's mean loss weighted
    by its share of the batch's labelled spans (:meth:`pipeline.model.span_trainer.SpanTrainer.compute_loss`), the loss
    and its gradient are those of the whole batch in one piece.
    """

    def __call__(self, features: list[dict[str, Any]]) -> dict[str, Any]:
        lengths = [sample_length(len(sample["input_ids"]), sample["num_spans"]) for sample in features]
        order = sorted(range(len(features)), key=lengths.__getitem__)
        bounds = chunk_bounds([lengths[index] for index in order], self.full_length)
        return {
            "chunks": [
                super(ChunkedCollator, self).__call__([features[index] for index in order[start:end]])
                for start, end in itertools.pairwise(bounds)
            ]
        }
