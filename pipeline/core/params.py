"""Typed views of ``params.yaml``: one frozen dataclass per block, each built and checked by the stage that reads it.

A stage builds only the blocks it reads (``DownloadParams.read(params)``, ``TrainParams.read(params, "B")``, ...),
so a parameter is checked where it is used and nowhere else: a value that only ``download`` reads never stops
``evaluate``. Every field is checked for its type and range when the block is built; the first bad value raises
:class:`ParamError` naming the parameter, the value and what is allowed.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, ClassVar, Literal, Self, TypeVar

from ruamel.yaml import YAML

from pipeline.core.exceptions import ParamError
from pipeline.data.labels import ENTITY_TYPES
from pipeline.core.paths import LANGUAGES, PARAMS_FILE

T = TypeVar("T")


def read_params(path: str | Path = PARAMS_FILE) -> dict[str, Any]:
    """The parameter file as nested dictionaries, unchecked; raises :class:`ParamError` if it is missing.

    Read as YAML 1.2, as DVC reads and writes it: ``dvc exp run -S train.learning_rate=5.0e-5`` stores
    ``5e-05``, a number in YAML 1.2 but a string to a YAML 1.1 reader such as PyYAML.
    """
    path = Path(path)
    if not path.is_file():
        raise ParamError(f"{path}: parameter file not found (run the stages from the repository root)")
    params = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(params, dict):
        raise ParamError(f"{path}: expected a mapping of parameter blocks, got {type(params).__name__}")
    return params


def _at_least(minimum: float) -> dict[str, Any]:
    return {"minimum": minimum}


def _between(low: float, high: float, *, low_open: bool = False) -> dict[str, Any]:
    return {"minimum": low, "maximum": high, "low_open": low_open}


def _allowed(hint: Any, meta: dict[str, Any]) -> str:
    """Words for what a field accepts, for error messages."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return ", ".join(str(arg) for arg in args)
    if hint is bool:
        return "true or false"
    if hint is int:
        return f"an integer >= {meta.get('minimum', 0)}"
    if hint is float:
        opening = "(" if meta.get("low_open") else "["
        return f"a number in {opening}{meta['minimum']}, {meta['maximum']}]"
    if origin is dict:
        return "a mapping"
    if origin is tuple:
        return f"a non-empty list without repeats of: {', '.join(meta['choices'])}"
    return "a string or null" if origin in (types.UnionType, typing.Union) else "a non-empty string"


def _valid(value: Any, hint: Any, meta: dict[str, Any]) -> bool:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is Literal:
        return value in args
    if hint is bool:
        return isinstance(value, bool)
    if hint in (int, float):
        kinds = (int,) if hint is int else (int, float)
        if not isinstance(value, kinds) or isinstance(value, bool):
            return False
        low, high = meta.get("minimum"), meta.get("maximum")
        above = low is None or (value > low if meta.get("low_open") else value >= low)
        return above and (high is None or value <= high)
    if origin is dict:
        return isinstance(value, dict)
    if origin is tuple:
        return (isinstance(value, list) and bool(value) and len(set(value)) == len(value)
                and all(item in meta["choices"] for item in value))
    if origin in (types.UnionType, typing.Union):  # str | None
        return value is None or isinstance(value, str)
    return isinstance(value, str) and bool(value)


def build(cls: type[T], values: Any, name: str, where: dict[str, str] | None = None) -> T:
    """An instance of the dataclass ``cls`` from the mapping ``values`` (the block ``name`` of the file).

    ``where`` names the parameter a field came from when it is not ``<name>.<field>`` (a system's override).
    Raises :class:`ParamError` for a missing block, a missing or unknown key, or a value of the wrong type
    or outside its range.
    """
    if not isinstance(values, dict):
        raise ParamError(f"{name}: missing from params.yaml or not a mapping")
    names = [f.name for f in fields(cls)]
    unknown = sorted(set(values) - set(names))
    if unknown:
        raise ParamError(f"{name}: unknown key(s) {unknown}; allowed keys: {', '.join(names)}")
    hints = typing.get_type_hints(cls)
    for f in fields(cls):
        label = (where or {}).get(f.name, f"{name}.{f.name}")
        if f.name not in values:
            raise ParamError(f"{label}: missing from params.yaml")
        if not _valid(values[f.name], hints[f.name], dict(f.metadata)):
            raise ParamError(f"{label}: got {values[f.name]!r}; allowed: {_allowed(hints[f.name], dict(f.metadata))}")
    return cls(**{key: tuple(value) if isinstance(value, list) else value for key, value in values.items()})


