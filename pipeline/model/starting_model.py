"""The starting model (``model.name`` at ``model.revision``) as a model to score before fine-tuning, for the
baseline, languages and external stages."""

from __future__ import annotations

from span_marker import SpanMarkerModel

from pipeline.core.params import ModelParams
from pipeline.model.model_folder import load_model
from pipeline.model.modeling import is_span_marker_model, resolve_model_path

STARTING_MODEL_KEYS = ("name", "revision")
"""The keys of the ``model`` block that name the starting model: ``ModelParams.read(params, *STARTING_MODEL_KEYS)``
is all that a stage scoring it reads of the block."""


def plain_encoder_reason(starting: ModelParams) -> str:
    """Why there is nothing to score before fine-tuning when ``model.name`` is a plain encoder."""
    return f"model.name {starting.name!r} is a plain encoder, not a SpanMarker model"


def load_starting_model(starting: ModelParams) -> SpanMarkerModel | None:
    """``model.name`` at ``model.revision`` (of ``starting``) loaded as a SpanMarker model (on the CPU), or None
    when it is a plain encoder (see :func:`plain_encoder_reason`)."""
    path = resolve_model_path(starting.name)
    if not is_span_marker_model(path, starting.revision):
        return None
    return load_model(path, starting.revision)
