"""How long does the paired bootstrap of ``analyze`` take at the size of MultiNERD's English test split?

Builds a test set of ``--sentences`` sentences (default 32,908, the English test split of the Hub dataset)
of random BIO tags over MultiNERD's 15 types, gold and two systems' predictions that agree with it on a
share of the tokens, and times, with ``--resamples`` resamples (default 1,000):

- ``counts``: :func:`pipeline.evaluation.bootstrap.sentence_counts` of both systems (one pass over the
  sentences each);
- ``resample``: :func:`pipeline.evaluation.bootstrap.resampled_totals` of both, paired;
- ``intervals``: the scores with intervals of both and the interval of their difference;
- ``analysis``: :func:`pipeline.stages.analyze.intervals` end to end, a system with its baseline and a
  comparison of the two systems on five types (what the default run computes, at full size).

Usage (from the repository root)::

    python -m benchmarks.bench_bootstrap [--sentences N] [--resamples R] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import numpy as np

from pipeline.data.labels import ENTITY_TYPES
from pipeline.evaluation.bootstrap import difference_interval, resampled_totals, score_intervals, sentence_counts
from pipeline.stages.analyze import intervals

TEST_SENTENCES = 32_908
"""Rows of the English test split of ``Babelscape/multinerd`` on the Hub (the issue's figure: 262,560 +
32,820 + 32,908 rows in the English splits)."""


def random_test_set(sentences: int, seed: int) -> tuple[list[list[str]], list[list[str]], list[list[str]]]:
    """Gold tags (sentences of 5–40 tokens, about one entity in four tokens) and two predictions: the first
    keeps 90 % of the gold tags, the second 75 %, the rest set to ``O``."""
    rng = np.random.default_rng(seed)
    types = np.array(ENTITY_TYPES)
    gold = []
    for length in rng.integers(5, 41, sentences):
        starts = rng.random(length) < 0.25
        chosen = types[rng.integers(0, len(types), length)]
        row, current = [], None
        for position in range(length):
            if starts[position]:
                current = chosen[position]
                row.append(f"B-{current}")
            elif current is not None and rng.random() < 0.5:
                row.append(f"I-{current}")
            else:
                current = None
                row.append("O")
        gold.append(row)
    first = [[tag if rng.random() < 0.9 else "O" for tag in row] for row in gold]
    second = [[tag if rng.random() < 0.75 else "O" for tag in row] for row in gold]
    return gold, first, second


def measure(sentences: int, resamples: int, seed: int = 0) -> dict[str, float]:
    """Seconds of each step (see the module docstring), the sentences and resamples, and the peak memory."""
    gold, first, second = random_test_set(sentences, seed)
    types = list(ENTITY_TYPES)
    figures: dict[str, float] = {"sentences": sentences, "resamples": resamples}
    start = time.perf_counter()
    mine, theirs = sentence_counts(gold, first, types), sentence_counts(gold, second, types)
    figures["counts_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    totals = resampled_totals([mine, theirs], resamples, seed)
    figures["resample_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    score_intervals(mine, types, totals[0])
    score_intervals(theirs, types, totals[1])
    found = difference_interval(mine, theirs, *totals)
    figures["intervals_seconds"] = time.perf_counter() - start
    figures["difference"], figures["difference_low"], figures["difference_high"] = (
        found["difference"],
        *found["interval"],
    )
    compared = {"B_on_A_types": {"system": "A", "other": "B", "types": ["ANIM", "DIS", "LOC", "ORG", "PER"]}}
    start = time.perf_counter()
    intervals(
        {"A": types, "B": types},
        {"A": (gold, first), "B": (gold, second)},
        {"A": (gold, second)},
        compared,
        resamples,
        seed,
    )
    figures["analysis_seconds"] = time.perf_counter() - start
    figures["peak_memory_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=TEST_SENTENCES)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    figures = measure(args.sentences, args.resamples)
    for key, value in figures.items():
        print(f"{key:>20}: {value:.4g}" if isinstance(value, float) else f"{key:>20}: {value:,}")
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
