"""Stage ``external``: one trained system, and the starting model, scored on every external test set.

Usage: ``python -m pipeline.stages.external SYSTEM SEED``, a system of ``params.yaml`` and the first seed of
``train.seeds`` (the system's reference run, whose model this stage scores; ``dvc.yaml`` passes it).
For each set of ``external``
(read by ``external_local`` or ``external_hub`` into ``data/external/<set>.parquet``) it keeps the entity types the
set and the system share (a set with none is skipped, and the scores file says why), maps every other type to ``O``
in gold and predictions, and scores the system with the inference and scoring code of ``evaluate``
(:func:`pipeline.evaluation.scoring.score_placed`; ``evaluate.runtime`` chooses PyTorch or the ONNX graph), then the
starting model the same way when it is a SpanMarker model, as ``baseline`` does. Writes

- ``reports/metrics/external_<system>/<set>.json`` and ``baseline_<set>.json``: micro precision, recall and F1, the
  layout of every DVC metrics file, so ``dvc metrics show`` gives one row per set, system and baseline;
- ``reports/external/<system>.json``: per set, the types scored, the sentences, the per-type scores of the
  system and the baseline (``test_`` keys, as ``evaluate`` writes them), the 95% paired-bootstrap intervals of both
  and of their F1 difference (:mod:`pipeline.evaluation.bootstrap`, ``evaluate.bootstrap_*``), the set the MultiNERD
  paper reports it as (``published``, for the report), and the skipped sets with the reason.

The models run on the GPU when there is one, in the ``train`` precision (``pipeline.model.device``).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from datasets import Dataset

from pipeline.core.atomic import atomic_path, write_json
from pipeline.core.params import ComputeParams, EvaluateParams, ModelParams, TrainParams, external_sets, read_params
from pipeline.core.paths import EXTERNAL_DIR, GRAPHS_DIR, MODELS_DIR, run_folder
from pipeline.core.stage import run_arguments, run_stage
from pipeline.data.labels import ENTITY_TYPES, MULTINERD_LABELS
from pipeline.data.splits import load_info
from pipeline.evaluation import results
from pipeline.evaluation.bootstrap import paired_intervals, resampled_totals, score_intervals, sentence_counts
from pipeline.evaluation.scoring import score_placed, unavailable
from pipeline.graphs.onnx_graph import runtime_logits
from pipeline.model.compute import pin_compute
from pipeline.model.device import PRECISION_KEYS, choose_placement
from pipeline.model.model_folder import load_model
from pipeline.model.starting_model import STARTING_MODEL_KEYS, load_starting_model, plain_encoder_reason
from pipeline.tagging.metrics import headline

logger = logging.getLogger(__name__)


def bootstrap(
    system: tuple[list[list[str]], list[list[str]]],
    baseline: tuple[list[list[str]], list[list[str]]] | None,
    types: list[str],
    resamples: int,
    seed: int,
) -> dict[str, Any]:
    """Intervals of one set: the system's scores, the baseline's (None without one) and the F1 difference system −
    baseline (None without one), the two resampled with the same draws of the set's sentences."""
    counts = sentence_counts(*system, types)
    if baseline is None:
        return {
            "system": score_intervals(counts, types, resampled_totals([counts], resamples, seed)[0]),
            "baseline": None,
            "difference": None,
        }
    ours, theirs, difference = paired_intervals(counts, sentence_counts(*baseline, types), types, resamples, seed)
    return {"system": ours, "baseline": theirs, "difference": difference}


def main() -> None:
    params = read_params()
    system, seed = run_arguments("external", params)  # seed: the first of train.seeds
    compute = ComputeParams.read(params)
    pin_compute(compute)  # before the first tensor operation
    sets = external_sets(params)
    evaluation = EvaluateParams.read(params, "batch_size", "runtime", "bootstrap_resamples", "bootstrap_seed")
    batch_size, runtime = evaluation.batch_size, evaluation.runtime
    starting = ModelParams.read(params, *STARTING_MODEL_KEYS)
    precision = TrainParams.read(params, *PRECISION_KEYS)
    kept = load_info(system)["types"]
    result: dict[str, Any] = {
        "resamples": evaluation.bootstrap_resamples,
        "seed": evaluation.bootstrap_seed,
        "runtime": runtime,
        "sets": {},
        "skipped": {},
    }
    shared = {
        name: [t for t in ENTITY_TYPES if t in kept and t in entry.types.values()] for name, entry in sets.items()
    }
    for name, types in shared.items():
        if not types:
            result["skipped"][name] = (
                f"no entity type in common: {system} keeps {', '.join(kept)}, the set maps onto "
                f"{', '.join(sorted(set(sets[name].types.values())))}"
            )
            logger.info("system %s, %s: skipped, %s", system, name, result["skipped"][name])
    scored = {name: types for name, types in shared.items() if types}
    metrics: dict[Path, dict[str, float]] = {}
    if scored:
        placement = choose_placement(precision)
        model = load_model(MODELS_DIR / run_folder(system, seed))
        logits = runtime_logits(runtime, model, GRAPHS_DIR / run_folder(system, seed), compute.threads)
        start = load_starting_model(starting)
        for name, types in scored.items():
            test = {name: Dataset(pq.read_table(EXTERNAL_DIR / f"{name}.parquet"))}
            scores, gold, predicted = score_placed(
                model, test, MULTINERD_LABELS, batch_size, None if logits else placement, set(types), logits
            )[name]
            entry: dict[str, Any] = {
                "types": types,
                "sentences": len(gold),
                "published": sets[name].published,
                "system": scores,
            }
            if start is None:
                entry["baseline"] = unavailable(plain_encoder_reason(starting), model=starting.name)
                before = None
            else:
                base_scores, _, base_predicted = score_placed(
                    start, test, MULTINERD_LABELS, batch_size, placement, set(types)
                )[name]
                entry["baseline"] = base_scores | {"available": True, "model": starting.name}
                metrics[results.external_metrics_file(system, name, of_baseline=True)] = headline(base_scores, "test_")
                before = (gold, base_predicted)
            entry["intervals"] = bootstrap(
                (gold, predicted), before, types, evaluation.bootstrap_resamples, evaluation.bootstrap_seed
            )
            metrics[results.external_metrics_file(system, name)] = headline(scores, "test_")
            result["sets"][name] = entry
            low, high = entry["intervals"]["system"]["overall"]["f1"]["interval"]
            logger.info(
                "system %s, %s (%s): F1 %.4f [%.4f, %.4f] on %d sentences",
                system,
                name,
                ", ".join(types),
                scores["test_overall_f1"],
                low,
                high,
                len(gold),
            )
    external = results.external(system)
    with atomic_path(external.metrics_file) as folder:
        folder.mkdir()
        for path, values in metrics.items():
            write_json(folder / path.name, values)
    write_json(external.scores_file, result)


if __name__ == "__main__":
    run_stage(main)
