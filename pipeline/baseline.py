"""Stage ``baseline``: the starting checkpoint scored on a system's test split before any fine-tuning.

Usage: ``python -m pipeline.baseline A``. When ``model.name`` is a SpanMarker model (the real run starts
from the 15-type MultiNERD model), its predictions and the gold tags are restricted to the system's types
and scored like the trained system, giving ``reports/metrics/baseline_<system>.json``. When it is a plain
encoder there is nothing to score: the file says so (``"available": false``) and holds no scores. The model
runs on the GPU when there is one, in the system's ``train`` precision (``pipeline.device``).
"""

from __future__ import annotations

import logging
from pathlib import Path

from span_marker import SpanMarkerModel

from pipeline.atomic import write_json
from pipeline.data import load_labels, load_split
from pipeline.device import autocast, choose_placement, place_model
from pipeline.evaluate import METRICS_DIR
from pipeline.modeling import is_span_marker_checkpoint, resolve_model_path
from pipeline.params import load_params, train_params
from pipeline.scoring import score_model
from pipeline.stage import run_stage, system_argument

logger = logging.getLogger(__name__)


def baseline_path(system: str) -> Path:
    return METRICS_DIR / f"baseline_{system}.json"


def main() -> None:
    system = system_argument("baseline")
    params = load_params()
    name, revision = params["model"]["name"], params["model"].get("revision")
    path = resolve_model_path(name)
    if not is_span_marker_checkpoint(path, revision):
        reason = f"model.name {name!r} is a plain encoder, not a SpanMarker model: no baseline before fine-tuning"
        write_json(baseline_path(system), {"available": False, "model": name, "reason": reason})
        logger.info("system %s: %s", system, reason)
        return
    placement = choose_placement(train_params(params, system))
    model = place_model(SpanMarkerModel.from_pretrained(path, revision=revision), placement)
    types = set(params["systems"][system]["types"])
    with autocast(placement):
        metrics, _, _ = score_model(model, load_split(system, "test"), load_labels(system),
                                    params["evaluate"]["batch_size"], types=types)
    metrics.update(available=True, model=name)
    write_json(baseline_path(system), metrics)
    logger.info("system %s: baseline (%s before fine-tuning) test F1 %.4f", system, name, metrics["test_overall_f1"])


if __name__ == "__main__":
    run_stage(main)
