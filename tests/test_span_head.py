"""The vectorised span head against stock SpanMarker 1.8.1's forward pass: logits, loss, gradients, saved folder."""

from __future__ import annotations

import json

import torch
from span_marker import SpanMarkerModel

from pipeline.model.collator import PaddedCollator
from pipeline.model.inference import encode
from pipeline.model.span_head import VectorisedSpanMarkerModel, span_features
from tests.test_batching import preprocessed, sample_sentences, tiny_model


def stock_copy(model: VectorisedSpanMarkerModel) -> SpanMarkerModel:
    """The same modules and weights under stock ``SpanMarkerModel``'s forward."""
    stock = SpanMarkerModel(model.config, encoder=model.encoder)
    stock.load_state_dict(model.state_dict())
    stock.set_tokenizer(model.tokenizer)
    return stock


def mixed_batch(model, spread: bool):
    """A batch of real sentences of mixed lengths; with ``spread``, long sentences spread over several samples
    (more candidate spans than the markers of one sample)."""
    tokens, _ = sample_sentences(12)
    sentences = [
        words[:length] for words, length in zip(tokens, [1, 3, 30, 7, 2, 30, 12, 5, 30, 4, 9, 30], strict=True)
    ]
    encoded = encode(model, sentences)
    if spread:
        assert len(encoded.samples) > len(sentences)
    return PaddedCollator(model.tokenizer, model.config.marker_max_length)(encoded.samples)


def test_span_features_are_the_stock_loop_row_for_row():
    torch.manual_seed(0)
    hidden = torch.randn(3, 16, 4)
    starts, pairs = torch.tensor([4, 2, 8]), torch.tensor([3, 7, 0])
    features = span_features(hidden, starts, pairs)
    assert features.shape == (3, 8, 8)
    for row in range(3):
        s, n = int(starts[row]), int(pairs[row])
        expected = torch.cat([hidden[row, s : s + n], hidden[row, s + n : s + 2 * n]], dim=-1)
        assert torch.equal(features[row, :n], expected)
        assert not features[row, n:].any()


def test_logits_equal_stock_forward_on_mixed_and_spread_batches(tiny_encoder):
    model = tiny_model(tiny_encoder, model_max_length=32, marker_max_length=8, head_std=0.5)
    stock = stock_copy(model).eval()
    for spread in (False, True):
        batch = mixed_batch(model, spread)
        with torch.no_grad():
            ours, theirs = model(**batch).logits, stock(**batch).logits
        assert ours.shape == theirs.shape
        assert (ours - theirs).abs().max() <= 1e-6


def test_loss_and_gradients_equal_stock_in_training_mode(tiny_encoder):
    model = tiny_model(tiny_encoder, model_max_length=32, marker_max_length=8, head_std=0.5)
    stock = stock_copy(model)
    tokens, tags = sample_sentences(6)
    features = list(preprocessed(model, [words[:9] for words in tokens], [t[:9] for t in tags]))
    batch = PaddedCollator(model.tokenizer, 8)(features)
    results = []
    for candidate in (model, stock):
        candidate.train()
        candidate.zero_grad()
        torch.manual_seed(1)  # the same dropout masks: both draw them in the same order and shapes
        loss = candidate(**batch).loss
        loss.backward()
        results.append(
            (loss.detach(), {name: p.grad.clone() for name, p in candidate.named_parameters() if p.grad is not None})
        )
    (loss, grads), (stock_loss, stock_grads) = results
    assert loss.item() > 0 and torch.isclose(loss, stock_loss, rtol=1e-6, atol=1e-7)
    assert grads.keys() == stock_grads.keys() and "classifier.weight" in grads
    for name, grad in grads.items():
        assert torch.allclose(grad, stock_grads[name], rtol=1e-5, atol=1e-7), name


def test_the_saved_folder_loads_in_stock_span_marker_with_the_same_logits(tiny_encoder, tmp_path):
    model = tiny_model(tiny_encoder, model_max_length=32, marker_max_length=8, head_std=0.5)
    model.save_pretrained(tmp_path / "model")
    stock = SpanMarkerModel.from_pretrained(str(tmp_path / "model")).eval()
    assert type(stock) is SpanMarkerModel
    batch = mixed_batch(model, spread=True)
    with torch.no_grad():
        assert torch.equal(model(**batch).logits, stock(**batch).logits)
    saved = json.loads((tmp_path / "model/config.json").read_text())
    assert saved["architectures"] == ["VectorisedSpanMarkerModel"]  # code, not weights: stock ignores the name
