"""Span-level error analysis: hand-checked pairings, totals, ordering and matrices."""

from __future__ import annotations

import random

import numpy as np
import pytest
from seqeval.metrics.sequence_labeling import get_entities

from pipeline.evaluation.span_errors import (
    axis_types,
    confusion_matrix,
    error_summary,
    match_sentence,
    span_confusion,
    top_confusions,
)
from pipeline.tagging.metrics import entity_scores

# (name, gold tags, predicted tags, expected pairs (kind, gold type, predicted type)). Spans are (first, last) tokens.
CASES = [
    # PER(0,1) predicted with the same span and type.
    ("exact correct", ["B-PER", "I-PER", "O"], ["B-PER", "I-PER", "O"], [("exact", "PER", "PER")]),
    # LOC(0,0) predicted as ORG(0,0): same span, other type.
    ("type error", ["B-LOC", "O"], ["B-ORG", "O"], [("exact", "LOC", "ORG")]),
    # PER(0,2) vs PER(0,1): no exact span, overlap 2 tokens.
    (
        "boundary same type",
        ["B-PER", "I-PER", "I-PER", "O"],
        ["B-PER", "I-PER", "O", "O"],
        [("boundary", "PER", "PER")],
    ),
    # ORG(1,2), ending the sentence, vs LOC(1,1): overlap 1 token, other type.
    ("boundary other type", ["O", "B-ORG", "I-ORG"], ["O", "B-LOC", "O"], [("boundary", "ORG", "LOC")]),
    # LOC(0,0), nothing predicted.
    ("missed", ["B-LOC", "O"], ["O", "O"], [("missed", "LOC", "O")]),
    # Nothing gold, PER(1,1) predicted at the sentence end.
    ("spurious", ["O", "O"], ["O", "B-PER"], [("spurious", "O", "PER")]),
    # ORG(0,3) vs ORG(0,0) (overlap 1) and PER(1,3) (overlap 3): the larger overlap wins even with the wrong
    # type and the later start; ORG(0,0) is left over as spurious.
    (
        "two predictions, larger overlap wins",
        ["B-ORG", "I-ORG", "I-ORG", "I-ORG"],
        ["B-ORG", "B-PER", "I-PER", "I-PER"],
        [("boundary", "ORG", "PER"), ("spurious", "O", "ORG")],
    ),
    # PER(0,3) vs PER(0,1) and LOC(2,3), both overlap 2: the tie goes to the earlier PER(0,1); LOC is spurious.
    (
        "two predictions, tie to earliest",
        ["B-PER", "I-PER", "I-PER", "I-PER"],
        ["B-PER", "I-PER", "B-LOC", "I-LOC"],
        [("boundary", "PER", "PER"), ("spurious", "O", "LOC")],
    ),
    # LOC(1,2) ends the sentence and is predicted exactly.
    ("exact at sentence end", ["O", "B-LOC", "I-LOC"], ["O", "B-LOC", "I-LOC"], [("exact", "LOC", "LOC")]),
    ("empty sentence", [], [], []),
    ("all O", ["O", "O", "O"], ["O", "O", "O"], []),
    # seqeval's lenient reading: I-PER I-PER is the entity PER(0,1), so this is exact and correct.
    ("lenient I- start", ["B-PER", "I-PER"], ["I-PER", "I-PER"], [("exact", "PER", "PER")]),
    # PER(0,0) and LOC(1,3) vs ORG(0,2): overlaps 1 and 2, so LOC takes ORG (although PER comes first) and PER
    # is missed. Pairs are listed in gold order.
    (
        "one prediction, two golds",
        ["B-PER", "B-LOC", "I-LOC", "I-LOC"],
        ["B-ORG", "I-ORG", "I-ORG", "O"],
        [("missed", "PER", "O"), ("boundary", "LOC", "ORG")],
    ),
]
REFERENCES = [gold for _, gold, _, _ in CASES]
PREDICTIONS = [predicted for _, _, predicted, _ in CASES]

