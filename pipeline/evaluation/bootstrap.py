"""Paired bootstrap over test sentences: confidence intervals of entity-level scores and of their differences.

The test set is a sample of sentences; a score's interval says how much it would move on another sample of the
same size (Efron and Tibshirani, *An Introduction to the Bootstrap*, 1993; for NLP, Koehn, EMNLP 2004, and
Berg-Kirkpatrick et al., EMNLP 2012). Each resample draws ``n`` of the ``n`` test sentences with replacement;
the micro precision, recall and F1 of every type and overall are recomputed from the resample's true-positive,
false-positive and false-negative counts. Two systems scored on the same sentences are resampled with the same
draws (*paired*), so the interval of their difference leaves out the variation both share.

Work is vectorised: :func:`sentence_counts` finds every entity of the flattened tags with NumPy, as seqeval's
``get_entities`` reads them (so the counts give exactly :func:`pipeline.tagging.metrics.entity_scores`; the
tests compare both on random tag sequences), and every resample is a row of sentence multiplicities, so all
resamples' totals are one matrix product.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from pipeline.evaluation.entities import entities, tag_codes

CONFIDENCE = 0.95
"""The coverage of every interval: the 2.5th and 97.5th percentiles of the resampled values."""
CHUNK = 100
"""Resamples whose sentence multiplicities are held in memory at once (``CHUNK × n`` 32-bit integers)."""


def sentence_counts(gold: list[list[str]], predicted: list[list[str]], types: list[str]) -> np.ndarray:
    """True positives, false positives and false negatives of each type in each sentence: an int32 array of
    shape ``(sentences, len(types), 3)``. Entities are read as seqeval reads them
    (:func:`pipeline.evaluation.entities.entities`); a predicted
    entity is a true positive when gold holds the same one (same tokens, same type), as in seqeval's scores.
    Types outside ``types`` are not counted. Raises ``ValueError`` when a gold and a predicted sentence differ
    in length. Vectorised over the flattened tags."""
    gold_prefix, gold_type, offsets = tag_codes(gold, types)
    predicted_prefix, predicted_type, predicted_offsets = tag_codes(predicted, types)
    if not np.array_equal(offsets, predicted_offsets):
        row = int(np.flatnonzero(np.diff(offsets) != np.diff(predicted_offsets))[0])
        raise ValueError(
            f"sentence {row}: {offsets[row + 1] - offsets[row]} gold tags but "
            f"{predicted_offsets[row + 1] - predicted_offsets[row]} predicted tags"
        )
    sentences, width, tokens = len(offsets) - 1, len(types), int(offsets[-1])
    sentence_of = np.repeat(np.arange(sentences), np.diff(offsets))
    counts = np.zeros((sentences * width, 3), dtype=np.int64)
    keys, cells = [], []
    for found in (entities(gold_prefix, gold_type, offsets), entities(predicted_prefix, predicted_type, offsets)):
        starts, ends, kinds = found
        keep = (kinds >= 0) & (kinds < width)
        starts, ends, kinds = starts[keep], ends[keep], kinds[keep]
        keys.append((starts * (tokens + 1) + ends) * width + kinds)
        cells.append(sentence_of[starts] * width + kinds)
    hits = np.isin(keys[1], keys[0])
    size = sentences * width
    counts[:, 0] = np.bincount(cells[1][hits], minlength=size)
    counts[:, 1] = np.bincount(cells[1][~hits], minlength=size)
    counts[:, 2] = np.bincount(cells[0], minlength=size) - counts[:, 0]
    return counts.reshape(sentences, width, 3).astype(np.int32)


def resample_weights(sentences: int, resamples: int, seed: int):
    """Yield blocks of resamples as sentence multiplicities: int32 arrays of shape ``(block, sentences)`` whose
    rows sum to ``sentences``. Resample ``r`` draws ``rng.integers(0, sentences, sentences)`` with
    ``rng = numpy.random.default_rng(seed)``, in order, so a slow implementation can draw the same ones."""
    rng = np.random.default_rng(seed)
    for start in range(0, resamples, CHUNK):
        block = min(CHUNK, resamples - start)
        draws = rng.integers(0, sentences, size=(block, sentences))
        offsets = (np.arange(block) * sentences)[:, None]
        yield np.bincount((draws + offsets).ravel(), minlength=block * sentences).reshape(block, sentences)


def resampled_totals(counts: list[np.ndarray], resamples: int, seed: int) -> list[np.ndarray]:
    """For each array of :func:`sentence_counts` (all of the same sentences), its totals in every resample:
    float64 arrays of shape ``(resamples, types, 3)``, the same draws for every array (paired)."""
    sentences = counts[0].shape[0]
    flat = [array.reshape(sentences, -1).astype(np.float64) for array in counts]
    blocks: list[list[np.ndarray]] = [[] for _ in counts]
    for weights in resample_weights(sentences, resamples, seed):
        weights = weights.astype(np.float64)
        for position, array in enumerate(flat):
            blocks[position].append(weights @ array)
    return [
        np.concatenate(block).reshape(resamples, *array.shape[1:]) for block, array in zip(blocks, counts, strict=True)
    ]


def ratios(totals: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall and F1 from ``(..., 3)`` true-positive / false-positive / false-negative totals;
    an undefined ratio (no prediction, no gold entity) is 0, as in seqeval."""
    tp, fp, fn = totals[..., 0], totals[..., 1], totals[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(tp + fp > 0, tp / (tp + fp), 0.0)
        recall = np.where(tp + fn > 0, tp / (tp + fn), 0.0)
        f1 = np.where(2 * tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), 0.0)
    return {"precision": precision, "recall": recall, "f1": f1}


