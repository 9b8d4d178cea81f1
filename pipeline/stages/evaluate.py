"""Stage ``evaluate``: score one run (a system trained with one seed) on the system's test split, offline, with
seqeval.

Usage: ``python -m pipeline.stages.evaluate SYSTEM SEED`` (``dvc.yaml`` runs every system and seed of
``train.seeds``). Writes

- ``reports/scores/<system>/seed-<seed>.json``: the per-type detail in the key layout of the original project's
  ``test_results`` files, ``test_<TYPE>`` (precision/recall/f1/number) and
  ``test_overall_{precision,recall,f1,accuracy}``, plus the ``epoch`` that actually ran and the ``runtime``;
- ``data/predictions/<system>/seed-<seed>.parquet``: the predicted tags of every test sentence, for the error
  analysis.

The ``seeds`` stage summarises a system's runs into its DVC metrics file ``reports/metrics/<system>.json``.

``evaluate.runtime`` chooses what computes the span logits: ``torch`` (the default: on the GPU when there is one,
in the ``train`` precision, ``pipeline.model.device``), or the export stage's ONNX graph (``onnx``, ``onnx-int8``:
ONNX Runtime on the CPU with ``compute.threads`` threads). The ``int8`` stage scores the int8 graph with
:func:`pipeline.evaluation.system_scores.evaluate_system` under its own names.
"""

from __future__ import annotations

from pipeline.core.params import ComputeParams, EvaluateParams, TrainParams, read_params
from pipeline.core.stage import run_arguments, run_stage
from pipeline.evaluation import results
from pipeline.evaluation.system_scores import evaluate_system
from pipeline.model.compute import pin_compute
from pipeline.model.device import PRECISION_KEYS


def main() -> None:
    params = read_params()
    system, seed = run_arguments("evaluate", params)
    compute = ComputeParams.read(params)
    pin_compute(compute)  # before the first tensor operation
    evaluation = EvaluateParams.read(params, "batch_size", "runtime")
    evaluate_system(
        results.run(system, seed),
        seed,
        evaluation.runtime,
        evaluation.batch_size,
        TrainParams.read(params, *PRECISION_KEYS),
        compute.threads,
    )


if __name__ == "__main__":
    run_stage(main)
