"""The evaluate stage's scores against seqeval and against SpanMarker's own ``Trainer.evaluate``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from datasets import Dataset

from pipeline.core.params import ModelParams
from pipeline.data.labels import MULTINERD_LABELS, labels_for_types, restrict_tags
from pipeline.evaluation.scoring import score_model
from pipeline.model.modeling import build_model
from pipeline.tagging.metrics import entity_scores, use_offline_seqeval

REPO_ROOT = Path(__file__).resolve().parents[1]
B_TYPES = ["PER", "ORG", "LOC", "ANIM", "DIS"]


def sample_test_set(n: int = 40) -> Dataset:
    """The first ``n`` English test sentences of the embedded sample, with System B's tag ids."""
    from pipeline.data.labels import remap_table

    lookup = remap_table(B_TYPES)
    rows = [json.loads(line) for line in (REPO_ROOT / "data/sample/test/test_en.jsonl").read_text().splitlines()]
    rows = rows[:n]
    return Dataset.from_dict(
        {
            "tokens": [row["tokens"] for row in rows],
            "ner_tags": [[int(lookup[tag]) for tag in row["ner_tags"]] for row in rows],
        }
    )


@pytest.fixture(scope="module")
def tiny_model(tiny_encoder):
    from transformers import set_seed

    set_seed(3)
    # Room for every candidate span of a sample sentence in one sample: SpanMarker 1.8.1's Trainer.evaluate
    # misaligns span scores of sentences spread over several samples (it appends unmasked scores), so the
    # comparison with it is only meaningful when no sentence is spread.
    params = ModelParams(
        name=str(tiny_encoder), revision=None, model_max_length=64, marker_max_length=128, entity_max_length=4
    )
    return build_model(params, labels_for_types(B_TYPES))


def test_scores_equal_seqeval_and_span_marker_trainer_evaluate(tiny_model, tmp_path):
    from span_marker import Trainer
    from transformers import TrainingArguments

    test = sample_test_set()
    spans = [sum(min(4, len(words) - start) for start in range(len(words))) for words in test["tokens"]]
    assert max(spans) <= tiny_model.config.marker_max_length
    metrics, gold, predicted = score_model(tiny_model, test, labels_for_types(B_TYPES), batch_size=8)
    assert any(tag != "O" for tags in predicted for tag in tags), "the random model predicts no entity"
    # 1. The same numbers as seqeval on the tag sequences themselves.
    assert {
        key[5:]: value for key, value in metrics.items() if key[5:] in entity_scores(gold, predicted)
    } == entity_scores(gold, predicted)
    # 2. The same numbers as SpanMarker's trainer on the same model and sentences.
    use_offline_seqeval()
    args = TrainingArguments(output_dir=str(tmp_path), per_device_eval_batch_size=8, report_to="none")
    trainer_metrics = Trainer(model=tiny_model, args=args).evaluate(test, metric_key_prefix="test")
    for key in ("test_overall_precision", "test_overall_recall", "test_overall_f1", "test_overall_accuracy"):
        assert metrics[key] == pytest.approx(trainer_metrics[key]), key
    for entity_type in B_TYPES:
        key = f"test_{entity_type}"
        if key in trainer_metrics or key in metrics:
            assert metrics[key]["number"] == trainer_metrics[key]["number"]
            assert metrics[key]["f1"] == pytest.approx(trainer_metrics[key]["f1"]), key


def test_restrict_tags_maps_other_types_to_o():
    tags = [["B-PER", "I-PER", "B-FOOD", "I-FOOD", "O", "B-DIS"], []]
    assert restrict_tags(tags, {"PER", "DIS"}) == [["B-PER", "I-PER", "O", "O", "O", "B-DIS"], []]


def test_all_types_restriction_is_identity():
    tags = [[label for label in MULTINERD_LABELS]]
    assert restrict_tags(tags, {label[2:] for label in MULTINERD_LABELS[1:]}) == tags