def interval(values: np.ndarray) -> list[float]:
    """The :data:`CONFIDENCE` percentile interval ``[low, high]`` of resampled values (first axis)."""
    tail = 100 * (1 - CONFIDENCE) / 2
    low, high = np.percentile(values, [tail, 100 - tail], axis=0)
    return [float(low), float(high)]


def score_intervals(counts: np.ndarray, types: list[str], totals: np.ndarray) -> dict[str, Any]:
    """Point scores and intervals of one system: ``{"overall": {metric: {"score", "interval"}}, "types": {type:
    {metric: {...}, "number": gold entities}}}``, from its :func:`sentence_counts` and resampled totals."""
    point, resampled = ratios(counts.sum(axis=0)), ratios(totals)
    overall_point, overall_resampled = ratios(counts.sum(axis=(0, 1))), ratios(totals.sum(axis=1))
    result: dict[str, Any] = {
        "overall": {
            metric: {"score": float(overall_point[metric]), "interval": interval(overall_resampled[metric])}
            for metric in overall_point
        },
        "types": {},
    }
    gold = counts.sum(axis=0)[:, 0] + counts.sum(axis=0)[:, 2]
    for column, entity_type in enumerate(types):
        result["types"][entity_type] = {
            metric: {"score": float(point[metric][column]), "interval": interval(resampled[metric][:, column])}
            for metric in point
        } | {"number": int(gold[column])}
    return result


def difference_interval(
    first: np.ndarray, second: np.ndarray, first_totals: np.ndarray, second_totals: np.ndarray
) -> dict[str, Any]:
    """Micro F1 of ``first`` minus that of ``second`` (counts of the same sentences and types), with the interval
    of the paired resampled differences and whether it excludes 0 (``significant``)."""
    difference = float(ratios(first.sum(axis=(0, 1)))["f1"] - ratios(second.sum(axis=(0, 1)))["f1"])
    resampled = ratios(first_totals.sum(axis=1))["f1"] - ratios(second_totals.sum(axis=1))["f1"]
    low, high = interval(resampled)
    return {"difference": difference, "interval": [low, high], "significant": bool(low > 0 or high < 0)}


def paired_intervals(
    first: np.ndarray, second: np.ndarray, types: list[str], resamples: int, seed: int
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The paired bootstrap of two models' :func:`sentence_counts` on the same sentences: the intervals of each
    one's scores (:func:`score_intervals`) and of their F1 difference, first − second (:func:`difference_interval`),
    all from the same ``resamples`` draws of ``seed``."""
    totals = resampled_totals([first, second], resamples, seed)
    return (
        score_intervals(first, types, totals[0]),
        score_intervals(second, types, totals[1]),
        difference_interval(first, second, *totals),
    )
