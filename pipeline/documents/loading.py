"""The model a command tags with: a system's reference run or a model folder, loaded once, with its runtime."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from span_marker import SpanMarkerModel

from pipeline.core.exceptions import DataError, ParamError
from pipeline.core.params import TrainParams, read_params, system_names
from pipeline.core.paths import GRAPHS_DIR, MODELS_DIR, PARAMS_FILE, run_folder
from pipeline.documents.tagger import Tagger
from pipeline.documents.windows import check_stride
from pipeline.graphs.onnx_graph import MODEL_GRAPH_FOLDER, runtime_logits
from pipeline.model import model_folder
from pipeline.model.device import choose_placement, place_model
from pipeline.model.modeling import is_span_marker_model

logger = logging.getLogger(__name__)
WEIGHTS_FILES = ("model.safetensors", "pytorch_model.bin")
"""The names a model folder's weights are saved under, by preference (transformers' safetensors, then pickle)."""


class ModelError(DataError):
    """A model folder that does not hold a loadable SpanMarker model."""


@dataclass(frozen=True)
class ModelPaths:
    """Where a model named on the command line lies: its ``system`` (None for a folder given as a path), model
    ``folder`` and ONNX ``graphs`` folder."""

    system: str | None
    folder: Path
    graphs: Path


def model_path(name: str | None) -> ModelPaths:
    """The system, model folder and graph folder of ``name``: for a system of ``params.yaml`` (in the working directory;
    also when ``name`` is the path ``models/<system>``), its reference run's, ``models/<name>/seed-<seed>`` and
    ``graphs/<name>/seed-<seed>`` with the first seed of ``train.seeds``; else ``name`` as a path and its ``onnx/``
    sub-folder; without a name, the first system's. Raises :class:`ParamError` for no name and no systems, or a bad
    ``train.seeds``."""
    params = read_params() if PARAMS_FILE.is_file() else {}
    systems = system_names(params) if params else []
    if name is None:
        if not systems:
            raise ParamError(f"--model: no {PARAMS_FILE} here to name a system; give a model folder")
        name = systems[0]
    if Path(name).parent == MODELS_DIR and Path(name).name in systems:  # models/<system> given as a path
        name = Path(name).name
    if name in systems:
        run = run_folder(name, TrainParams.read(params, "seeds").seeds[0])
        return ModelPaths(name, MODELS_DIR / run, GRAPHS_DIR / run)
    return ModelPaths(None, Path(name), Path(name) / MODEL_GRAPH_FOLDER)


def first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def load_model(path: Path, place: bool = True) -> SpanMarkerModel:
    """The SpanMarker model saved in folder ``path``, on the GPU if there is one and ``place`` is true."""
    if not path.exists():
        raise FileNotFoundError(
            f"model folder {path} not found (`dvc repro` trains models/<system>/seed-<seed> for every "
            "system of params.yaml and seed of train.seeds, `dvc pull` downloads them)"
        )
    try:
        is_span_marker = path.is_dir() and (path / "config.json").is_file() and is_span_marker_model(str(path))
    except (OSError, ValueError):
        is_span_marker = False
    if not is_span_marker:
        raise ModelError(f"{path} is not a SpanMarker model folder (no config.json of a SpanMarker model)")
    try:
        model = model_folder.load_model(path)
    except (OSError, ValueError) as error:
        raise ModelError(f"{path}: cannot load the SpanMarker model: {first_line(error)}") from error
    if place:
        model = place_model(model, choose_placement())
    logger.info(
        "loaded SpanMarker model %s with entity types %s",
        path,
        sorted(label for index, label in model.config.id2label.items() if index != model.config.outside_id),
    )
    return model


def load_tagger(name: str | None, runtime: str, batch_size: int, stride: int) -> tuple[Tagger, ModelPaths]:
    """The :class:`Tagger` of the model ``name`` names (:func:`model_path`) with ``runtime``'s span logits
    (:func:`pipeline.graphs.onnx_graph.runtime_logits`, all cores), and where the model lies. Raises as
    :func:`model_path`, :func:`load_model`, :func:`pipeline.documents.windows.check_stride` and the graph's loading
    do."""
    paths = model_path(name)
    model = load_model(paths.folder, place=runtime == "torch")
    check_stride(model, stride)
    return Tagger(model, batch_size, stride, runtime_logits(runtime, model, paths.graphs, threads=0)), paths


def weights_digest(path: Path) -> str | None:
    """The SHA-256 (hex) of the model folder's weights file (the first of :data:`WEIGHTS_FILES` there); None
    without one."""
    weights = next((path / name for name in WEIGHTS_FILES if (path / name).is_file()), None)
    if weights is None:
        return None
    digest = hashlib.sha256()
    with weights.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
