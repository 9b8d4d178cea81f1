"""Stage ``seeds``: one system's test scores over its runs, one run per seed of ``train.seeds``.

Usage: ``python -m pipeline.stages.seeds SYSTEM``, a system of ``params.yaml``. Reads the evaluate stage's scores of
every run (``reports/scores/<system>/seed-<seed>.json``) and writes

- ``reports/metrics/<system>.json``: the mean over seeds of the test micro precision, recall and F1, the system's
  DVC metrics (one row per system in ``dvc metrics show`` whatever the number of seeds);
- ``reports/scores/<system>.json``: the per-type detail in the evaluate stage's layout, each score the mean over
  seeds, with the spread (mean, standard deviation, min, max) of every score and each run's headline scores under
  ``seeds`` (:func:`pipeline.evaluation.seeds.summarise`).

With one seed both files hold that run's scores (and a standard deviation of null).
"""

from __future__ import annotations

import json
import logging

from pipeline.core.atomic import write_json
from pipeline.core.exceptions import DataError
from pipeline.core.params import TrainParams, read_params
from pipeline.core.stage import run_stage, system_argument
from pipeline.evaluation import results
from pipeline.evaluation.seeds import summarise
from pipeline.tagging.metrics import headline

logger = logging.getLogger(__name__)


def main() -> None:
    params = read_params()
    system = system_argument("seeds", params)
    seeds = TrainParams.read(params, "seeds").seeds
    runs = {}
    for seed in seeds:
        path = results.run(system, seed).scores_file
        if not path.is_file():
            raise DataError(
                f"{path}: no scores of system {system}, seed {seed}; run `dvc repro` (evaluate@{system}-{seed})"
            )
        runs[seed] = json.loads(path.read_text(encoding="utf-8"))
    try:
        summary = summarise(runs)
    except ValueError as error:
        raise DataError(f"system {system}: {error}") from None
    result = results.system(system)
    write_json(result.scores_file, summary)
    write_json(result.metrics_file, headline(summary, "test_"))
    spread = summary["seeds"]["overall"]["f1"]
    logger.info(
        "system %s over %d seed(s): test F1 mean %.4f, std %s, min %.4f, max %.4f",
        system,
        len(seeds),
        spread["mean"],
        "n/a" if spread["std"] is None else f"{spread['std']:.4f}",
        spread["min"],
        spread["max"],
    )


if __name__ == "__main__":
    run_stage(main)
