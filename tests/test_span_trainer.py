"""The project's trainer: gradient accumulation that averages, length-grouped batches, validation encoded once."""

from __future__ import annotations

from pathlib import Path

import pytest
from datasets import Dataset
from span_marker import Trainer
from transformers import BertConfig, BertModel, BertTokenizerFast, TrainingArguments, set_seed
from transformers.trainer_pt_utils import LengthGroupedSampler

import pipeline.span_trainer
from pipeline.collator import sample_length
from pipeline.modeling import build_model
from pipeline.params import ModelParams
from pipeline.scoring import score_model
from pipeline.span_trainer import SpanTrainer

LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
WORDS = [["Anna", "met", "Bob", "in", "Rome", "today"], ["Paris", "is", "far", "from", "Oslo", "now"],
         ["Carl", "left", "Bern", "for", "Nice", "again"], ["Dora", "saw", "Eve", "at", "Kiev", "once"]]
TAGS = [[1, 0, 1, 0, 3, 0], [3, 0, 0, 0, 3, 0], [1, 0, 3, 0, 3, 0], [1, 0, 1, 0, 3, 0]]


@pytest.fixture(scope="module")
def encoder(tiny_encoder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny encoder without dropout, so that two runs over the same samples compute the same gradients."""
    directory = tmp_path_factory.mktemp("no_dropout_encoder")
    config = BertConfig.from_pretrained(tiny_encoder, hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    BertModel.from_pretrained(tiny_encoder, config=config).save_pretrained(directory)
    BertTokenizerFast.from_pretrained(tiny_encoder).save_pretrained(directory)
    return directory


def fresh_model(encoder: Path):
    set_seed(0)
    return build_model(ModelParams(name=str(encoder), revision=None, model_max_length=32, marker_max_length=32,
                                   entity_max_length=4), LABELS)


def first_step_log(trainer_class, encoder: Path, tmp_path: Path, rows: list[int], batch_size: int,
                   accumulation: int, **kwargs) -> dict:
    """The log of one optimizer step over the training sentences ``rows``."""
    args = TrainingArguments(output_dir=str(tmp_path / "out"), per_device_train_batch_size=batch_size,
                             gradient_accumulation_steps=accumulation, max_steps=1, logging_steps=1,
                             learning_rate=1e-3, report_to="none", use_cpu=True, save_strategy="no",
                             eval_strategy="no", seed=0, disable_tqdm=True)
    dataset = Dataset.from_dict({"tokens": [WORDS[row] for row in rows], "ner_tags": [TAGS[row] for row in rows]})
    trainer = trainer_class(model=fresh_model(encoder), args=args, train_dataset=dataset, **kwargs)
    trainer.train()
    return next(entry for entry in trainer.state.log_history if "loss" in entry)


def test_accumulating_two_batches_logs_the_loss_and_gradient_of_one_batch_twice_the_size(encoder, tmp_path):
    # Sentences of equal length: each micro-batch holds as many labelled spans, so the mean of the two
    # micro-batch means is the mean over both.
    accumulated = first_step_log(SpanTrainer, encoder, tmp_path, [0, 1, 2, 3], 2, 2, tags=LABELS)
    whole = first_step_log(SpanTrainer, encoder, tmp_path, [0, 1, 2, 3], 4, 1, tags=LABELS)
    assert accumulated["loss"] == pytest.approx(whole["loss"], rel=1e-4)
    assert accumulated["grad_norm"] == pytest.approx(whole["grad_norm"], rel=1e-4)


def test_a_pair_of_identical_micro_batches_logs_the_loss_of_one(encoder, tmp_path):
    pair = first_step_log(SpanTrainer, encoder, tmp_path, [0, 0], 1, 2, tags=LABELS)
    one = first_step_log(SpanTrainer, encoder, tmp_path, [0], 1, 1, tags=LABELS)
    assert pair["loss"] == pytest.approx(one["loss"], rel=1e-5)
    assert pair["grad_norm"] == pytest.approx(one["grad_norm"], rel=1e-5)
    # What SpanMarker 1.8.1's own trainer does with transformers 4.57: the sum, not the mean.
    stock = first_step_log(Trainer, encoder, tmp_path, [0, 0], 1, 2)
    assert stock["loss"] == pytest.approx(2 * one["loss"], rel=1e-5)


def padded_positions(encoder: Path, tmp_path: Path, group_by_length: bool) -> tuple[object, int, int]:
    """The training sampler, and the positions of one epoch's batches each cut to its longest sample, and of
    their samples alone."""
    words = [WORDS[row % 4][: 1 + row % 6] for row in range(64)]
    dataset = Dataset.from_dict({"tokens": words, "ner_tags": [[0] * len(w) for w in words]})
    args = TrainingArguments(output_dir=str(tmp_path), per_device_train_batch_size=4, group_by_length=group_by_length,
                             report_to="none", use_cpu=True, seed=0)
    set_seed(0)
    trainer = SpanTrainer(model=fresh_model(encoder), tags=LABELS, args=args, train_dataset=dataset)
    loader = trainer.get_train_dataloader()
    sampler = loader.batch_sampler.sampler  # accelerate's loader keeps the Trainer's sampler in its batch sampler
    batches = list(loader)
    lengths = [sample_length(len(row["input_ids"]), row["num_spans"]) for row in trainer.train_dataset]
    assert sum(len(batch["input_ids"]) for batch in batches) == len(lengths)
    longest = [int((batch["start_marker_indices"] + 2 * batch["num_marker_pairs"]).max()) for batch in batches]
    return sampler, sum(top * len(batch["input_ids"]) for top, batch in zip(longest, batches)), sum(lengths)


def test_length_grouped_batches_use_the_trainers_sampler_with_the_collator_lengths(encoder, tmp_path):
    sampler, grouped, content = padded_positions(encoder, tmp_path, group_by_length=True)
    assert isinstance(sampler, LengthGroupedSampler)
    _, random, same_content = padded_positions(encoder, tmp_path, group_by_length=False)
    assert content == same_content
    assert grouped - content < 0.5 * (random - content)


def test_validation_scores_equal_the_evaluate_stage_and_encode_once(encoder, tmp_path, monkeypatch):
    calls = []
    encode = pipeline.span_trainer.encode
    monkeypatch.setattr(pipeline.span_trainer, "encode", lambda *a: calls.append(1) or encode(*a))
    validation = Dataset.from_dict({"tokens": WORDS, "ner_tags": TAGS})
    model = fresh_model(encoder)
    args = TrainingArguments(output_dir=str(tmp_path), per_device_eval_batch_size=2, report_to="none", use_cpu=True)
    trainer = SpanTrainer(model=model, tags=LABELS, args=args, train_dataset=validation, eval_dataset=validation)
    first, second = trainer.evaluate(), trainer.evaluate()
    assert calls == [1] and first == second
    expected, _, _ = score_model(model, validation, LABELS, batch_size=2)
    assert first == {f"eval_overall_{key}": expected[f"test_overall_{key}"]
                     for key in ("precision", "recall", "f1", "accuracy")}
    assert any(entry.get("eval_overall_f1") == first["eval_overall_f1"] for entry in trainer.state.log_history)
