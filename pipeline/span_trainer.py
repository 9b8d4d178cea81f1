"""SpanMarker's ``Trainer`` with three changes: gradient accumulation averages, batches are padded to what they
hold (optionally of similar length), and the validation split is encoded once per run.

- **Gradient accumulation.** SpanMarker 1.8.1's ``forward(**kwargs)`` makes transformers 4.57 set
  ``model_accepts_loss_kwargs = True``, so the Trainer stops dividing each micro-batch's loss by
  ``gradient_accumulation_steps`` and expects the model to normalise by ``num_items_in_batch``, which
  SpanMarker's mean cross-entropy ignores: with accumulation 2 the gradient, its clipping and the logged loss
  were doubled. ``accepts_loss_kwargs = False`` on the model restores what transformers 4.35 (the original
  project's) computed: the mean of the micro-batches' mean losses.
- **Padding.** :class:`pipeline.collator.PaddedCollator` instead of SpanMarker's full-size collator; with
  ``group_by_length`` the Trainer's own ``LengthGroupedSampler`` draws batches of similar length, fed with the
  sample lengths computed in Arrow (:func:`pipeline.collator.sample_lengths`), so it need not iterate over the
  dataset to find them.
- **Validation.** ``evaluate`` scores the validation split with the pipeline's inference path
  (:mod:`pipeline.inference`, the same decoding and seqeval scores as the evaluate stage) on sentences encoded
  once, where SpanMarker tokenises and spreads the split again at every evaluation. It logs
  ``eval_overall_{precision,recall,f1,accuracy}``, SpanMarker's names.
"""

from __future__ import annotations

import logging
from typing import Any

from datasets import Dataset
from span_marker import SpanMarkerModel, Trainer
from torch.utils.data import Sampler

from pipeline.collator import PaddedCollator, sample_lengths
from pipeline.inference import EncodedSentences, encode, predict_encoded
from pipeline.metrics import OVERALL_KEYS, entity_scores
from pipeline.scoring import gold_tags, tags_from_entities

logger = logging.getLogger(__name__)


class SpanTrainer(Trainer):
    """SpanMarker's ``Trainer`` (same arguments) for a model whose BIO tags are ``tags``, the names of the
    ``ner_tags`` ids of ``eval_dataset``."""

    def __init__(self, model: SpanMarkerModel, tags: list[str], **kwargs: Any) -> None:
        model.accepts_loss_kwargs = False
        super().__init__(model=model, **kwargs)
        self.data_collator = PaddedCollator(model.tokenizer, model.config.marker_max_length)
        self.tags = tags
        self._validation: tuple[EncodedSentences, list[list[str]]] | None = None

    def _get_train_sampler(self, train_dataset: Dataset | None = None) -> Sampler | None:
        dataset = self.train_dataset if train_dataset is None else train_dataset
        if self.args.group_by_length and self.args.length_column_name not in dataset.column_names:
            table = dataset.data.table
            lengths = sample_lengths(table["input_ids"], table["num_spans"])
            dataset = dataset.add_column(self.args.length_column_name, lengths.tolist())
        return super()._get_train_sampler(dataset)

    def validation(self) -> tuple[EncodedSentences, list[list[str]]]:
        """The validation sentences encoded for the model, and their gold BIO tags; computed at the first call."""
        if self._validation is None:
            sentences = [list(words) for words in self.eval_dataset["tokens"]]
            self._validation = (encode(self.model, sentences), gold_tags(list(self.eval_dataset["ner_tags"]),
                                                                          self.tags))
            logger.info("encoded %d validation sentences into %d samples, once for the run", len(sentences),
                        len(self._validation[0].samples))
        return self._validation

    def evaluate(self, eval_dataset: Dataset | None = None, ignore_keys: list[str] | None = None,
                 metric_key_prefix: str = "eval") -> dict[str, float]:
        """Micro entity scores of the validation split (``<prefix>_overall_<key>``), logged and returned."""
        if eval_dataset is not None:
            raise ValueError("SpanTrainer.evaluate scores the trainer's own eval_dataset only")
        encoded, gold = self.validation()
        with self.autocast_smart_context_manager():
            entities = predict_encoded(self.model, encoded, self.args.eval_batch_size)
        predicted = [tags_from_entities(found, len(tags)) for found, tags in zip(entities, gold)]
        scores = entity_scores(gold, predicted)
        metrics = {f"{metric_key_prefix}_overall_{key}": float(scores[f"overall_{key}"]) for key in OVERALL_KEYS}
        self.log(metrics)
        self.control = self.callback_handler.on_evaluate(self.args, self.state, self.control, metrics)
        return metrics
