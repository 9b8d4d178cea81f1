"""Stage ``evaluate``: score one trained system on its test split, offline, with seqeval.

Usage: ``python -m pipeline.stages.evaluate SYSTEM``, a system of ``params.yaml``. Writes

- ``reports/metrics/<system>.json``: the micro precision, recall and F1
  (:func:`pipeline.tagging.metrics.headline`), a DVC metrics file;
- ``reports/scores/<system>.json``: the per-type detail in the key layout of the original project's
  ``test_results`` files, ``test_<TYPE>`` (precision/recall/f1/number) and
  ``test_overall_{precision,recall,f1,accuracy}``, plus the ``epoch`` that actually ran and the ``runtime``;
- ``data/predictions/<system>.parquet``: the predicted tags of every test sentence, for the error analysis.

``evaluate.runtime`` chooses what computes the span logits: ``torch`` (the default: on the GPU when there is one,
in the ``train`` precision, ``pipeline.model.device``), or the export stage's ONNX graph (``onnx``, ``onnx-int8``:
ONNX Runtime on the CPU with ``compute.threads`` threads). The ``int8`` stage scores the int8 graph with
:func:`pipeline.evaluation.system_scores.evaluate_system` under its own names.
"""

from __future__ import annotations

from pipeline.core.params import ComputeParams, EvaluateParams, TrainParams, read_params
from pipeline.core.stage import run_stage, system_argument
from pipeline.evaluation import results
from pipeline.evaluation.system_scores import evaluate_system
from pipeline.model.compute import pin_compute
from pipeline.model.device import PRECISION_KEYS


def main() -> None:
    params = read_params()
    system = system_argument("evaluate", params)
    compute = ComputeParams.read(params)
    pin_compute(compute)  # before the first tensor operation
    evaluation = EvaluateParams.read(params, "batch_size", "runtime")
    evaluate_system(
        results.system(system),
        evaluation.runtime,
        evaluation.batch_size,
        TrainParams.read(params, *PRECISION_KEYS),
        compute.threads,
    )


if __name__ == "__main__":
    run_stage(main)
