"""Seen and unseen entities: test scores split by whether a mention (its words and type) occurs as an entity of
the training split, the standard measure of memorisation against generalisation in NER (Augenstein, Derczynski
and Bontcheva, "Generalisation in named entity recognition: a quantitative analysis", Computer Speech &
Language, 2017).

Recall is split by the gold mentions' status, precision by the predicted mentions'; a true positive is a
predicted entity equal to a gold one (same tokens, same type), and has the status of both, since they hold the
same words and type.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

from pipeline.evaluation.entities import entities, mention_keys, tag_codes

GROUPS = ("seen", "unseen")


def training_mentions(tokens: pa.ListArray, tags: pa.ListArray, types: list[str]) -> set[str]:
    """The mentions (:func:`pipeline.evaluation.entities.mention_keys`) of every entity of ``types`` in a split."""
    prefix, kind, offsets = tag_codes(tags, types)
    starts, ends, kinds = entities(prefix, kind, offsets)
    keep = (kinds >= 0) & (kinds < len(types))
    return set(mention_keys(tokens, starts[keep], ends[keep], kinds[keep], types).tolist())


def _scores(true_gold: int, gold: int, true_predicted: int, predicted: int) -> dict[str, Any]:
    precision = true_predicted / predicted if predicted else 0.0
    recall = true_gold / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "gold": gold,
        "predicted": predicted,
        "true_positives": true_gold,
    }


def seen_unseen(
    seen: set[str], tokens: list[list[str]], gold: list[list[str]], predicted: list[list[str]], types: list[str]
) -> dict[str, Any]:
    """Scores of the test predictions on mentions seen in training and on the others: ``{"seen": scores,
    "unseen": scores, "types": {type: {"seen": ..., "unseen": ...}}}``, each with ``precision``, ``recall``,
    ``f1`` and the counts behind them (``gold``, ``predicted`` and ``true_positives`` mentions)."""
    sides = []
    for tags in (gold, predicted):
        prefix, kind, offsets = tag_codes(tags, types)
        starts, ends, kinds = entities(prefix, kind, offsets)
        keep = (kinds >= 0) & (kinds < len(types))
        starts, ends, kinds = starts[keep], ends[keep], kinds[keep]
        known = np.fromiter(
            (key in seen for key in mention_keys(tokens, starts, ends, kinds, types)), dtype=bool, count=len(starts)
        )
        sides.append((((starts * (int(offsets[-1]) + 1)) + ends) * len(types) + kinds, kinds, known))
    (gold_keys, gold_kinds, gold_seen), (predicted_keys, predicted_kinds, predicted_seen) = sides
    gold_hit, predicted_hit = np.isin(gold_keys, predicted_keys), np.isin(predicted_keys, gold_keys)

    def split(gold_mask: np.ndarray, predicted_mask: np.ndarray) -> dict[str, Any]:
        return {
            group: _scores(
                int((gold_hit & gold_mask & status_gold).sum()),
                int((gold_mask & status_gold).sum()),
                int((predicted_hit & predicted_mask & status_predicted).sum()),
                int((predicted_mask & status_predicted).sum()),
            )
            for group, status_gold, status_predicted in (
                ("seen", gold_seen, predicted_seen),
                ("unseen", ~gold_seen, ~predicted_seen),
            )
        }

    result = split(np.ones_like(gold_hit), np.ones_like(predicted_hit))
    result["types"] = {
        entity_type: split(gold_kinds == column, predicted_kinds == column) for column, entity_type in enumerate(types)
    }
    return result
