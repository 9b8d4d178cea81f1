"""The starting checkpoint as a model to score before fine-tuning, for the baseline and languages stages."""

from __future__ import annotations

from span_marker import SpanMarkerModel

from pipeline.model.model_folder import load_model
from pipeline.model.modeling import is_span_marker_checkpoint, resolve_model_path
from pipeline.core.params import CheckpointParams


def plain_encoder_reason(checkpoint: CheckpointParams) -> str:
    """Why there is nothing to score before fine-tuning when ``model.name`` is a plain encoder."""
    return f"model.name {checkpoint.name!r} is a plain encoder, not a SpanMarker model"


def load_starting_model(checkpoint: CheckpointParams) -> SpanMarkerModel | None:
    """``model.name`` at ``model.revision`` loaded as a SpanMarker model (on the CPU), or None when it is a
    plain encoder (see :func:`plain_encoder_reason`)."""
    path = resolve_model_path(checkpoint.name)
    if not is_span_marker_checkpoint(path, checkpoint.revision):
        return None
    return load_model(path, checkpoint.revision)
