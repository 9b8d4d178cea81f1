"""Stage ``export``: the ONNX graphs of one run's model (a system trained with one seed), in
``graphs/<system>/seed-<seed>/``.

Usage: ``python -m pipeline.stages.export SYSTEM SEED`` (``dvc.yaml`` runs every system and seed of ``train.seeds``).
Reads the model folder ``models/<system>/seed-<seed>/`` and writes, in ``graphs/<system>/seed-<seed>/``,

- ``model.onnx``: the float32 graph of the span logits, checked against PyTorch on the first
  ``onnx.check_sentences`` sentences of the system's validation split before it is written (0: all of them);
- ``model_int8.onnx``: its int8 quantisation (:mod:`pipeline.graphs.onnx_graph`).

Both run on the CPU with ``compute.threads`` threads, the check in batches of ``evaluate.batch_size`` samples. With
``onnx.export`` false the folder is left empty: the ``onnx`` runtimes then have no graph, and the ``int8`` stage says
so. Training never reads what this stage writes, so an edit to the export reruns the export and what reads its
graphs, never the training.
"""

from __future__ import annotations

import logging

from pipeline.core.atomic import atomic_path
from pipeline.core.params import ComputeParams, EvaluateParams, OnnxParams, read_params
from pipeline.core.paths import GRAPHS_DIR, MODELS_DIR, run_folder
from pipeline.core.stage import run_arguments, run_stage
from pipeline.data.splits import load_split
from pipeline.graphs.onnx_graph import write_graphs
from pipeline.model.compute import pin_compute
from pipeline.model.model_folder import load_model

logger = logging.getLogger(__name__)


def main() -> None:
    params = read_params()
    system, seed = run_arguments("export", params)
    run = run_folder(system, seed)
    compute = ComputeParams.read(params)
    pin_compute(compute)  # before the first tensor operation
    onnx = OnnxParams.read(params)
    with atomic_path(GRAPHS_DIR / run) as folder:
        folder.mkdir(parents=True)
        if not onnx.export:
            logger.info("run %s: onnx.export is false, no graph exported", run.as_posix())
            return
        sentences = [list(words) for words in load_split(system, "validation")["tokens"]]
        write_graphs(
            load_model(MODELS_DIR / run),
            sentences[: onnx.check_sentences or None],
            folder,
            EvaluateParams.read(params, "batch_size").batch_size,
            compute.threads,
            f"the validation split of system {system}",
        )


if __name__ == "__main__":
    run_stage(main)
