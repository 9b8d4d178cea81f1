"""SpanMarker's span classifier without the per-sample loop: every candidate span's features in one gather.

SpanMarker 1.8.1's ``SpanMarkerModel.forward`` builds the feature vector of each sample's candidate spans in a
Python loop over the batch, slicing the encoder's output with tensor-valued bounds (a host synchronisation per
sample on a GPU, and a graph ONNX cannot export). :func:`span_features` computes the same tensor, row for row,
with index tensors built from ``start_marker_indices`` and ``num_marker_pairs``; :class:`VectorisedSpanMarkerModel`
is ``SpanMarkerModel`` with that forward pass and nothing else changed: same modules, same weights, same saved
folder, which stock ``SpanMarkerModel.from_pretrained`` loads (``tests/test_span_head.py``).
"""

from __future__ import annotations

from typing import Any

import torch
from span_marker import SpanMarkerModel
from span_marker.output import SpanMarkerOutput


def span_features(
    hidden: torch.Tensor, start_marker_indices: torch.Tensor, num_marker_pairs: torch.Tensor
) -> torch.Tensor:
    """The feature vector of every candidate span: its start marker's state beside its end marker's.

    ``hidden`` is the encoder's output (B × L × H); sample ``b``'s ``n = num_marker_pairs[b]`` start markers sit
    at positions ``start_marker_indices[b]`` onwards and its end markers right after them (both int, shape B).
    Returns B × L//2 × 2H: row ``j < n`` of sample ``b`` is ``hidden[b, s + j]`` concatenated with
    ``hidden[b, s + n + j]``, rows from ``n`` on are zero, as SpanMarker's padded stack.
    """
    length = hidden.size(1)
    pair = torch.arange(length // 2, device=hidden.device)[None, :]  # 1 × L/2
    start = start_marker_indices[:, None].to(pair.dtype)
    count = num_marker_pairs[:, None].to(pair.dtype)
    valid = pair < count  # B × L/2
    start_index = torch.where(valid, start + pair, 0)
    end_index = torch.where(valid, start + count + pair, 0)
    index = torch.cat([start_index, end_index], dim=1)[:, :, None].expand(-1, -1, hidden.size(2))
    states = torch.gather(hidden, 1, index)  # B × L × H
    features = torch.cat([states[:, : length // 2], states[:, length // 2 :]], dim=-1)
    return features * valid[:, :, None].to(features.dtype)


class VectorisedSpanMarkerModel(SpanMarkerModel):
    """``SpanMarkerModel`` whose forward pass gathers the span features of the whole batch at once
    (:func:`span_features`); loading, saving, training and the outputs are SpanMarker's."""

    def span_logits(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        position_ids: torch.Tensor,
        start_marker_indices: torch.Tensor,
        num_marker_pairs: torch.Tensor,
    ) -> torch.Tensor:
        """Logits of every candidate span, B × L//2 × number of labels (rows past a sample's spans: the bias)."""
        hidden = self.encoder(
            input_ids,
            attention_mask=attention_mask,
            token_type_ids=torch.zeros_like(input_ids),
            position_ids=position_ids,
        )[0]
        features = span_features(self.dropout(hidden), start_marker_indices, num_marker_pairs)
        return self.classifier(self.dropout(features))

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        position_ids: torch.Tensor,
        start_marker_indices: torch.Tensor,
        num_marker_pairs: torch.Tensor,
        labels: torch.Tensor | None = None,
        num_words: torch.Tensor | None = None,
        document_ids: torch.Tensor | None = None,
        sentence_ids: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> SpanMarkerOutput:
        """``SpanMarkerModel.forward`` (same arguments and output), with the mean cross-entropy over the labelled
        spans as ``loss`` when ``labels`` (B × L//2, -100 for none) are given."""
        logits = self.span_logits(input_ids, attention_mask, position_ids, start_marker_indices, num_marker_pairs)
        loss = None if labels is None else self.loss_func(logits.view(-1, self.config.num_labels), labels.view(-1))
        return SpanMarkerOutput(
            loss=loss,
            logits=logits,
            num_marker_pairs=num_marker_pairs,
            num_words=num_words,
            document_ids=document_ids,
            sentence_ids=sentence_ids,
        )
