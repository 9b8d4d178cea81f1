import pytest

from pipeline.tagging.metrics import OfflineSeqeval, entity_scores, use_offline_seqeval
from pipeline.tagging.tags import gold_tags, tags_from_entities

REFERENCES = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
PREDICTIONS = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "O"]]


def test_entity_scores_hand_checked():
    # Gold entities: PER(0-2), LOC(3) in sentence 1, ORG(0) in sentence 2.
    # Predicted: PER(0-2) right, ORG(3) wrong type, ORG(0) right -> 2 of 3 correct both ways.
    scores = entity_scores(REFERENCES, PREDICTIONS)
    assert scores["overall_precision"] == pytest.approx(2 / 3)
    assert scores["overall_recall"] == pytest.approx(2 / 3)
    assert scores["overall_f1"] == pytest.approx(2 / 3)
    assert scores["overall_accuracy"] == pytest.approx(5 / 6)  # one of six tokens differs
    assert scores["PER"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "number": 1}
    assert scores["LOC"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "number": 1}
    assert scores["ORG"]["precision"] == pytest.approx(0.5)  # two ORG predicted, one right
    assert scores["ORG"]["recall"] == pytest.approx(1.0)
    assert scores["ORG"]["f1"] == pytest.approx(2 / 3)
    assert scores["ORG"]["number"] == 1


def test_boundary_error_counts_as_wrong():
    scores = entity_scores([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]])
    assert scores["overall_f1"] == 0.0
    assert scores["PER"]["number"] == 1


def test_no_entities_anywhere_gives_zeros_not_an_error():
    scores = entity_scores([["O", "O"]], [["O", "O"]])
    assert scores["overall_f1"] == 0.0
    assert scores["overall_accuracy"] == 1.0


def test_offline_metric_replaces_the_hub_download_in_span_marker():
    import span_marker.evaluation

    use_offline_seqeval()
    metric = span_marker.evaluation.evaluate.load("seqeval")
    assert isinstance(metric, OfflineSeqeval)
    for reference, prediction in zip(REFERENCES, PREDICTIONS, strict=True):
        metric.add(prediction=prediction, reference=reference)
    assert metric.compute() == entity_scores(REFERENCES, PREDICTIONS)
    with pytest.raises(ValueError, match="only the seqeval metric"):
        span_marker.evaluation.evaluate.load("accuracy")


def test_tags_from_entities_uses_end_exclusive_word_indices():
    entities = [
        {"word_start_index": 0, "word_end_index": 2, "label": "PER"},
        {"word_start_index": 3, "word_end_index": 4, "label": "LOC"},
    ]
    assert tags_from_entities(entities, 5) == ["B-PER", "I-PER", "O", "B-LOC", "O"]
    assert tags_from_entities([], 2) == ["O", "O"]


def test_gold_tags_index_the_label_list():
    assert gold_tags([[0, 1, 2], []], ["O", "B-PER", "I-PER"]) == [["O", "B-PER", "I-PER"], []]
