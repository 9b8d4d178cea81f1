import numpy as np
import pytest

from pipeline.data.labels import ENTITY_TYPES, MULTINERD_LABELS, NUM_TAGS, labels_for_types, remap_table


def test_schema_matches_multinerd_tag_ids():
    assert NUM_TAGS == 31
    assert len(ENTITY_TYPES) == 15
    # Ids from the dataset card: 0 O, 1 B-PER, 2 I-PER, ..., 13 B-DIS, 14 I-DIS, ..., 30 I-VEHI.
    assert MULTINERD_LABELS[0] == "O"
    assert MULTINERD_LABELS[1:3] == ("B-PER", "I-PER")
    assert MULTINERD_LABELS[13:15] == ("B-DIS", "I-DIS")
    assert MULTINERD_LABELS[29:31] == ("B-VEHI", "I-VEHI")


def test_system_b_labels_keep_only_o_and_five_types():
    assert labels_for_types(["PER", "ORG", "LOC", "DIS", "ANIM"]) == [
        "O",
        "B-PER",
        "I-PER",
        "B-ORG",
        "I-ORG",
        "B-LOC",
        "I-LOC",
        "B-ANIM",
        "I-ANIM",
        "B-DIS",
        "I-DIS",
    ]


def test_remap_table_for_system_b():
    table = remap_table(["PER", "ORG", "LOC", "DIS", "ANIM"])
    kept_ids = {0, 1, 2, 3, 4, 5, 6, 7, 8, 13, 14}
    for old_id in range(NUM_TAGS):
        if old_id in kept_ids:
            new_label = labels_for_types(["PER", "ORG", "LOC", "DIS", "ANIM"])[table[old_id]]
            assert new_label == MULTINERD_LABELS[old_id]
        else:
            assert table[old_id] == 0
    assert table[13] == 9 and table[14] == 10


def test_remap_table_for_all_types_is_identity():
    assert np.array_equal(remap_table(list(ENTITY_TYPES)), np.arange(NUM_TAGS))


@pytest.mark.parametrize("types", [["PER", "FOO"], []])
def test_unknown_or_empty_types_are_rejected(types):
    with pytest.raises(ValueError, match="type"):
        labels_for_types(types)
