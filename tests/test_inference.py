"""The shared inference path takes any words: none of them crashes SpanMarker, and indices stay the caller's."""

from __future__ import annotations

import pytest
from datasets import Dataset
from span_marker import SpanMarkerModel

from pipeline.evaluation.scoring import score_model
from pipeline.model.inference import predict_entities

LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
SENTENCES = [
    [],
    ["\u00a0"],
    ["\u200b", "", "\ufffd", "\u0308"],
    ["Paris", " ", "is", "in", "France", "."],
    ["New York", "City", "\u200b", "is", "big", "."],
    [" Rome ", "\t", "Anna", "\u2028"],
]


@pytest.fixture(scope="module")
def model(model_dir) -> SpanMarkerModel:
    return SpanMarkerModel.from_pretrained(str(model_dir))


def test_any_words_give_entities_within_their_sentence(model):
    entities = predict_entities(model, SENTENCES, batch_size=2)
    assert len(entities) == len(SENTENCES)
    assert entities[0] == entities[1] == entities[2] == []
    for found, words in zip(entities, SENTENCES, strict=True):
        for entity in found:
            assert 0 <= entity["word_start_index"] < entity["word_end_index"] <= len(words)
            assert words[entity["word_start_index"]].strip("\u200b\u2028\t ")


def test_scoring_a_test_split_with_such_words_completes(model):
    test = Dataset.from_dict({"tokens": SENTENCES, "ner_tags": [[0] * len(words) for words in SENTENCES]})
    metrics, _, predicted = score_model(model, test, LABELS, batch_size=2)
    assert [len(tags) for tags in predicted] == [len(words) for words in SENTENCES]
    assert metrics["test_overall_precision"] == 0.0
