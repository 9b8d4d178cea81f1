"""Stage ``int8``: score one system's int8 ONNX graph on its test split, beside the evaluate stage's scores.

Usage: ``python -m pipeline.stages.int8 SYSTEM``, a system of ``params.yaml``. The graph is the model folder's
``graphs/<system>/model_int8.onnx`` written by the export stage (ONNX Runtime's dynamic quantisation of the float
graph, :mod:`pipeline.graphs.onnx_graph`),
run by ONNX Runtime on the CPU with ``compute.threads`` threads. Writes, as the evaluate stage does for ``<system>``,

- ``reports/metrics/int8_<system>.json``: micro precision, recall and F1 (DVC metrics);
- ``reports/scores/int8_<system>.json``: the per-type detail;
- ``data/predictions/int8_<system>.parquet``: the predicted tags of every test sentence, which ``analyze`` pairs
  with the evaluate stage's for the bootstrap interval of the F1 difference.

Without a graph (``onnx.export`` false) the scores file says so, the metrics file is empty and the predictions
file has no rows.
"""

from __future__ import annotations

import logging

from pipeline.core.atomic import write_json
from pipeline.core.params import ComputeParams, read_params
from pipeline.core.paths import GRAPHS_DIR, PREDICTIONS_DIR, int8_name, metrics_file, scores_file
from pipeline.core.stage import run_stage, system_argument
from pipeline.evaluation.scoring import write_no_predictions
from pipeline.model.compute import pin_compute
from pipeline.evaluation.system_scores import evaluate_system
from pipeline.graphs.onnx_graph import graph_path

logger = logging.getLogger(__name__)


def main() -> None:
    params = read_params()
    system = system_argument("int8", params)
    pin_compute(ComputeParams.read(params))  # before the first tensor operation
    name = int8_name(system)
    if not graph_path(GRAPHS_DIR / system, "onnx-int8").is_file():
        write_no_predictions(PREDICTIONS_DIR / f"{name}.parquet")
        write_json(scores_file(name), {"available": False, "reason": "onnx.export is false: no int8 graph"})
        write_json(metrics_file(name), {})
        logger.info("system %s: onnx.export is false, no int8 graph to score", system)
        return
    evaluate_system(system, "onnx-int8", name, params)


if __name__ == "__main__":
    run_stage(main)
