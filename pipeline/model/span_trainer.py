"""SpanMarker's ``Trainer`` with three changes: gradient accumulation averages, batches are padded to what they
hold (optionally of similar length), and the validation split is encoded once per run.

- **Gradient accumulation.** SpanMarker 1.8.1's ``forward(**kwargs)`` makes transformers 4.57 set
  ``model_accepts_loss_kwargs = True``, so the Trainer stops dividing each micro-batch's loss by
  ``gradient_accumulation_steps`` and expects the model to normalise by ``num_items_in_batch``, which
  SpanMarker's mean cross-entropy ignores: with accumulation 2 the gradient, its clipping and the logged loss
  were doubled. ``accepts_loss_kwargs = False`` on the model restores what transformers 4.35 (the original
  project's) computed: the mean of the micro-batches' mean losses.
- **Padding.** Each batch the sampler draws is split into chunks of samples of similar length, each padded to
  its longest sample (:class:`pipeline.model.collator.ChunkedCollator`), where SpanMarker's collator pads every
  sample to its full size; :meth:`SpanTrainer.compute_loss` weights each chunk's mean loss by its share of the
  batch's labelled spans, so loss and gradient are the whole batch's. (Under DDP, where one forward pass must
  precede each backward pass, a batch is one chunk padded to its longest sample.) With ``group_by_length`` the
  Trainer's own ``LengthGroupedSampler`` draws batches of similar length instead of uniformly random ones, fed
  with the sample lengths computed in Arrow (:func:`pipeline.model.collator.sample_lengths`).
- **Validation.** ``evaluate`` scores the validation split with the pipeline's inference path
  (:mod:`pipeline.model.inference`, the same decoding and seqeval scores as the evaluate stage) on sentences encoded
  once, where SpanMarker tokenises and spreads the split again at every evaluation. It logs
  ``eval_overall_{precision,recall,f1,accuracy}``, SpanMarker's names.
"""

from __future__ import annotations

import logging
from typing import Any

import torch
from datasets import Dataset
from span_marker import SpanMarkerModel, Trainer
from torch.utils.data import Sampler

from pipeline.model.collator import ChunkedCollator, PaddedCollator, sample_lengths
from pipeline.model.inference import EncodedSentences, encode, predict_encoded
from pipeline.tagging.metrics import OVERALL_KEYS, entity_scores
from pipeline.tagging.tags import gold_tags, tags_from_entities

logger = logging.getLogger(__name__)


class SpanTrainer(Trainer):
    """SpanMarker's ``Trainer`` (same arguments) for a model whose BIO tags are ``tags``, the names of the
    ``ner_tags`` ids of ``eval_dataset``."""

    def __init__(self, model: SpanMarkerModel, tags: list[str], **kwargs: Any) -> None:
        model.accepts_loss_kwargs = False
        super().__init__(model=model, **kwargs)
        collator = ChunkedCollator if self.args.world_size == 1 else PaddedCollator
        self.data_collator = collator(model.tokenizer, model.config.marker_max_length)
        self.tags = tags
        self._validation: tuple[EncodedSentences, list[list[str]]] | None = None

    def _get_train_sampler(self, train_dataset: Dataset | None = None) -> Sampler | None:
        dataset = self.train_dataset if train_dataset is None else train_dataset
        if self.args.group_by_length and self.args.length_column_name not in dataset.column_names:
            table = dataset.data.table
            lengths = sample_lengths(table["input_ids"], table["num_spans"])
            dataset = dataset.add_column(self.args.length_column_name, lengths.tolist())
        return super()._get_train_sampler(dataset)

    def compute_loss(
        self,
        model: torch.nn.Module,
        inputs: dict[str, Any],
        return_outputs: bool = False,
        num_items_in_batch: torch.Tensor | int | None = None,
    ) -> Any:
        """The batch's mean cross-entropy over its labelled spans: of its one batch, or of its chunks, each
        chunk's mean weighted by its share of the labelled spans. ``return_outputs`` is not supported for
        chunks (the Trainer asks for outputs only when it evaluates, which :meth:`evaluate` does itself)."""
        if "chunks" not in inputs:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        if return_outputs:
            raise ValueError("SpanTrainer.compute_loss returns no outputs for a batch of chunks")
        chunks = inputs["chunks"]
        counts = [(chunk["labels"] != -100).sum() for chunk in chunks]
        total = sum(counts)
        return sum(model(**chunk).loss * (count / total) for chunk, count in zip(chunks, counts, strict=True))

    def validation(self) -> tuple[EncodedSentences, list[list[str]]]:
        """The validation sentences encoded for the model, and their gold BIO tags; computed at the first call."""
        if self._validation is None:
            sentences = [list(words) for words in self.eval_dataset["tokens"]]
            self._validation = (
                encode(self.model, sentences),
                gold_tags(list(self.eval_dataset["ner_tags"]), self.tags),
            )
            logger.info(
                "encoded %d validation sentences into %d samples, once for the run",
                len(sentences),
                len(self._validation[0].samples),
            )
        return self._validation

    def evaluate(
        self, eval_dataset: Dataset | None = None, ignore_keys: list[str] | None = None, metric_key_prefix: str = "eval"
    ) -> dict[str, float]:
        """Micro entity scores of the validation split (``<prefix>_overall_<key>``), logged and returned."""
        if eval_dataset is not None:
            raise ValueError("SpanTrainer.evaluate scores the trainer's own eval_dataset only")
        encoded, gold = self.validation()
        with self.autocast_smart_context_manager():
            entities = predict_encoded(self.model, encoded, self.args.eval_batch_size)
        predicted = [tags_from_entities(found, len(tags)) for found, tags in zip(entities, gold, strict=True)]
        scores = entity_scores(gold, predicted)
        metrics = {f"{metric_key_prefix}_overall_{key}": float(scores[f"overall_{key}"]) for key in OVERALL_KEYS}
        self.log(metrics)
        control = self.control  # type: ignore[has-type]  # set by transformers' Trainer
        self.control = self.callback_handler.on_evaluate(self.args, self.state, control, metrics)
        return metrics