class Block:
    """A parameter block read from ``params[BLOCK]``; with ``PARTIAL``, only its own keys of that block."""

    BLOCK: ClassVar[str]
    PARTIAL: ClassVar[bool] = False

    @classmethod
    def read(cls, params: dict[str, Any]) -> Self:
        """The block, built and checked by :func:`build`."""
        block = params.get(cls.BLOCK)
        if cls.PARTIAL and isinstance(block, dict):
            block = {key: value for key, value in block.items() if key in {f.name for f in fields(cls)}}
        return build(cls, block, cls.BLOCK)


@dataclass(frozen=True)
class DownloadParams(Block):
    """Block ``download``: where MultiNERD comes from."""

    BLOCK: ClassVar[str] = "download"
    source: Literal["sample", "local", "hub"]
    """``sample``: the embedded synthetic sample; ``local``: a copy on disk; ``hub``: the Hugging Face Hub."""
    path: str
    """Folder read by ``sample`` and ``local``, laid out like the Hub dataset (``train/ val/ test/``); a
    dependency of the ``download`` stage, so a change to its files reruns it."""
    hub_name: str
    """Hub dataset id, read by ``hub``."""
    hub_revision: str | None
    """Pinned Hub revision (a commit hash), read by ``hub``; it is what identifies the Hub data."""


@dataclass(frozen=True)
class PrepareParams(Block):
    """Block ``prepare``: which rows the systems learn from."""

    BLOCK: ClassVar[str] = "prepare"
    languages: tuple[str, ...] = field(metadata={"choices": LANGUAGES})
    """MultiNERD ``lang`` codes of the rows the systems train, validate and are tested on, e.g. ``[en]`` or
    ``[en, de]``; the ``languages`` stage tests every language whatever this holds."""


@dataclass(frozen=True)
class ModelParams(Block):
    """Block ``model``: the starting model and SpanMarker's lengths."""

    BLOCK: ClassVar[str] = "model"
    name: str
    """Hub id, local folder, or ``pypi:<module>`` for a model shipped in a Python package."""
    revision: str | None
    """Pinned Hub revision when ``name`` is a Hub id."""
    model_max_length: int = field(metadata=_at_least(8))
    """Sub-word tokens per sentence; longer sentences are truncated."""
    marker_max_length: int = field(metadata=_at_least(1))
    """Span markers packed into one sample."""
    entity_max_length: int = field(metadata=_at_least(1))
    """Longest entity, in words."""


@dataclass(frozen=True)
class CheckpointParams(Block):
    """``model.name`` and ``model.revision`` alone: the starting checkpoint, all that ``baseline`` reads."""

    BLOCK: ClassVar[str] = "model"
    PARTIAL: ClassVar[bool] = True
    name: str
    """As :attr:`ModelParams.name`."""
    revision: str | None
    """As :attr:`ModelParams.revision`."""


SchedulerName = Literal["linear", "cosine", "cosine_with_restarts", "polynomial", "constant",
                        "constant_with_warmup", "inverse_sqrt"]
"""Learning-rate schedules of ``transformers`` that need no further arguments."""


