"""A system's test scores over its runs (one per training seed): the mean, and the spread the seed alone causes.

A 95% bootstrap interval resamples the test sentences of one run: it says how far a score would move on another test
set, not on another training run. The spread over seeds says the latter (SpanMarker reports its CoNLL results as
mean ± standard deviation over seeds; Reimers and Gurevych, EMNLP 2017). The ``seeds`` stage writes both views of a
system (:func:`summarise`), analyze compares systems over their seeds (:mod:`pipeline.evaluation.stochastic_order`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pipeline.tagging.metrics import HEADLINE_KEYS, per_type

SPREAD_KEYS = ("mean", "std", "min", "max")


def spread(values: Sequence[float]) -> dict[str, float | None]:
    """``mean``, ``std`` (the sample standard deviation, n − 1 in the denominator; None for one value, where it is
    undefined), ``min`` and ``max`` of ``values`` (at least one). The mean of one value is that value, bit for bit."""
    if not values:
        raise ValueError("no values to summarise")
    mean = math.fsum(values) / len(values)
    std = math.sqrt(math.fsum((value - mean) ** 2 for value in values) / (len(values) - 1)) if len(values) > 1 else None
    return {"mean": mean, "std": std, "min": min(values), "max": max(values)}


def summarise(runs: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """A system's scores file from its runs' (``{seed: scores}``, in ``train.seeds`` order; each in the evaluate
    stage's layout: ``test_<TYPE>`` with precision/recall/f1/number, ``test_overall_<metric>``, ``epoch``,
    ``runtime``).

    The result keeps that layout, each score the mean over the runs (``number``, the test entities, is the same in
    every run; ``epoch`` and ``runtime`` are the first run's), and adds ``seeds``: ``{"seeds": [...], "runs":
    {seed: {precision, recall, f1, epoch}}, "overall": {metric: spread}, "types": {TYPE: {metric: spread}}}``
    (:func:`spread`). Raises ``ValueError`` when the runs hold different types."""
    seeds = list(runs)
    first = runs[seeds[0]]
    types = per_type(first)
    for seed in seeds[1:]:
        if set(per_type(runs[seed])) != set(types):
            raise ValueError(f"seed {seed}: other entity types than seed {seeds[0]}; rerun the evaluate stages")
    summary: dict[str, Any] = {}
    type_spreads: dict[str, dict[str, dict[str, float | None]]] = {}
    for entity_type, detail in types.items():
        spreads = {key: spread([runs[seed][f"test_{entity_type}"][key] for seed in seeds]) for key in HEADLINE_KEYS}
        summary[f"test_{entity_type}"] = {
            **{key: spreads[key]["mean"] for key in HEADLINE_KEYS},
            "number": detail["number"],
        }
        type_spreads[entity_type] = spreads
    overall = {
        key.removeprefix("test_overall_"): spread([runs[seed][key] for seed in seeds])
        for key in first
        if key.startswith("test_overall_")
    }
    summary |= {f"test_overall_{key}": values["mean"] for key, values in overall.items()}
    summary |= {"epoch": first["epoch"], "runtime": first["runtime"]}
    summary["seeds"] = {
        "seeds": seeds,
        "runs": {
            str(seed): {
                **{key: runs[seed][f"test_overall_{key}"] for key in HEADLINE_KEYS},
                "epoch": runs[seed]["epoch"],
            }
            for seed in seeds
        },
        "overall": {key: overall[key] for key in HEADLINE_KEYS},
        "types": type_spreads,
    }
    return summary


def headline_spread(per_seed: dict[int, dict[str, float]]) -> dict[str, Any]:
    """The spread over seeds of a result's headline scores (``{seed: {precision, recall, f1}}``, in ``train.seeds``
    order): ``{"seeds": [...], "values": {metric: [per seed]}, metric: spread}`` (:func:`spread`), the entry of one
    system or comparison in ``intervals.json``'s ``seeds``."""
    seeds = list(per_seed)
    values = {key: [per_seed[seed][key] for seed in seeds] for key in HEADLINE_KEYS}
    return {"seeds": seeds, "values": values, **{key: spread(values[key]) for key in HEADLINE_KEYS}}
