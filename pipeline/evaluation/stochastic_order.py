"""Which test judges a difference between two systems, and the Almost Stochastic Order test over training seeds.

With several training seeds on either side, the question is whether one system's score distribution over seeds is
better than the other's: Almost Stochastic Order (ASO; del Barrio et al. 2018, Dror et al., ACL 2019), as
implemented by the ``deepsig`` package (Ulmer et al. 2022), on the per-seed test F1 of both sides. With one seed a
side there is no distribution over seeds to compare, and the paired bootstrap over test sentences judges the
difference, as before (:func:`pipeline.evaluation.bootstrap.paired_intervals`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deepsig import aso


def aso_test(
    mine: Sequence[float], theirs: Sequence[float], alpha: float, threshold: float, iterations: int, seed: int
) -> dict[str, Any]:
    """ASO on two samples of scores (``mine``, ``theirs``: the per-seed F1 of each side; a side without seeds, such as
    a baseline, is its one score), in both directions: ``epsilon_min`` bounds how far ``mine`` violates stochastic
    dominance over ``theirs`` (0: ``mine`` always better, 1: never), ``epsilon_min_reverse`` the same the other
    way, each at confidence ``1 − alpha`` with ``iterations`` bootstrap iterations from ``seed`` (reproducible).
    ``decision`` is ``"better"`` when ``epsilon_min < threshold`` (deepsig's authors recommend 0.2, the test's
    bound 0.5), ``"worse"`` when the reverse is, else ``"undecided"``.

    Returns ``{"test": "aso", "epsilon_min", "epsilon_min_reverse", "alpha", "threshold", "decision", "seeds":
    [len(mine), len(theirs)]}``.
    """
    options = {
        "confidence_level": 1.0 - alpha,
        "num_bootstrap_iterations": iterations,
        "seed": seed,
        "show_progress": False,
    }
    forward = float(aso(list(mine), list(theirs), **options))
    reverse = float(aso(list(theirs), list(mine), **options))
    decision = "better" if forward < threshold else "worse" if reverse < threshold else "undecided"
    return {
        "test": "aso",
        "epsilon_min": forward,
        "epsilon_min_reverse": reverse,
        "alpha": alpha,
        "threshold": threshold,
        "decision": decision,
        "seeds": [len(mine), len(theirs)],
    }


def uses_aso(mine: Sequence[float], theirs: Sequence[float]) -> bool:
    """Whether a difference is judged by ASO over seeds (several seeds on either side) rather than by the paired
    bootstrap over test sentences (one seed a side)."""
    return max(len(mine), len(theirs)) > 1