# All pairs of CASES counted, sorted by kind (exact, boundary, missed, spurious), gold type, predicted type.
EXPECTED_ROWS = [
    {"kind": "exact", "gold": "LOC", "predicted": "LOC", "count": 1},  # exact at sentence end
    {"kind": "exact", "gold": "LOC", "predicted": "ORG", "count": 1},  # type error
    {"kind": "exact", "gold": "PER", "predicted": "PER", "count": 2},  # exact correct, lenient I- start
    {"kind": "boundary", "gold": "LOC", "predicted": "ORG", "count": 1},  # one prediction, two golds
    {"kind": "boundary", "gold": "ORG", "predicted": "LOC", "count": 1},  # boundary other type
    {"kind": "boundary", "gold": "ORG", "predicted": "PER", "count": 1},  # larger overlap wins
    {"kind": "boundary", "gold": "PER", "predicted": "PER", "count": 2},  # boundary same type, tie to earliest
    {"kind": "missed", "gold": "LOC", "predicted": "O", "count": 1},  # missed
    {"kind": "missed", "gold": "PER", "predicted": "O", "count": 1},  # one prediction, two golds
    {"kind": "spurious", "gold": "O", "predicted": "LOC", "count": 1},  # tie to earliest
    {"kind": "spurious", "gold": "O", "predicted": "ORG", "count": 1},  # larger overlap wins
    {"kind": "spurious", "gold": "O", "predicted": "PER", "count": 1},  # spurious
]


@pytest.mark.parametrize(("name", "gold", "predicted", "expected"), CASES, ids=[case[0] for case in CASES])
def test_match_sentence_hand_checked(name, gold, predicted, expected):
    assert match_sentence(gold, predicted) == expected


def test_span_confusion_aggregates_and_sorts():
    assert span_confusion(REFERENCES, PREDICTIONS) == EXPECTED_ROWS


def test_error_summary_hand_checked_and_invariants():
    summary = error_summary(span_confusion(REFERENCES, PREDICTIONS))
    # Gold entities per case: 1+1+1+1+1+0+1+1+1+0+0+1+2 = 11; predicted: 1+1+1+1+0+1+2+2+1+0+0+1+1 = 12.
    assert summary == {
        "gold_entities": 11,
        "predicted_entities": 12,
        "correct": 3,
        "type_errors": 1,
        "boundary_errors": 5,
        "boundary_same_type": 2,
        "boundary_other_type": 3,
        "missed": 2,
        "spurious": 3,
    }
    assert summary["gold_entities"] == sum(len(get_entities(tags)) for tags in REFERENCES)
    assert summary["predicted_entities"] == sum(len(get_entities(tags)) for tags in PREDICTIONS)
    matched = summary["correct"] + summary["type_errors"] + summary["boundary_errors"]
    assert matched + summary["missed"] == summary["gold_entities"]
    assert matched + summary["spurious"] == summary["predicted_entities"]


def test_correct_agrees_with_seqeval():
    # seqeval counts 3 true positives of 11 gold and 12 predicted entities, like the exact same-type pairs.
    summary = error_summary(span_confusion(REFERENCES, PREDICTIONS))
    scores = entity_scores(REFERENCES, PREDICTIONS)
    assert scores["overall_precision"] == pytest.approx(summary["correct"] / summary["predicted_entities"])
    assert scores["overall_recall"] == pytest.approx(summary["correct"] / summary["gold_entities"])


def test_random_sequences_keep_invariants_and_match_seqeval():
    rng = random.Random(0)
    tags = ["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC", "I-ORG"]  # I- after O / another type on purpose
    lengths = [rng.randint(0, 12) for _ in range(300)]
    references = [[rng.choice(tags) for _ in range(n)] for n in lengths]
    predictions = [[rng.choice(tags) for _ in range(n)] for n in lengths]
    summary = error_summary(span_confusion(references, predictions))  # raises if an invariant breaks
    scores = entity_scores(references, predictions)
    assert summary["gold_entities"] == sum(len(get_entities(s)) for s in references) > 0
    assert summary["predicted_entities"] == sum(len(get_entities(s)) for s in predictions) > 0
    assert summary["correct"] == round(scores["overall_recall"] * summary["gold_entities"])
    assert summary["correct"] == round(scores["overall_precision"] * summary["predicted_entities"])
    assert summary["boundary_errors"] > 0 and summary["type_errors"] > 0


