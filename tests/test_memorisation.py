"""Seen and unseen entities: a hand-worked case, and the two groups adding up to the whole."""

import numpy as np
import pyarrow as pa
import pytest

from pipeline.evaluation.entities import tag_strings
from pipeline.evaluation.memorisation import seen_unseen, training_mentions
from pipeline.tagging.metrics import entity_scores

TYPES = ["PER", "LOC"]
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]


def test_mentions_of_the_training_split_from_tag_ids():
    tokens = pa.array([["Anna", "Berg", "saw", "Paris"], ["Paris", "Hilton"]])
    ner_tags = pa.array([[1, 2, 0, 3], [2, 2]])  # the second sentence starts with I-PER: an entity of its own
    seen = training_mentions(tokens, tag_strings(ner_tags, LABELS), TYPES)
    assert seen == {"PER\tAnna Berg", "LOC\tParis", "PER\tParis Hilton"}
    sliced = tag_strings(pa.array([[0], [1, 2, 0, 3], [2, 2]]).slice(1), LABELS)  # offsets not starting at 0
    assert training_mentions(tokens, sliced, TYPES) == seen


def test_a_hand_worked_split():
    seen = {"LOC\tParis", "PER\tAnna"}
    tokens = [["Anna", "flew", "to", "Paris"], ["Paris", "met", "Berlin"]]
    gold = [["B-PER", "O", "O", "B-LOC"], ["B-PER", "O", "B-LOC"]]  # Paris as PER is not the seen Paris
    predicted = [["B-PER", "O", "O", "B-LOC"], ["B-LOC", "O", "B-PER"]]
    found = seen_unseen(seen, tokens, gold, predicted, TYPES)
    # seen gold: Anna PER, Paris LOC, both found; the predicted Paris LOC of sentence 2 is seen but wrong
    assert found["seen"] == {
        "precision": pytest.approx(2 / 3),
        "recall": 1.0,
        "f1": pytest.approx(0.8),
        "gold": 2,
        "predicted": 3,
        "true_positives": 2,
    }
    # unseen gold: Paris PER and Berlin LOC, both missed; the predicted Berlin PER is unseen and wrong
    assert found["unseen"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "gold": 2,
        "predicted": 1,
        "true_positives": 0,
    }
    assert found["types"]["LOC"]["seen"]["gold"] == 1 and found["types"]["PER"]["unseen"]["gold"] == 1


def test_the_groups_add_up_to_the_overall_counts():
    rng = np.random.default_rng(4)
    words = ["Anna", "Paris", "Oslo", "Bo", "and", "in"]
    tokens = [[words[i] for i in rng.integers(0, len(words), rng.integers(1, 7))] for _ in range(80)]
    gold = [[("O", "B-PER", "I-PER", "B-LOC")[i] for i in rng.integers(0, 4, len(row))] for row in tokens]
    predicted = [[tag if rng.random() < 0.7 else "O" for tag in row] for row in gold]
    seen = training_mentions(pa.array(tokens[:40]), pa.array(gold[:40]), TYPES)
    found = seen_unseen(seen, tokens[40:], gold[40:], predicted[40:], TYPES)
    overall = entity_scores(gold[40:], predicted[40:])
    gold_total = sum(overall[t]["number"] for t in TYPES)
    assert found["seen"]["gold"] + found["unseen"]["gold"] == gold_total
    assert found["seen"]["gold"] > 0 and found["unseen"]["gold"] > 0
    true_positives = found["seen"]["true_positives"] + found["unseen"]["true_positives"]
    assert true_positives / gold_total == pytest.approx(overall["overall_recall"])
    predicted_total = found["seen"]["predicted"] + found["unseen"]["predicted"]
    assert true_positives / predicted_total == pytest.approx(overall["overall_precision"])
