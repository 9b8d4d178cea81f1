"""Span-level error analysis of BIO tag sequences: what kind of mistake each gold and predicted entity is.

Entities are read with seqeval's own ``get_entities`` (lenient, CoNLL-style: an ``I-`` tag after ``O`` or after another
type starts a new entity), so the entities here are exactly the ones ``pipeline.tagging.metrics.entity_scores``
scores. Every function is pure; :mod:`pipeline.reporting.figures` draws the results.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from seqeval.metrics.sequence_labeling import get_entities

OUTSIDE = "O"
"""The type of the missing side of a pair: the prediction of a missed entity, the gold of a spurious one."""
KINDS = ("exact", "boundary", "missed", "spurious")
"""Pair kinds, in the order rows are sorted."""

Entity = tuple[str, int, int]
"""``(type, first token, last token)`` of one entity, both ends inclusive, as ``get_entities`` gives it."""
Pair = tuple[str, str, str]
"""``(kind, gold type, predicted type)`` of one matched, missed or spurious entity."""


def sentence_entities(tags: Sequence[str]) -> list[Entity]:
    """Entities of one sentence's BIO tags, read by seqeval's lenient default; an error for the type ``O``."""
    entities = [(entity_type, start, end) for entity_type, start, end in get_entities(list(tags))]
    if any(entity_type == OUTSIDE for entity_type, _, _ in entities):
        raise ValueError(f"entity type {OUTSIDE!r} is reserved for the missing side of a pair: {list(tags)}")
    return entities


def overlap(a: Entity, b: Entity) -> int:
    """Number of tokens two entities share."""
    return max(0, min(a[2], b[2]) - max(a[1], b[1]) + 1)


MatchedPair = tuple[str, Entity | None, Entity | None]
"""``(kind, gold entity, predicted entity)`` of one pair; the missing side of a missed or spurious pair is None."""


def match_entities(reference: Sequence[str], prediction: Sequence[str]) -> list[MatchedPair]:
    """Pair the gold and predicted entities of one sentence (rules in :func:`span_confusion`), with their spans.

    Returns one pair per gold entity, in gold order, then one ``spurious`` pair per unpaired prediction, in order.
    An error if the two tag sequences differ in length.
    """
    if len(reference) != len(prediction):
        raise ValueError(f"a sentence has {len(reference)} gold tags but {len(prediction)} predicted tags")
    gold, predicted = sentence_entities(reference), sentence_entities(prediction)
    span_index = {(start, end): index for index, (_, start, end) in enumerate(predicted)}
    partner: dict[int, tuple[str, int]] = {}  # gold index -> (kind, predicted index)
    for g, (_, start, end) in enumerate(gold):
        if (start, end) in span_index:  # entities of one sequence are disjoint, so the exact span is unique
            partner[g] = ("exact", span_index[(start, end)])
    taken = {p for _, p in partner.values()}
    candidates = sorted(
        (-overlap(gold[g], predicted[p]), gold[g][1], predicted[p][1], g, p)
        for g in range(len(gold))
        if g not in partner
        for p in range(len(predicted))
        if p not in taken and overlap(gold[g], predicted[p]) > 0
    )
    for _, _, _, g, p in candidates:
        if g not in partner and p not in taken:
            partner[g] = ("boundary", p)
            taken.add(p)
    pairs: list[MatchedPair] = [
        (partner[g][0], gold[g], predicted[partner[g][1]]) if g in partner else ("missed", gold[g], None)
        for g in range(len(gold))
    ]
    return pairs + [("spurious", None, predicted[p]) for p in range(len(predicted)) if p not in taken]


def match_sentence(reference: Sequence[str], prediction: Sequence[str]) -> list[Pair]:
    """``(kind, gold type, predicted type)`` of each pair of :func:`match_entities`, ``"O"`` for a missing side."""
    return [
        (kind, gold[0] if gold else OUTSIDE, predicted[0] if predicted else OUTSIDE)
        for kind, gold, predicted in match_entities(reference, prediction)
    ]


def _row_key(row: dict[str, Any]) -> tuple[int, str, str]:
    return KINDS.index(row["kind"]), row["gold"], row["predicted"]


def span_confusion(references: Sequence[Sequence[str]], predictions: Sequence[Sequence[str]]) -> list[dict[str, Any]]:
    """Count ``(kind, gold type, predicted type)`` pairs of span-level matching over all sentences.

    Per sentence, with entities read by seqeval's ``get_entities`` (lenient IOB2 reading):

    1. *exact*: a gold entity and a predicted entity with the same first and last token are paired. Same type:
       correct; different types: a type error.
    2. *boundary*: every gold entity still unpaired is paired with the still-unpaired predicted entity that
       overlaps it in the most tokens. Pairs are made greedily, largest overlap first, ties broken by the earlier
       gold entity, then the earlier predicted entity; so each gold entity gets the most-overlapping prediction
       not taken by a larger overlap. Its types may be the same or different: a boundary error either way.
    3. *missed*: a gold entity overlapping no unpaired prediction; its predicted type is ``"O"``.
    4. *spurious*: a predicted entity left unpaired; its gold type is ``"O"``.

    Each gold entity and each predicted entity is in exactly one pair. Returns rows
    ``{"kind", "gold", "predicted", "count"}``, sorted by kind (in :data:`KINDS` order), gold, predicted type.
    An error if the corpora have different numbers of sentences or a sentence has different lengths.
    """
    if len(references) != len(predictions):
        raise ValueError(f"{len(references)} gold sentences but {len(predictions)} predicted sentences")
    counts: Counter[Pair] = Counter()
    for reference, prediction in zip(references, predictions, strict=True):
        counts.update(match_sentence(reference, prediction))
    rows = [
        {"kind": kind, "gold": gold, "predicted": predicted, "count": count}
        for (kind, gold, predicted), count in counts.items()
    ]
    return sorted(rows, key=_row_key)


def is_error(row: dict[str, Any]) -> bool:
    """Whether a row counts mistakes: everything but exact spans of the right type."""
    return not (row["kind"] == "exact" and row["gold"] == row["predicted"])


def _check_row(row: dict[str, Any]) -> None:
    kind, gold, predicted, count = row["kind"], row["gold"], row["predicted"], row["count"]
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r} in {row}")
    if not isinstance(count, (int, np.integer)) or isinstance(count, bool) or count < 0:
        raise ValueError(f"count must be a non-negative integer: {row}")
    if (gold == OUTSIDE) != (kind == "spurious") or (predicted == OUTSIDE) != (kind == "missed"):
        raise ValueError(f"only spurious rows have gold {OUTSIDE!r} and only missed rows predicted {OUTSIDE!r}: {row}")


def error_summary(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Counts of each kind of outcome, and the gold and predicted entity totals.

    ``correct`` + ``type_errors`` + ``boundary_errors`` + ``missed`` == ``gold_entities`` and ``correct`` +
    ``type_errors`` + ``boundary_errors`` + ``spurious`` == ``predicted_entities`` (exact + boundary + spurious);
    ``boundary_errors`` == ``boundary_same_type`` + ``boundary_other_type``. An error for a malformed row.
    """
    rows = list(rows)
    for row in rows:
        _check_row(row)

    def total(kind: str, same_type: bool | None = None) -> int:
        return sum(
            int(row["count"])
            for row in rows
            if row["kind"] == kind and (same_type is None or (row["gold"] == row["predicted"]) == same_type)
        )

    summary = {
        "gold_entities": sum(int(row["count"]) for row in rows if row["gold"] != OUTSIDE),
        "predicted_entities": sum(int(row["count"]) for row in rows if row["predicted"] != OUTSIDE),
        "correct": total("exact", same_type=True),
        "type_errors": total("exact", same_type=False),
        "boundary_errors": total("boundary"),
        "boundary_same_type": total("boundary", same_type=True),
        "boundary_other_type": total("boundary", same_type=False),
        "missed": total("missed"),
        "spurious": total("spurious"),
    }
    matched = summary["correct"] + summary["type_errors"] + summary["boundary_errors"]
    if matched + summary["missed"] != summary["gold_entities"]:
        raise ValueError(f"correct + type + boundary errors + missed != gold entities: {summary}")
    if matched + summary["spurious"] != summary["predicted_entities"]:
        raise ValueError(f"exact + boundary + spurious != predicted entities: {summary}")
    return summary


