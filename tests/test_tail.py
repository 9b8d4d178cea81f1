"""Repeat-factor oversampling of the long tail, on a hand-worked case."""

import math

import numpy as np
import pyarrow as pa
import pytest

from pipeline.data.tail import oversample, sentence_repeats, type_presence, type_repeat_factors

LABELS = ["O", "B-PER", "I-PER", "B-BIO", "I-BIO", "B-VEHI", "I-VEHI"]
ID = {label: index for index, label in enumerate(LABELS)}
# Ten sentences: PER in 0-5 (share 0.6), VEHI in 2 and 7 (0.2), BIO in 8 only (0.1), no entity in 6 and 9.
SENTENCES = [
    ["B-PER", "I-PER", "O"],
    ["B-PER"],
    ["B-PER", "O", "B-VEHI", "I-VEHI"],
    ["O", "B-PER"],
    ["B-PER", "I-PER"],
    ["O", "O", "B-PER"],
    ["O"],
    ["B-VEHI"],
    ["B-BIO", "I-BIO", "O"],
    ["O", "O"],
]


def table() -> pa.Table:
    return pa.table(
        {
            "tokens": [[f"w{i}"] * len(tags) for i, tags in enumerate(SENTENCES)],
            "ner_tags": pa.array([[ID[tag] for tag in tags] for tags in SENTENCES], pa.list_(pa.int8())),
        }
    )


def test_presence_marks_each_type_a_sentence_holds():
    presence, types = type_presence(table()["ner_tags"], LABELS)
    assert types == ["PER", "BIO", "VEHI"]
    assert presence.shape == (10, 3)
    assert presence.mean(axis=0).tolist() == pytest.approx([0.6, 0.1, 0.2])
    assert presence[2].tolist() == [True, False, True] and not presence[6].any() and not presence[9].any()


def test_hand_worked_repeat_factors():
    # threshold 0.9: PER sqrt(0.9 / 0.6) = 1.22 (rounds to 1), BIO sqrt(0.9 / 0.1) = 3, VEHI sqrt(0.9 / 0.2) = 2.12.
    presence, _ = type_presence(table()["ner_tags"], LABELS)
    factors = type_repeat_factors(presence, 0.9)
    assert factors.tolist() == pytest.approx([math.sqrt(1.5), 3.0, math.sqrt(4.5)])
    # Sentence 2 holds PER and VEHI: the larger factor, 2.12, rounds to 2. Sentence 8 (BIO) gets 3.
    assert sentence_repeats(presence, factors, cap=4).tolist() == [1, 1, 2, 1, 1, 1, 1, 2, 3, 1]
    assert sentence_repeats(presence, factors, cap=2).tolist() == [1, 1, 2, 1, 1, 1, 1, 2, 2, 1]
    # threshold 0.4: only BIO (sqrt(4) = 2) is below it; VEHI's sqrt(2) = 1.41 rounds to 1.
    assert sentence_repeats(presence, type_repeat_factors(presence, 0.4), cap=4).tolist() == [1] * 8 + [2, 1]


def test_oversample_repeats_whole_sentences_in_place():
    sampled, repeats = oversample(table(), LABELS, 0.9, 4)
    assert repeats.sum() == sampled.num_rows == 14
    assert sampled["tokens"].to_pylist()[:5] == [["w0"] * 3, ["w1"], ["w2"] * 4, ["w2"] * 4, ["w3"] * 2]
    assert [row[0] for row in sampled["tokens"].to_pylist()].count("w8") == 3


@pytest.mark.parametrize("threshold, cap", [(0.0, 4), (0.9, 1), (0.05, 4)])
def test_off_leaves_the_table_as_it_is(threshold, cap):
    original = table()
    sampled, repeats = oversample(original, LABELS, threshold, cap)
    assert sampled is original and np.all(repeats == 1)


def test_sliced_chunked_input_and_bad_arguments():
    chunked = pa.concat_tables([table().slice(0, 4), table().slice(4)]).slice(2)  # sentences 2-9
    presence, _ = type_presence(chunked["ner_tags"], LABELS)
    assert presence[:, 0].tolist() == [True] * 4 + [False] * 4  # PER in 2-5 only
    with pytest.raises(ValueError, match="threshold"):
        type_repeat_factors(presence, 1.5)
    with pytest.raises(ValueError, match="cap"):
        sentence_repeats(presence, np.ones(3), cap=0)
