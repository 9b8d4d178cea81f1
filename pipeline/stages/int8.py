"""Stage ``int8``: score one system's int8 ONNX graph on its test split, beside the evaluate stage's scores.

Usage: ``python -m pipeline.stages.int8 SYSTEM SEED``, a system of ``params.yaml`` and the first seed of
``train.seeds`` (the system's reference run, whose model this stage scores; ``dvc.yaml`` passes it). The graph is
``graphs/<system>/seed-<seed>/model_int8.onnx``, written by the export stage (ONNX Runtime's dynamic quantisation of
the float graph, :mod:`pipeline.graphs.onnx_graph`), run by ONNX Runtime on the CPU with ``compute.threads`` threads.
Writes, as the evaluate stage does for a run,

- ``reports/metrics/int8_<system>.json``: micro precision, recall and F1 (DVC metrics);
- ``reports/scores/int8_<system>.json``: the per-type detail;
- ``data/predictions/int8_<system>.parquet``: the predicted tags of every test sentence, which ``analyze`` pairs
  with the evaluate stage's for the bootstrap interval of the F1 difference.

Without a graph (``onnx.export`` false) the scores file says so, the metrics file is empty and the predictions
file has no rows.
"""

from __future__ import annotations

import logging

from pipeline.core.params import ComputeParams, EvaluateParams, read_params
from pipeline.core.paths import GRAPHS_DIR, run_folder
from pipeline.core.stage import run_arguments, run_stage
from pipeline.evaluation import results
from pipeline.evaluation.scoring import write_unavailable
from pipeline.evaluation.system_scores import evaluate_system
from pipeline.graphs.onnx_graph import graph_path
from pipeline.model.compute import pin_compute

logger = logging.getLogger(__name__)


def main() -> None:
    params = read_params()
    system, seed = run_arguments("int8", params)  # seed: the first of train.seeds
    compute = ComputeParams.read(params)
    pin_compute(compute)  # before the first tensor operation
    result = results.int8(system)
    if not graph_path(GRAPHS_DIR / run_folder(system, seed), "onnx-int8").is_file():
        write_unavailable(result, "onnx.export is false: no int8 graph")
        logger.info("system %s: onnx.export is false, no int8 graph to score", system)
        return
    evaluate_system(
        result, seed, "onnx-int8", EvaluateParams.read(params, "batch_size").batch_size, None, compute.threads
    )


if __name__ == "__main__":
    run_stage(main)