def top_confusions(rows: Iterable[dict[str, Any]], n: int = 10) -> list[dict[str, Any]]:
    """The ``n`` most frequent error rows (every row but exact spans of the right type), zero counts left out.

    Ordered by count (descending), then kind (in :data:`KINDS` order), gold, predicted type. Each row gains
    ``share_of_errors`` (its count over all errors) and ``per_gold_entity`` (its count over all gold entities;
    0.0 without gold entities).
    """
    if n < 0:
        raise ValueError(f"n must be non-negative, not {n}")
    rows = list(rows)
    summary = error_summary(rows)
    errors = [row for row in rows if is_error(row) and row["count"] > 0]
    n_errors, n_gold = sum(int(row["count"]) for row in errors), summary["gold_entities"]
    errors.sort(key=lambda row: (-row["count"], *_row_key(row)))
    return [
        {
            "kind": row["kind"],
            "gold": row["gold"],
            "predicted": row["predicted"],
            "count": int(row["count"]),
            "share_of_errors": row["count"] / n_errors,
            "per_gold_entity": row["count"] / n_gold if n_gold else 0.0,
        }
        for row in errors[:n]
    ]


def confusion_matrix(rows: Iterable[dict[str, Any]], kinds: Iterable[str], types: Sequence[str]) -> np.ndarray:
    """Counts of the rows of the given kinds, gold type × predicted type.

    Rows and columns follow ``types`` with ``"O"`` appended: the last row holds spurious predictions, the last
    column missed gold entities. An error for a type that is not in ``types``.
    """
    kinds = set(kinds)
    if unknown := kinds - set(KINDS):
        raise ValueError(f"unknown kinds {sorted(unknown)}; expected some of {KINDS}")
    if OUTSIDE in types or len(set(types)) != len(types):
        raise ValueError(f"types must be distinct and must not include {OUTSIDE!r}: {list(types)}")
    index = {entity_type: position for position, entity_type in enumerate([*types, OUTSIDE])}
    matrix = np.zeros((len(index), len(index)), dtype=np.int64)
    for row in rows:
        if row["kind"] not in kinds:
            continue
        if row["gold"] not in index or row["predicted"] not in index:
            raise ValueError(f"type not in {list(types)}: {row}")
        matrix[index[row["gold"]], index[row["predicted"]]] += int(row["count"])
    return matrix