def test_empty_and_all_outside_corpus():
    rows = span_confusion([[], ["O", "O"]], [[], ["O", "O"]])
    assert rows == []
    assert error_summary(rows) == dict.fromkeys(
        [
            "gold_entities",
            "predicted_entities",
            "correct",
            "type_errors",
            "boundary_errors",
            "boundary_same_type",
            "boundary_other_type",
            "missed",
            "spurious",
        ],
        0,
    )
    assert top_confusions(rows) == []
    assert confusion_matrix(rows, ["exact"], ["PER"]).tolist() == [[0, 0], [0, 0]]


def test_top_confusions_order_and_shares():
    rows = span_confusion(REFERENCES, PREDICTIONS)
    # 11 errors: type 1 + boundary 5 + missed 2 + spurious 3. The count-2 boundary PER->PER comes first;
    # exact PER->PER (also 2) is correct and left out; the count-1 rows follow by kind, gold, predicted.
    top = top_confusions(rows, n=3)
    assert [(row["kind"], row["gold"], row["predicted"], row["count"]) for row in top] == [
        ("boundary", "PER", "PER", 2),
        ("exact", "LOC", "ORG", 1),
        ("boundary", "LOC", "ORG", 1),
    ]
    assert top[0]["share_of_errors"] == pytest.approx(2 / 11)
    assert top[0]["per_gold_entity"] == pytest.approx(2 / 11)
    assert top[1]["share_of_errors"] == pytest.approx(1 / 11)
    everything = top_confusions(rows, n=100)
    assert len(everything) == 10  # 12 rows less the two correct ones
    assert [row["kind"] for row in everything][-3:] == ["spurious"] * 3
    assert [row["predicted"] for row in everything][-3:] == ["LOC", "ORG", "PER"]
    assert sum(row["share_of_errors"] for row in everything) == pytest.approx(1.0)
    assert top_confusions(rows, n=0) == []
    with pytest.raises(ValueError):
        top_confusions(rows, n=-1)


def test_confusion_matrix_cells():
    rows = span_confusion(REFERENCES, PREDICTIONS)
    types = ["PER", "LOC", "ORG"]  # not alphabetical: the matrix must follow this order, then O
    exact = confusion_matrix(rows, ["exact", "missed", "spurious"], types)
    assert exact.tolist() == [
        # PER LOC ORG  O     (predicted)
        [2, 0, 0, 1],  # PER: 2 correct, 1 missed
        [0, 1, 1, 1],  # LOC: 1 correct, 1 as ORG, 1 missed
        [0, 0, 0, 0],  # ORG: never exact
        [1, 1, 1, 0],  # O: spurious PER, LOC, ORG
    ]
    boundary = confusion_matrix(rows, ["boundary"], types)
    assert boundary.tolist() == [[2, 0, 0, 0], [0, 0, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0]]
    # Every gold entity is in one row (not O), every predicted entity in one column (not O).
    both = exact + boundary
    assert both[:-1].sum() == 11
    assert both[:, :-1].sum() == 12
    assert confusion_matrix(rows, ["missed"], types)[:, -1].tolist() == [1, 1, 0, 0]


