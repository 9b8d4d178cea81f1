"""The analyze stage's A-vs-B comparison: System A restricted to B's types, scored on B's gold."""

import pytest

from pipeline.stages.analyze import compare_on_types
from pipeline.core.exceptions import DataError

B_TYPES = {"PER", "ORG", "LOC", "ANIM", "DIS"}


def test_a_restricted_to_b_types_is_scored_on_b_gold():
    # System A's view of one sentence (15 types) and System B's gold and prediction for the same sentence.
    gold_a = [["B-PER", "O", "B-FOOD", "B-LOC", "I-LOC"]]
    pred_a = [["B-PER", "O", "B-PLANT", "B-ORG", "I-ORG"]]
    gold_b = [["B-PER", "O", "O", "B-LOC", "I-LOC"]]
    pred_b = [["B-PER", "O", "O", "B-LOC", "I-LOC"]]
    scores = compare_on_types(gold_a, pred_a, gold_b, pred_b, B_TYPES)
    # A: PER right; the FOOD/PLANT pair vanishes; LOC predicted as ORG is wrong: P = R = 1/2. B: all right.
    a = scores["A_on_B_types"]
    assert (a["overall_precision"], a["overall_recall"]) == (pytest.approx(0.5), pytest.approx(0.5))
    assert set(a) - {"overall_precision", "overall_recall", "overall_f1", "overall_accuracy"} == {"PER", "LOC", "ORG"}
    assert scores["B"]["overall_f1"] == 1.0


def test_different_test_sets_are_an_error():
    gold_a = [["B-PER", "O"]]
    gold_b = [["O", "B-LOC"]]
    with pytest.raises(DataError, match="test sets differ once restricted to B's types"):
        compare_on_types(gold_a, gold_a, gold_b, gold_b, B_TYPES)
