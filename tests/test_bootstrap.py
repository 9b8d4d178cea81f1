"""The paired bootstrap: counts per sentence, resampled scores against seqeval on the resampled sentences, and
intervals of differences."""

import numpy as np
import pytest

from pipeline.core.exceptions import DataError
from pipeline.evaluation.bootstrap import (
    CHUNK,
    difference_interval,
    interval,
    ratios,
    resample_weights,
    resampled_totals,
    score_intervals,
    sentence_counts,
)
from pipeline.stages.analyze import intervals
from pipeline.tagging.metrics import entity_scores

TYPES = ["PER", "LOC", "ORG"]


def test_counts_of_a_hand_worked_case():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"], ["O", "O"]]
    predicted = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "O"], ["B-PER", "O"]]
    counts = sentence_counts(gold, predicted, TYPES)
    assert counts.shape == (3, 3, 3) and counts.dtype == np.int32
    # sentence 0: PER right; LOC missed; ORG spurious. 1: ORG right. 2: PER spurious.
    assert counts[0].tolist() == [[1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert counts[1].tolist() == [[0, 0, 0], [0, 0, 0], [1, 0, 0]]
    assert counts[2].tolist() == [[0, 1, 0], [0, 0, 0], [0, 0, 0]]
    overall = ratios(counts.sum(axis=(0, 1)))  # TP 2, FP 2, FN 1
    assert (overall["precision"], overall["recall"], overall["f1"]) == (0.5, pytest.approx(2 / 3), pytest.approx(4 / 7))
    per_type = ratios(counts.sum(axis=0))
    assert per_type["f1"].tolist() == [pytest.approx(2 / 3), 0.0, pytest.approx(2 / 3)]  # LOC: no TP at all


def random_tags(rng: np.random.Generator, sentences: int) -> list[list[str]]:
    tags = []
    for _ in range(sentences):
        row = []
        for _ in range(rng.integers(1, 9)):
            kind = rng.integers(0, 4)
            row.append("O" if kind == 0 else f"{'BI'[kind % 2]}-{TYPES[rng.integers(0, 3)]}")
        tags.append(row)
    return tags


@pytest.fixture(scope="module")
def systems():
    rng = np.random.default_rng(0)
    gold = random_tags(rng, 60)
    first = [[tag if rng.random() < 0.8 else "O" for tag in row] for row in gold]  # close to gold
    second = [[row[0], *random_tags(rng, 1)[0][: len(row) - 1]] + ["O"] * 0 for row in gold]
    second = [(row + ["O"] * len(ref))[: len(ref)] for row, ref in zip(second, gold, strict=True)]
    return gold, first, second


def test_point_scores_equal_seqeval(systems):
    gold, first, _ = systems
    counts = sentence_counts(gold, first, TYPES)
    scores = entity_scores(gold, first)
    result = score_intervals(counts, TYPES, resampled_totals([counts], 10, 0)[0])
    for metric in ("precision", "recall", "f1"):
        assert result["overall"][metric]["score"] == pytest.approx(scores[f"overall_{metric}"], abs=1e-12)
        for entity_type in TYPES:
            assert result["types"][entity_type][metric]["score"] == pytest.approx(
                scores[entity_type][metric], abs=1e-12
            )
    assert all(result["types"][t]["number"] == scores[t]["number"] for t in TYPES)


def test_resampled_scores_equal_seqeval_on_the_resampled_sentences(systems, monkeypatch):
    """The slow reference: draw the same sentences, build the resampled test set, score it with seqeval."""
    from pipeline.evaluation import bootstrap

    monkeypatch.setattr(bootstrap, "CHUNK", 16)
    gold, first, second = systems
    resamples, seed = 40, 7  # three blocks of draws
    totals = resampled_totals(
        [sentence_counts(gold, first, TYPES), sentence_counts(gold, second, TYPES)], resamples, seed
    )
    rng = np.random.default_rng(seed)
    for row in range(resamples):
        draw = rng.integers(0, len(gold), len(gold))
        resampled_gold = [gold[i] for i in draw]
        for position, predicted in enumerate((first, second)):
            reference = entity_scores(resampled_gold, [predicted[i] for i in draw])
            fast = ratios(totals[position][row].sum(axis=0))
            assert fast["f1"] == pytest.approx(reference["overall_f1"], abs=1e-12), (row, position)
            by_type = ratios(totals[position][row])
            for column, entity_type in enumerate(TYPES):
                expected = reference.get(entity_type, {"f1": 0.0})["f1"]
                assert by_type["f1"][column] == pytest.approx(expected, abs=1e-12), (row, entity_type)


def test_weights_are_multiplicities_of_each_draw():
    blocks = list(resample_weights(5, CHUNK + 1, 3))
    assert [block.shape for block in blocks] == [(CHUNK, 5), (1, 5)]
    assert all((block.sum(axis=1) == 5).all() for block in blocks)
    rng = np.random.default_rng(3)
    first = rng.integers(0, 5, 5)
    assert blocks[0][0].tolist() == np.bincount(first, minlength=5).tolist()


def test_paired_difference_interval(systems):
    gold, first, second = systems
    mine, theirs = sentence_counts(gold, first, TYPES), sentence_counts(gold, second, TYPES)
    totals = resampled_totals([mine, theirs], 500, 1)
    result = difference_interval(mine, theirs, *totals)
    expected = entity_scores(gold, first)["overall_f1"] - entity_scores(gold, second)["overall_f1"]
    assert result["difference"] == pytest.approx(expected, abs=1e-12) and result["difference"] > 0.3
    paired = ratios(totals[0].sum(axis=1))["f1"] - ratios(totals[1].sum(axis=1))["f1"]
    assert result["interval"] == interval(paired) and result["interval"][0] > 0 and result["significant"]
    same = difference_interval(mine, mine, totals[0], totals[0])
    assert same == {"difference": 0.0, "interval": [0.0, 0.0], "significant": False}


def test_an_interval_covers_its_point_and_narrows_with_more_sentences(systems):
    gold, first, _ = systems
    widths = []
    for copies in (1, 16):  # the same sentences, 16 times as many of them
        counts = sentence_counts(gold * copies, first * copies, TYPES)
        entry = score_intervals(counts, TYPES, resampled_totals([counts], 400, 2)[0])["overall"]["f1"]
        low, high = entry["interval"]
        assert low <= entry["score"] <= high
        widths.append(high - low)
    assert widths[1] < widths[0] / 2.5  # about 1/4: the width shrinks as 1/sqrt(n)


def test_analysis_intervals_hold_systems_baselines_and_differences(systems):
    gold, first, second = systems
    compared = {"X_on_S_types": {"system": "S", "other": "X", "types": ["LOC", "PER"]}}
    found = intervals(
        {"S": TYPES, "X": TYPES}, {"S": (gold, first), "X": (gold, second)}, {"S": (gold, second)}, compared, 50, 0
    )
    assert found["sentences"] == {"S": 60, "X": 60} and found["baselines"]["X"] is None
    assert set(found["differences"]) == {"S − baseline", "S − X on S's types"}
    baseline = found["differences"]["S − baseline"]
    assert baseline["difference"] == pytest.approx(
        entity_scores(gold, first)["overall_f1"] - entity_scores(gold, second)["overall_f1"]
    )
    assert found["baselines"]["S"]["overall"]["f1"]["score"] == pytest.approx(entity_scores(gold, second)["overall_f1"])


def test_an_int8_graph_is_paired_with_its_system_on_the_same_sentences(systems):
    gold, first, second = systems
    found = intervals({"S": TYPES}, {"S": (gold, first)}, {}, {}, 50, 0, int8={"S": (gold, second)})
    assert found["int8"]["S"]["overall"]["f1"]["score"] == pytest.approx(entity_scores(gold, second)["overall_f1"])
    difference = found["differences"]["S int8 − S"]
    assert difference["difference"] == pytest.approx(
        entity_scores(gold, second)["overall_f1"] - entity_scores(gold, first)["overall_f1"]
    )
    low, high = difference["interval"]
    assert low <= difference["difference"] <= high
    assert intervals({"S": TYPES}, {"S": (gold, first)}, {}, {}, 50, 0)["int8"] == {}  # no graph, no entry
    with pytest.raises(DataError, match="int8_S was scored on other test sentences than S"):
        intervals({"S": TYPES}, {"S": (gold, first)}, {}, {}, 50, 0, int8={"S": (gold[1:], second[1:])})


def test_a_type_left_out_still_bounds_entities_and_empty_sentences_count_nothing(systems):
    gold, first, _ = systems
    kept = ["PER", "LOC"]  # ORG is in the tags but not counted; an I-PER after B-ORG still starts a PER entity
    counts = sentence_counts([*gold, [], ["B-ORG", "I-PER"]], [*first, [], ["B-ORG", "I-PER"]], kept)
    assert counts.shape == (62, 2, 3) and counts[60].sum() == 0
    assert counts[61].tolist() == [[1, 0, 0], [0, 0, 0]]
    scores = entity_scores([*gold, ["B-ORG", "I-PER"]], [*first, ["B-ORG", "I-PER"]])
    by_type = ratios(counts.sum(axis=0))
    for column, entity_type in enumerate(kept):
        assert by_type["f1"][column] == pytest.approx(scores[entity_type]["f1"], abs=1e-12)
    with pytest.raises(ValueError, match="sentence 1: 2 gold tags but 1 predicted tags"):
        sentence_counts([["O"], ["O", "O"]], [["O"], ["O"]], kept)
