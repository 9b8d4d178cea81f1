"""The project's trainer: gradient accumulation that averages, length-grouped batches, validation encoded once."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import torch
from datasets import Dataset
from span_marker import Trainer
from transformers import BertConfig, BertModel, BertTokenizerFast, TrainingArguments, set_seed
from transformers.trainer_pt_utils import LengthGroupedSampler

import pipeline.model.span_trainer
from pipeline.core.params import ModelParams
from pipeline.evaluation.scoring import score_model
from pipeline.model.collator import PaddedCollator, chunk_bounds, padded_length, sample_length
from pipeline.model.modeling import build_model
from pipeline.model.span_trainer import SpanTrainer

LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
WORDS = [
    ["Anna", "met", "Bob", "in", "Rome", "today"],
    ["Paris", "is", "far", "from", "Oslo", "now"],
    ["Carl", "left", "Bern", "for", "Nice", "again"],
    ["Dora", "saw", "Eve", "at", "Kiev", "once"],
]
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
    return build_model(
        ModelParams(name=str(encoder), revision=None, model_max_length=32, marker_max_length=32, entity_max_length=4),
        LABELS,
    )


def first_step_log(
    trainer_class, encoder: Path, tmp_path: Path, rows: list[int], batch_size: int, accumulation: int, **kwargs
) -> dict:
    """The log of one optimizer step over the training sentences ``rows``."""
    args = TrainingArguments(
        output_dir=str(tmp_path / "out"),
        per_device_train_batch_size=batch_size,
        gradient_accumulation_steps=accumulation,
        max_steps=1,
        logging_steps=1,
        learning_rate=1e-3,
        report_to="none",
        use_cpu=True,
        save_strategy="no",
        eval_strategy="no",
        seed=0,
        disable_tqdm=True,
    )
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
    """The training sampler, and the positions of one epoch's batches, each padded in one piece to its longest
    sample, and of their samples alone."""
    words = [WORDS[row % 4][: 1 + row % 6] for row in range(64)]
    dataset = Dataset.from_dict({"tokens": words, "ner_tags": [[0] * len(w) for w in words]})
    args = TrainingArguments(
        output_dir=str(tmp_path),
        per_device_train_batch_size=4,
        group_by_length=group_by_length,
        report_to="none",
        use_cpu=True,
        seed=0,
    )
    set_seed(0)
    trainer = SpanTrainer(model=fresh_model(encoder), tags=LABELS, args=args, train_dataset=dataset)
    loader = trainer.get_train_dataloader()
    sampler = loader.batch_sampler.sampler  # accelerate's loader keeps the Trainer's sampler in its batch sampler
    batches = [batch["chunks"] for batch in loader]
    lengths = [sample_length(len(row["input_ids"]), row["num_spans"]) for row in trainer.train_dataset]
    assert sum(len(chunk["input_ids"]) for chunks in batches for chunk in chunks) == len(lengths)
    # A batch's longest sample over all its chunks, times its samples: its positions padded in one piece.
    longest = [
        max(int((chunk["start_marker_indices"] + 2 * chunk["num_marker_pairs"]).max()) for chunk in chunks)
        for chunks in batches
    ]
    return (
        sampler,
        sum(top * sum(len(c["input_ids"]) for c in chunks) for top, chunks in zip(longest, batches, strict=True)),
        sum(lengths),
    )


def test_length_grouped_batches_use_the_trainers_sampler_with_the_collator_lengths(encoder, tmp_path):
    sampler, grouped, content = padded_positions(encoder, tmp_path, group_by_length=True)
    assert isinstance(sampler, LengthGroupedSampler)
    _, random, same_content = padded_positions(encoder, tmp_path, group_by_length=False)
    assert content == same_content
    assert grouped - content < 0.5 * (random - content)


def test_validation_scores_equal_the_evaluate_stage_and_encode_once(encoder, tmp_path, monkeypatch):
    calls = []
    encode = pipeline.model.span_trainer.encode
    monkeypatch.setattr(pipeline.model.span_trainer, "encode", lambda *a: calls.append(1) or encode(*a))
    validation = Dataset.from_dict({"tokens": WORDS, "ner_tags": TAGS})
    model = fresh_model(encoder)
    args = TrainingArguments(output_dir=str(tmp_path), per_device_eval_batch_size=2, report_to="none", use_cpu=True)
    trainer = SpanTrainer(model=model, tags=LABELS, args=args, train_dataset=validation, eval_dataset=validation)
    first, second = trainer.evaluate(), trainer.evaluate()
    assert calls == [1] and first == second
    expected, _, _ = score_model(model, validation, LABELS, batch_size=2)
    assert first == {
        f"eval_overall_{key}": expected[f"test_overall_{key}"] for key in ("precision", "recall", "f1", "accuracy")
    }
    assert any(entry.get("eval_overall_f1") == first["eval_overall_f1"] for entry in trainer.state.log_history)


def test_a_batch_in_chunks_has_the_loss_and_gradient_of_the_batch_in_one_piece(encoder, tmp_path):
    words = [WORDS[row % 4][: 1 + row % 6] for row in range(12)]
    dataset = Dataset.from_dict({"tokens": words, "ner_tags": [TAGS[row % 4][: 1 + row % 6] for row in range(12)]})
    args = TrainingArguments(output_dir=str(tmp_path), report_to="none", use_cpu=True)
    trainer = SpanTrainer(model=fresh_model(encoder), tags=LABELS, args=args, train_dataset=dataset)
    features = list(trainer.preprocess_dataset(dataset, trainer.label_normalizer, trainer.model.tokenizer))
    chunked = trainer.data_collator(features)
    whole = PaddedCollator(trainer.model.tokenizer, trainer.model.config.marker_max_length)(features)
    assert len(chunked["chunks"]) > 1
    assert sum(chunk["input_ids"].numel() for chunk in chunked["chunks"]) < whole["input_ids"].numel()
    assert sum(int((chunk["labels"] != -100).sum()) for chunk in chunked["chunks"]) == int(
        (whole["labels"] != -100).sum()
    )

    model = trainer.model.eval()  # no dropout: both passes compute the same function
    gradients = []
    for batch in (chunked, whole):
        model.zero_grad()
        loss = trainer.compute_loss(model, batch)
        loss.backward()
        gradients.append(
            (float(loss.detach()), torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None]))
        )
    assert gradients[0][0] == pytest.approx(gradients[1][0], rel=1e-6)
    torch.testing.assert_close(gradients[0][1], gradients[1][1], rtol=1e-4, atol=1e-7)


def test_chunk_bounds_minimise_the_padded_positions():
    full = 512
    lengths = [10, 12, 14, 200, 210, 500]
    bounds = chunk_bounds(lengths, full, max_chunks=3)
    assert bounds == [0, 3, 5, 6]  # 3 x 16 + 2 x 216 + 1 x 504 positions
    assert chunk_bounds(lengths, full, max_chunks=1) == [0, 6]
    assert chunk_bounds([100] * 5, full) == [0, 5]  # equal lengths: one chunk, nothing to save
    assert chunk_bounds([], full) == [0]
    best = min(
        sum((b - a) * padded_length(lengths[b - 1], full) for a, b in itertools.pairwise(c))
        for c in ([0, i, j, 6] for i in range(1, 6) for j in range(i + 1, 6))
    )
    assert sum((b - a) * padded_length(lengths[b - 1], full) for a, b in itertools.pairwise(bounds)) == best
