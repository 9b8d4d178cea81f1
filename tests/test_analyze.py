"""The analyze stage's comparisons on shared types: the other system restricted to the types both keep, scored
on the same gold tags as the declaring system."""

import pytest

from pipeline.core.exceptions import DataError
from pipeline.stages.analyze import compare_on_types, comparisons

B_TYPES = {"PER", "ORG", "LOC", "ANIM", "DIS"}
# System A's view of one sentence (15 types) and System B's gold and prediction for the same sentence.
A_TAGS = ([["B-PER", "O", "B-FOOD", "B-LOC", "I-LOC"]], [["B-PER", "O", "B-PLANT", "B-ORG", "I-ORG"]])
B_TAGS = ([["B-PER", "O", "O", "B-LOC", "I-LOC"]], [["B-PER", "O", "O", "B-LOC", "I-LOC"]])


def test_a_restricted_to_b_types_is_scored_on_b_gold():
    result = compare_on_types("B", B_TAGS, "A", A_TAGS, B_TYPES)
    assert (result["system"], result["other"], result["types"]) == ("B", "A", sorted(B_TYPES))
    # A: PER right; the FOOD/PLANT pair vanishes; LOC predicted as ORG is wrong: P = R = 1/2. B: all right.
    a = result["scores"]["A"]
    assert (a["overall_precision"], a["overall_recall"]) == (pytest.approx(0.5), pytest.approx(0.5))
    assert set(a) - {"overall_precision", "overall_recall", "overall_f1", "overall_accuracy"} == {"PER", "LOC", "ORG"}
    assert result["scores"]["B"]["overall_f1"] == 1.0


def test_partly_shared_types_restrict_both_sides():
    # C keeps PER and FOOD, B keeps PER ORG LOC ANIM DIS: they share PER only, so C's FOOD and B's LOC drop out.
    c_tags = ([["B-PER", "O", "B-FOOD", "O", "O"]], [["O", "O", "B-FOOD", "O", "O"]])
    found = comparisons(
        {"B": (), "C": ("B",)}, {"B": sorted(B_TYPES), "C": ["PER", "FOOD"]}, {"B": B_TAGS, "C": c_tags}
    )
    assert list(found) == ["B_on_C_types"]
    detail = found["B_on_C_types"]
    assert detail["types"] == ["PER"]
    assert detail["scores"]["B"]["overall_f1"] == 1.0  # B found the one PER
    assert detail["scores"]["C"]["overall_recall"] == 0.0  # C missed it; its FOOD hit does not count here
    assert set(detail["scores"]["C"]) - {"overall_precision", "overall_recall", "overall_f1", "overall_accuracy"} == {
        "PER"
    }


def test_different_test_sets_are_an_error_naming_both_systems():
    with pytest.raises(DataError, match="test sets of B and A differ once restricted to the types both keep"):
        compare_on_types("B", ([["B-PER", "O"]], [["B-PER", "O"]]), "A", ([["O", "B-LOC"]], [["O", "B-LOC"]]), B_TYPES)
