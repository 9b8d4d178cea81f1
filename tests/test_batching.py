"""Batches padded to their longest sample, and the inference path built on them, against stock SpanMarker 1.8.1."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
import torch
from datasets import Dataset
from span_marker import Trainer
from transformers import set_seed

from pipeline.core.params import ModelParams
from pipeline.model.collator import PaddedCollator, sample_length, sample_lengths
from pipeline.model.inference import candidate_spans, encode, model_words, predict_entities
from pipeline.model.modeling import build_model

REPO_ROOT = Path(__file__).resolve().parents[1]
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


def sample_sentences(count: int) -> tuple[list[list[str]], list[list[int]]]:
    """The first ``count`` English test sentences of the embedded sample and PER/LOC tag ids (others are O)."""
    rows = [json.loads(line) for line in (REPO_ROOT / "data/sample/test/test_en.jsonl").read_text().splitlines()]
    keep = {1: 1, 2: 2, 5: 3, 6: 4}  # MultiNERD B-PER, I-PER, B-LOC, I-LOC
    return (
        [row["tokens"] for row in rows[:count]],
        [[keep.get(tag, 0) for tag in row["ner_tags"]] for row in rows[:count]],
    )


def tiny_model(encoder: Path, model_max_length: int, marker_max_length: int, head_std: float = 0.0):
    """A seeded SpanMarker model on the tiny encoder; ``head_std`` > 0 redraws the classifier so that the model
    predicts many entities with spread-out scores."""
    set_seed(0)
    model = build_model(
        ModelParams(
            name=str(encoder),
            revision=None,
            model_max_length=model_max_length,
            marker_max_length=marker_max_length,
            entity_max_length=4,
        ),
        LABELS,
    )
    if head_std:
        torch.nn.init.normal_(model.classifier.weight, std=head_std)
    return model.eval()


def preprocessed(model, tokens: list[list[str]], ner_tags: list[list[int]]) -> Dataset:
    """SpanMarker's own training samples of the sentences."""
    dataset = Dataset.from_dict({"tokens": tokens, "ner_tags": ner_tags})
    trainer = Trainer(model=model, train_dataset=dataset)
    return trainer.preprocess_dataset(dataset, trainer.label_normalizer, model.tokenizer)


def test_a_padded_batch_is_the_stock_batch_cut_to_its_longest_sample(tiny_encoder):
    model = tiny_model(tiny_encoder, model_max_length=32, marker_max_length=32)
    tokens, tags = sample_sentences(6)
    features = list(preprocessed(model, [words[:5] for words in tokens], [t[:5] for t in tags]))
    stock = model.data_collator(features)
    ours = PaddedCollator(model.tokenizer, 32)(features)
    length = ours["input_ids"].shape[1]
    longest = max(sample_length(len(f["input_ids"]), f["num_spans"]) for f in features)
    assert length == -(-longest // 8) * 8 < stock["input_ids"].shape[1] == 96
    assert torch.equal(ours["input_ids"], stock["input_ids"][:, :length])
    assert torch.equal(ours["position_ids"], stock["position_ids"][:, :length])
    assert torch.equal(ours["attention_mask"], stock["attention_mask"][:, :length, :length])
    assert not stock["attention_mask"][:, length:].any() and not stock["attention_mask"][:, :, length:].any()
    assert torch.equal(ours["labels"], stock["labels"][:, : length // 2])
    assert (stock["labels"][:, length // 2 :] == -100).all()
    for key in ("start_marker_indices", "num_marker_pairs"):
        assert torch.equal(ours[key], stock[key]), key
    assert {key: value.dtype for key, value in ours.items()} == {key: value.dtype for key, value in stock.items()}

    with torch.no_grad():
        stock_out, our_out = model(**stock), model(**ours)
    torch.testing.assert_close(our_out.logits, stock_out.logits[:, : length // 2], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(our_out.loss, stock_out.loss, rtol=1e-6, atol=1e-6)


def test_sample_lengths_in_arrow_equal_the_collator_layout(tiny_encoder):
    model = tiny_model(tiny_encoder, model_max_length=32, marker_max_length=8)
    tokens, tags = sample_sentences(10)
    dataset = preprocessed(model, tokens, tags)
    table = dataset.data.table
    expected = [sample_length(len(row["input_ids"]), row["num_spans"]) for row in dataset]
    assert sample_lengths(table["input_ids"], table["num_spans"]).tolist() == expected
    assert sample_lengths(pa.array([[1, 2, 3], [4, 5]]), pa.array([2, 1])).tolist() == [8, 4]


def test_candidate_spans_follow_span_markers_order(tiny_encoder):
    model = tiny_model(tiny_encoder, model_max_length=32, marker_max_length=8)
    for num_words in (0, 1, 3, 9):
        expected = list(model.tokenizer.get_all_valid_spans(num_words, 4))
        assert [tuple(span) for span in candidate_spans(num_words, 4).tolist()] == expected


def test_encoding_spreads_sentences_as_span_marker_does(tiny_encoder):
    model = tiny_model(tiny_encoder, model_max_length=32, marker_max_length=8)
    tokens, _ = sample_sentences(12)
    encoded = encode(model, tokens)
    inputs, _, _ = model_words(model, tokens)
    stock = model.tokenizer({"tokens": inputs}, return_num_words=True)
    spread = Trainer.spread_sample(dict(stock), model_max_length=32, marker_max_length=8)
    keys = ("input_ids", "num_spans", "start_position_ids", "end_position_ids")
    assert [{key: sample[key] for key in keys} for sample in encoded.samples] == [
        dict(zip(keys, values, strict=True)) for values in zip(*(spread[key] for key in keys), strict=True)
    ]
    assert len(set(encoded.sample_sentence.tolist())) == len(tokens) < len(encoded.samples)


@pytest.mark.parametrize("batch_size", [1, 3, 16])
def test_entities_and_scores_equal_stock_predict_in_input_order(tiny_encoder, batch_size):
    # Short markers spread longer sentences over several samples; the redrawn head predicts many entities.
    model = tiny_model(tiny_encoder, model_max_length=40, marker_max_length=12, head_std=2.0)
    tokens, _ = sample_sentences(30)
    sentences = [tokens[i] if i % 3 else tokens[i][:3] for i in range(len(tokens))]  # lengths far from sorted
    ours = predict_entities(model, sentences, batch_size=batch_size)
    stock = model.predict(sentences, batch_size=4)
    assert sum(map(len, stock)) > 50
    assert [[(e["label"], e["word_start_index"], e["word_end_index"]) for e in found] for found in ours] == [
        [(e["label"], e["word_start_index"], e["word_end_index"]) for e in found] for found in stock
    ]
    differences = [
        abs(a["score"] - b["score"]) for x, y in zip(ours, stock, strict=True) for a, b in zip(x, y, strict=True)
    ]
    assert max(differences) <= 1e-5


def test_a_batch_of_several_lengths_predicts_what_each_sentence_alone_predicts(tiny_encoder):
    model = tiny_model(tiny_encoder, model_max_length=40, marker_max_length=12, head_std=2.0)
    tokens, _ = sample_sentences(8)
    together = predict_entities(model, tokens, batch_size=8)
    alone = [predict_entities(model, [words], batch_size=1)[0] for words in tokens]
    assert [[(e["label"], e["word_start_index"]) for e in found] for found in together] == [
        [(e["label"], e["word_start_index"]) for e in found] for found in alone
    ]
    assert np.allclose([e["score"] for f in together for e in f], [e["score"] for f in alone for e in f], atol=1e-5)
