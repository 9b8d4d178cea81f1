"""The one path from sentences and documents to output records, shared by the predict command and the server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from span_marker import SpanMarkerModel

from pipeline.documents.records import Document, Sentence, document_record, sentence_record
from pipeline.documents.windows import predict_windowed
from pipeline.model.inference import Logits

Item = Sentence | Document
"""What one output record is made of: a sentence, or a document of sentences."""


@dataclass(frozen=True)
class Tagger:
    """A loaded model and how to run it: ``batch_size`` samples per forward pass, ``stride`` words shared by the
    windows of a sentence longer than the model's input (:mod:`pipeline.documents.windows`), span logits from
    ``logits`` (None: the model in PyTorch; else e.g. an ONNX graph of it)."""

    model: SpanMarkerModel
    batch_size: int
    stride: int
    logits: Logits | None = None

    @property
    def entity_types(self) -> list[str]:
        """The model's entity types, sorted."""
        config = self.model.config
        return sorted(label for index, label in config.id2label.items() if index != config.outside_id)

    def records(self, items: list[Item], show_progress_bar: bool = False) -> list[dict[str, Any]]:
        """The output record of each item (:mod:`pipeline.documents.records`), in order. The sentences of all
        items are tagged together, in batches of similar length, so a record does not depend on the other items
        beside it (scores within float tolerance of a padded batch)."""
        sentences = [sentence for item in items for sentence in _sentences(item)]
        entities = iter(
            predict_windowed(
                self.model,
                [sentence.words for sentence in sentences],
                self.batch_size,
                self.stride,
                show_progress_bar=show_progress_bar,
                logits=self.logits,
            )
        )
        return [
            sentence_record(item, next(entities))
            if isinstance(item, Sentence)
            else document_record(item, [next(entities) for _ in item.sentences])
            for item in items
        ]


def _sentences(item: Item) -> list[Sentence]:
    return [item] if isinstance(item, Sentence) else item.sentences
