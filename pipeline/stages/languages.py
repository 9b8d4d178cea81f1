"""Stage ``languages``: one trained system and the starting model scored on every evaluation language.

Usage: ``python -m pipeline.stages.languages SYSTEM SEED``, a system of ``params.yaml`` and the first seed of
``train.seeds`` (the system's reference run, whose model this stage scores; ``dvc.yaml`` passes it).
For each language of
``evaluate.languages`` it scores, with the inference and scoring code of ``evaluate``
(:func:`pipeline.evaluation.scoring.score_placed`), the test split of that language prepared with the system's types
(``data/languages/<system>/<lang>.parquet``), and writes ``reports/scores/languages_<system>.json``:
``{"system": {lang: scores}, "baseline": {lang: scores} or {"available": false, "reason": ...},
"sentences": {lang: n}}``, the starting model restricted to the system's types as ``baseline`` does. Each run
rewrites it whole, so no language of another experiment survives in it. The overall F1 per language is drawn by
``plots`` (``reports/figures/language_f1.png``, ``reports/plots/language_f1/<system>.csv`` for ``dvc plots``); it is
no DVC metric, which keeps ``dvc metrics show`` to the headline scores.

The models run on the GPU when there is one, in the ``train`` precision (``pipeline.model.device``), as in
``evaluate``; with ``evaluate.runtime`` ``onnx`` or ``onnx-int8`` the trained system's span logits come from its
ONNX graph instead (the starting model, which has none, stays in PyTorch). The test split of a training
language holds the same sentences as the system's own test split, so its scores equal ``evaluate``'s when
``prepare.languages`` is one language.
"""

from __future__ import annotations

import logging
from typing import Any

import pyarrow.parquet as pq
from datasets import Dataset

from pipeline.core.atomic import write_json
from pipeline.core.exceptions import DataError
from pipeline.core.params import ComputeParams, EvaluateParams, ModelParams, TrainParams, read_params
from pipeline.core.paths import GRAPHS_DIR, LANGUAGE_TESTS_DIR, MODELS_DIR, run_folder
from pipeline.core.stage import run_arguments, run_stage
from pipeline.data.splits import load_info
from pipeline.evaluation import results
from pipeline.evaluation.scoring import Scored, score_placed, unavailable
from pipeline.graphs.onnx_graph import runtime_logits
from pipeline.model.compute import pin_compute
from pipeline.model.device import PRECISION_KEYS, choose_placement
from pipeline.model.model_folder import load_model
from pipeline.model.starting_model import STARTING_MODEL_KEYS, load_starting_model, plain_encoder_reason

logger = logging.getLogger(__name__)


def load_language_tests(system: str, languages: tuple[str, ...]) -> dict[str, Dataset]:
    """The test split of each language for ``system``; :class:`DataError` for a language the data lacks."""
    folder = LANGUAGE_TESTS_DIR / system
    present = sorted(path.stem for path in folder.glob("*.parquet"))
    missing = [language for language in languages if language not in present]
    if missing:
        raise DataError(f"evaluate.languages: no test rows in {missing} (languages in the test split: {present})")
    return {language: Dataset(pq.read_table(folder / f"{language}.parquet")) for language in languages}


def scores_only(scored: dict[str, Scored]) -> dict[str, dict[str, Any]]:
    """The scores of each language of :func:`~pipeline.evaluation.scoring.score_placed`'s result, without tags."""
    return {language: metrics for language, (metrics, _, _) in scored.items()}


def main() -> None:
    params = read_params()
    system, seed = run_arguments("languages", params)  # seed: the first of train.seeds
    compute = ComputeParams.read(params)
    pin_compute(compute)  # before the first tensor operation
    evaluation = EvaluateParams.read(params, "batch_size", "languages", "runtime")
    starting = ModelParams.read(params, *STARTING_MODEL_KEYS)
    info = load_info(system)
    tests = load_language_tests(system, evaluation.languages)
    placement = choose_placement(TrainParams.read(params, *PRECISION_KEYS))
    model = load_model(MODELS_DIR / run_folder(system, seed))
    logits = runtime_logits(evaluation.runtime, model, GRAPHS_DIR / run_folder(system, seed), compute.threads)
    trained = scores_only(
        score_placed(model, tests, info["labels"], evaluation.batch_size, None if logits else placement, logits=logits)
    )
    start = load_starting_model(starting)
    baseline: dict[str, Any]
    if start is not None:
        baseline = scores_only(
            score_placed(start, tests, info["labels"], evaluation.batch_size, placement, types=set(info["types"]))
        )
    else:
        baseline = unavailable(plain_encoder_reason(starting), model=starting.name)
    for language in evaluation.languages:
        logger.info(
            "system %s, %s: test F1 %.4f on %d sentences",
            system,
            language,
            trained[language]["test_overall_f1"],
            len(tests[language]),
        )
    write_json(
        results.languages(system).scores_file,
        {
            "system": trained,
            "baseline": baseline,
            "sentences": {language: len(test) for language, test in tests.items()},
        },
    )


if __name__ == "__main__":
    run_stage(main)