def axis_types(rows: Iterable[dict[str, Any]], types: Sequence[str]) -> list[str]:
    """``types`` followed by any other type found in ``rows`` (sorted), so a plot leaves nothing out."""
    seen = {row[side] for row in rows for side in ("gold", "predicted")} - {OUTSIDE}
    return [*types, *sorted(seen - set(types))]


def confusion_examples(
    tokens: Sequence[Sequence[str]],
    references: Sequence[Sequence[str]],
    predictions: Sequence[Sequence[str]],
    confusions: Iterable[dict[str, Any]],
    k: int = 2,
) -> list[dict[str, Any]]:
    """Up to ``k`` test sentences for each confusion row (``kind``, ``gold``, ``predicted``, ``count``).

    Deterministic: for each row, in the order given (e.g. :func:`top_confusions`), the first ``k`` sentences in
    test order holding a pair of that kind and types; a sentence holding it twice counts once. Returns the rows
    with ``examples``: a list of ``{"sentence": index, "tokens": [...], "gold": [[type, first, last], ...],
    "predicted": [...], "focus": {"gold": [type, first, last] or None, "predicted": ... or None}}``, entity
    ends inclusive (the first pair of that kind in the sentence is the focus). Raises ``ValueError`` for a
    negative ``k`` or corpora of different sizes.
    """
    if k < 0:
        raise ValueError(f"k must be non-negative, not {k}")
    if not len(tokens) == len(references) == len(predictions):
        raise ValueError(f"{len(tokens)} sentences, {len(references)} gold and {len(predictions)} predicted")
    confusions = list(confusions)
    wanted = [(row["kind"], row["gold"], row["predicted"]) for row in confusions]
    found: dict[Pair, list[dict[str, Any]]] = {key: [] for key in wanted}
    for index, (words, reference, prediction) in enumerate(zip(tokens, references, predictions, strict=True)):
        if all(len(examples) >= k for examples in found.values()):
            break
        for kind, gold, predicted in match_entities(reference, prediction):
            key = (kind, gold[0] if gold else OUTSIDE, predicted[0] if predicted else OUTSIDE)
            if key not in found or len(found[key]) >= k or any(e["sentence"] == index for e in found[key]):
                continue
            found[key].append(
                {
                    "sentence": index,
                    "tokens": list(words),
                    "gold": [list(entity) for entity in sentence_entities(reference)],
                    "predicted": [list(entity) for entity in sentence_entities(prediction)],
                    "focus": {
                        "gold": list(gold) if gold else None,
                        "predicted": list(predicted) if predicted else None,
                    },
                }
            )
    return [{**row, "examples": found[(row["kind"], row["gold"], row["predicted"])]} for row in confusions]