def test_bad_inputs_are_errors():
    rows = span_confusion(REFERENCES, PREDICTIONS)
    with pytest.raises(ValueError, match="type not in"):
        confusion_matrix(rows, ["exact"], ["PER", "LOC"])  # LOC->ORG needs ORG
    with pytest.raises(ValueError, match="unknown kinds"):
        confusion_matrix(rows, ["exakt"], ["PER", "LOC", "ORG"])
    with pytest.raises(ValueError, match="sentences"):
        span_confusion([["O"]], [])
    with pytest.raises(ValueError, match="tags"):
        span_confusion([["O", "O"]], [["O"]])
    with pytest.raises(ValueError):  # a missed entity must have a gold type: the gold invariant catches it
        error_summary([{"kind": "missed", "gold": "O", "predicted": "O", "count": 1}])
    with pytest.raises(ValueError):
        error_summary([{"kind": "spurious", "gold": "PER", "predicted": "LOC", "count": 1}])


def test_axis_types_appends_unknown_types_sorted():
    rows = span_confusion(REFERENCES, PREDICTIONS)
    assert axis_types(rows, ["PER"]) == ["PER", "LOC", "ORG"]
    assert axis_types(rows, ["ORG", "PER", "LOC"]) == ["ORG", "PER", "LOC"]


def test_matrix_dtype_is_integer():
    matrix = confusion_matrix(span_confusion(REFERENCES, PREDICTIONS), ["exact"], ["PER", "LOC", "ORG"])
    assert np.issubdtype(matrix.dtype, np.integer)


def test_examples_are_the_first_sentences_of_each_confusion_in_test_order():
    from pipeline.evaluation.span_errors import confusion_examples

    tokens = [["Anna", "in", "Oslo"], ["Oslo"], ["Bergen", "FC"], ["Oslo", "again"], ["Rome"]]
    gold = [["B-PER", "O", "B-LOC"], ["B-LOC"], ["B-ORG", "I-ORG"], ["B-LOC", "O"], ["B-LOC"]]
    predicted = [["B-PER", "O", "B-ORG"], ["B-ORG"], ["B-LOC", "O"], ["B-ORG", "O"], ["O"]]
    rows = [
        {"kind": "exact", "gold": "LOC", "predicted": "ORG", "count": 3},
        {"kind": "missed", "gold": "LOC", "predicted": "O", "count": 1},
        {"kind": "spurious", "gold": "O", "predicted": "PER", "count": 0},
    ]
    examples = confusion_examples(tokens, gold, predicted, rows, k=2)
    assert [row["kind"] for row in examples] == ["exact", "missed", "spurious"]
    first = examples[0]["examples"]
    assert [e["sentence"] for e in first] == [0, 1]  # the first two of sentences 0, 1 and 3
    assert first[0]["gold"] == [["PER", 0, 0], ["LOC", 2, 2]]
    assert first[0]["predicted"] == [["PER", 0, 0], ["ORG", 2, 2]]
    assert first[0]["focus"] == {"gold": ["LOC", 2, 2], "predicted": ["ORG", 2, 2]}
    assert [(e["sentence"], e["focus"]) for e in examples[1]["examples"]] == [
        (4, {"gold": ["LOC", 0, 0], "predicted": None})
    ]
    assert examples[2]["examples"] == []
    assert confusion_examples(tokens, gold, predicted, rows, k=2) == examples  # deterministic
    examples = confusion_examples(tokens, gold, predicted, rows[:1], k=5)[0]["examples"]
    assert [example["sentence"] for example in examples] == [0, 1, 3]
    with pytest.raises(ValueError, match="sentences"):
        confusion_examples(tokens[:2], gold, predicted, rows)


def test_marked_sentence_brackets_entities_and_bolds_the_focus():
    from pipeline.reporting.markdown import marked_sentence

    tokens = ["New", "York", "*", "loves", "Anna"]
    text = marked_sentence(tokens, [["LOC", 0, 1], ["PER", 4, 4]], focus=["PER", 4, 4])
    assert text == "[New York]<sub>LOC</sub> \\* loves **[Anna]**<sub>PER</sub>"
    assert marked_sentence(["a"], []) == "a"
    with pytest.raises(ValueError, match="outside"):
        marked_sentence(["a"], [["LOC", 0, 1]])