@dataclass(frozen=True)
class TrainParams:
    """Block ``train`` with one system's overrides from ``systems.<system>.train`` applied."""

    BLOCK: ClassVar[str] = "train"
    epochs: int = field(metadata=_at_least(1))
    learning_rate: float = field(metadata=_between(0.0, 1.0, low_open=True))
    batch_size: int = field(metadata=_at_least(1))
    """Sentences-derived samples per device and optimizer micro-step."""
    eval_batch_size: int = field(metadata=_at_least(1))
    """Samples per batch in the validation passes during training."""
    gradient_accumulation_steps: int = field(metadata=_at_least(1))
    """Micro-batches per optimizer step; the step's loss is the mean of their mean losses."""
    group_by_length: bool
    """Draw each optimizer step's samples among samples of similar length (transformers' length-grouped
    sampling: random mega-batches of 50 steps, sorted by length), so that padding each batch to its longest
    sample leaves little padding. False: uniformly random batches."""
    warmup_ratio: float = field(metadata=_between(0.0, 1.0))
    """Fraction of the optimizer steps spent warming the learning rate up."""
    lr_scheduler_type: SchedulerName
    adam_beta1: float = field(metadata=_between(0.0, 1.0))
    adam_beta2: float = field(metadata=_between(0.0, 1.0))
    adam_epsilon: float = field(metadata=_between(0.0, 1.0, low_open=True))
    weight_decay: float = field(metadata=_between(0.0, 1.0))
    seed: int = field(metadata=_at_least(0))
    logging_steps: int = field(metadata=_at_least(1))
    """Optimizer steps between two points of the training-loss curve."""
    bf16: bool
    """bfloat16 mixed precision (GPU: A100/H100); also the inference precision of evaluate and baseline."""
    fp16: bool
    """float16 mixed precision (GPU: V100); false when ``bf16`` is true."""
    tf32: bool
    """TF32 matmuls (GPU: A100/H100)."""
    dataloader_num_workers: int = field(metadata=_at_least(0))
    checkpoint_steps: int = field(metadata=_at_least(0))
    """Optimizer steps between resumable checkpoints; 0: none. A multiple of ``logging_steps``: the first loss a
    resumed run logs then averages the same steps as in an uninterrupted run."""
    processes: int = field(metadata=_at_least(1))
    """DDP training processes on this machine (one per GPU), launched with ``torchrun``."""
    oversample_threshold: float = field(metadata=_between(0.0, 1.0))
    """Repeat-factor oversampling of the long tail (:mod:`pipeline.data.tail`): a type found in a fraction ``f`` of
    the training sentences below this threshold gets the repeat factor ``sqrt(threshold / f)``; a sentence is
    repeated by the largest factor of its types, rounded, at most ``oversample_cap`` times. 0: off."""
    oversample_cap: int = field(metadata=_at_least(1))
    """Most copies of one training sentence that oversampling makes (1: no repeats)."""

    @classmethod
    def read(cls, params: dict[str, Any], system: str) -> TrainParams:
        """The shared ``train`` block with ``systems.<system>.train`` applied; errors name the key's origin."""
        shared = params.get(cls.BLOCK)
        if not isinstance(shared, dict):
            raise ParamError(f"{cls.BLOCK}: missing from params.yaml or not a mapping")
        overrides = SystemParams.read(params, system).train
        unknown = sorted(set(overrides) - {f.name for f in fields(cls)})
        if unknown:
            raise ParamError(f"systems.{system}.train: got {unknown}; allowed: keys of train")
        where = {key: f"systems.{system}.train.{key}" for key in overrides}
        hp = build(cls, {**shared, **overrides}, cls.BLOCK, where)
        if hp.bf16 and hp.fp16:
            raise ParamError(f"{where.get('fp16', 'train.fp16')}: got True; allowed: false when bf16 is true")
        if hp.checkpoint_steps % hp.logging_steps:
            raise ParamError(f"{where.get('checkpoint_steps', 'train.checkpoint_steps')}: got {hp.checkpoint_steps}; "
                             f"allowed: 0 or a multiple of train.logging_steps ({hp.logging_steps}), so that a "
                             "resumed run logs the same loss curve as an uninterrupted one")
        return hp


@dataclass(frozen=True)
class PrecisionParams(Block):
    """``train.bf16``, ``train.fp16`` and ``train.tf32`` alone: the precision ``evaluate`` and ``baseline`` run
    the model in on a GPU (the shared ``train`` block's flags; a system's overrides apply to training only)."""

    BLOCK: ClassVar[str] = "train"
    PARTIAL: ClassVar[bool] = True
    bf16: bool
    """As :attr:`TrainParams.bf16`."""
    fp16: bool
    """As :attr:`TrainParams.fp16`."""
    tf32: bool
    """As :attr:`TrainParams.tf32`."""


@dataclass(frozen=True)
class SystemParams:
    """Block ``systems.<system>``: the entity types a system keeps and its training overrides."""

    types: tuple[str, ...] = field(metadata={"choices": ENTITY_TYPES})
    """MultiNERD entity types kept; every other tag becomes ``O``."""
    train: dict[str, Any]
    """Overrides of the ``train`` block for this system only, e.g. ``{learning_rate: 1.0e-4}``."""

    @classmethod
    def read(cls, params: dict[str, Any], system: str) -> SystemParams:
        name = f"systems.{system}"
        block = (params.get("systems") or {}).get(system)
        if not isinstance(block, dict):
            raise ParamError(f"{name}: missing from params.yaml or not a mapping")
        return build(cls, {**block, "train": block.get("train") or {}}, name)


@dataclass(frozen=True)
class EvaluateParams(Block):
    """Block ``evaluate``: how the test split is scored."""

    BLOCK: ClassVar[str] = "evaluate"
    PARTIAL: ClassVar[bool] = True
    batch_size: int = field(metadata=_at_least(1))
    """Sentences per prediction batch."""


@dataclass(frozen=True)
class EvaluationLanguages(Block):
    """``evaluate.languages`` alone: the languages the ``languages`` stage tests each system and the baseline on."""

    BLOCK: ClassVar[str] = "evaluate"
    PARTIAL: ClassVar[bool] = True
    languages: tuple[str, ...] = field(metadata={"choices": LANGUAGES})
    """MultiNERD ``lang`` codes, each tested on its own test split; changing them never retrains."""
