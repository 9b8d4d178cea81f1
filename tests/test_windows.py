"""Long sentences in overlapping windows: where the windows fall, how their entities merge, and a scripted model
that tags every "Paris" run through it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from pipeline.core.exceptions import ParamError
from pipeline.documents.windows import merge, predict_windowed, windows, word_token_counts
from pipeline.model.inference import predict_entities


def test_a_sentence_within_the_input_is_one_window():
    assert windows(np.array([1, 2, 3]), max_tokens=6, stride=2) == [(0, 3)]


def test_windows_fit_the_input_share_stride_words_and_cover_the_sentence():
    tokens = np.array([1, 2, 1, 1, 3, 1, 1, 2, 1, 1, 1, 2])
    found = windows(tokens, max_tokens=6, stride=2)
    assert found[0][0] == 0 and found[-1][1] == len(tokens)
    for start, end in found:
        assert tokens[start:end].sum() <= 6
    for (previous, end), (start, _) in zip(found, found[1:], strict=False):
        assert end - start == min(2, (end - previous) // 2)  # the stride, or half a short window


def test_windows_of_long_words_move_on_by_half_a_window_at_least():
    found = windows(np.full(40, 3), max_tokens=9, stride=16)  # 3 words a window, far fewer than the stride
    assert found[:3] == [(0, 3), (2, 5), (4, 7)] and found[-1][1] == 40
    assert len(found) == 20


def test_a_word_longer_than_the_window_is_a_window_alone():
    assert windows(np.array([1, 9, 1]), max_tokens=4, stride=1) == [(0, 1), (1, 2), (2, 3)]


def entity(start: int, end: int, score: float, label: str = "LOC") -> dict:
    return {"label": label, "score": score, "word_start_index": start, "word_end_index": end}


def test_merged_entities_are_found_once_and_those_cut_at_an_inner_edge_are_dropped():
    # Words 0..19 in two windows sharing words 10..13.
    first = ((0, 14), [entity(2, 3, 0.9), entity(11, 12, 0.6), entity(12, 14, 0.99)])  # 12-14 touches the edge
    second = ((10, 20), [entity(1, 2, 0.8), entity(2, 5, 0.7), entity(8, 9, 0.5)])  # local indices
    merged = merge([first, second], words=20)
    assert [(found["word_start_index"], found["word_end_index"], found["score"]) for found in merged] == [
        (2, 3, 0.9),  # only the first window sees it
        (11, 12, 0.8),  # both see it: once, with the higher score
        (12, 15, 0.7),  # whole in the second window; the first saw it cut at its edge
        (18, 19, 0.5),  # only the second window sees it
    ]


TARGET = "paris"


def scripted_logits(model):
    """Span logits that give LOC to every one-token span whose token is "paris", and O to every other span."""
    target = model.tokenizer.tokenizer.convert_tokens_to_ids(TARGET)
    outside, loc = model.config.outside_id, model.config.label2id["LOC"]

    def logits(batch: dict[str, torch.Tensor]) -> torch.Tensor:
        size, length = batch["input_ids"].shape
        found = torch.zeros((size, length // 2, len(model.config.id2label)))
        found[:, :, outside] = 5.0
        for row in range(size):
            start, spans = int(batch["start_marker_indices"][row]), int(batch["num_marker_pairs"][row])
            first = batch["position_ids"][row, start : start + spans] - 2
            last = batch["position_ids"][row, start + spans : start + 2 * spans] - 2
            hit = (first == last) & (batch["input_ids"][row, first.long()] == target)
            found[row, :spans][hit, loc] = 10.0
        return found

    return logits


@pytest.fixture(scope="module")
def model(model_dir):
    from pipeline.model.model_folder import load_model

    return load_model(model_dir)


def test_an_entity_past_the_input_is_found_and_one_in_two_windows_once(model):
    words = [f"w{index}" for index in range(60)]
    for position in (5, 28, 55):  # the first window, two windows' overlap, the last window
        words[position] = "Paris"
    counts = word_token_counts(model, [words])[0]
    assert counts.sum() > 30  # longer than the model's input of 30 tokens
    cut = predict_entities(model, [words], 8, logits=scripted_logits(model))[0]
    whole = predict_windowed(model, [words], 8, stride=8, logits=scripted_logits(model))[0]
    assert [found["word_start_index"] for found in cut] == [5]
    assert [(found["word_start_index"], found["label"]) for found in whole] == [(5, "LOC"), (28, "LOC"), (55, "LOC")]


def test_a_sentence_within_the_input_gets_exactly_the_entities_of_one_pass(model):
    sentences = [["Angela", "Merkel", "visited", "Paris", "."], ["Paris", "is", "big"]]
    assert predict_windowed(model, sentences, 8, stride=8) == predict_entities(model, sentences, 8)


def test_a_stride_within_an_entitys_length_is_refused(model):
    with pytest.raises(ParamError, match=r"stride: got 4; allowed: more than the model's entity_max_length \(4"):
        predict_windowed(model, [["Paris"]], 8, stride=4)
