"""Load ``params.yaml`` and check every value a stage uses before any work starts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from pipeline.labels import ENTITY_TYPES

PARAMS_FILE = Path("params.yaml")
SOURCES = ("sample", "local", "hub")
SYSTEMS = ("A", "B")
TRAIN_KEYS = (
    "epochs", "learning_rate", "batch_size", "eval_batch_size", "gradient_accumulation_steps", "warmup_ratio",
    "lr_scheduler_type", "adam_beta1", "adam_beta2", "adam_epsilon", "weight_decay", "seed", "logging_steps",
    "bf16", "fp16", "tf32", "dataloader_num_workers", "checkpoint_steps",
    "processes",
)


class ParamError(ValueError):
    """A parameter in ``params.yaml`` has a value the pipeline cannot use."""


def load_params(path: str | Path = PARAMS_FILE) -> dict[str, Any]:
    """Read and validate the whole parameter file."""
    path = Path(path)
    if not path.is_file():
        raise ParamError(f"{path}: parameter file not found (run the stages from the repository root)")
    params = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    validate(params)
    return params


def _get(params: dict[str, Any], dotted: str) -> Any:
    node: Any = params
    for key in dotted.split("."):
        if not isinstance(node, dict) or key not in node:
            raise ParamError(f"{dotted}: missing from params.yaml")
        node = node[key]
    return node


def _check(ok: bool, name: str, value: Any, allowed: str) -> None:
    if not ok:
        raise ParamError(f"{name}: got {value!r}; allowed: {allowed}")


def _int_at_least(name: str, value: Any, minimum: int) -> None:
    _check(isinstance(value, int) and not isinstance(value, bool) and value >= minimum,
           name, value, f"an integer >= {minimum}")


def _number_in(name: str, value: Any, low: float, high: float, low_open: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and (value > low if low_open else value >= low) and value <= high
    _check(ok, name, value, f"a number in {'(' if low_open else '['}{low}, {high}]")


def validate(params: dict[str, Any]) -> None:
    """Raise :class:`ParamError` naming the first parameter whose value is unusable."""
    source = _get(params, "download.source")
    _check(source in SOURCES, "download.source", source, ", ".join(SOURCES))
    if source == "local":
        local = _get(params, "download.local_path")
        _check(bool(local) and Path(str(local)).is_dir(), "download.local_path", local,
               "an existing folder laid out like the Hub dataset (train/, val/, test/)")
    if source == "sample":
        sample = _get(params, "download.sample_path")
        _check(Path(str(sample)).is_dir(), "download.sample_path", sample, "an existing folder")
    if source == "hub":
        _check(bool(_get(params, "download.hub_name")), "download.hub_name", None, "a Hub dataset id")

    language = _get(params, "prepare.language")
    _check(isinstance(language, str) and bool(language), "prepare.language", language, "a language code such as en")

    for system in SYSTEMS:
        name = f"systems.{system}.types"
        types = _get(params, name)
        _check(isinstance(types, list) and bool(types) and set(types) <= set(ENTITY_TYPES)
               and len(set(types)) == len(types), name, types,
               f"a non-empty list without repeats of: {', '.join(ENTITY_TYPES)}")
        overrides = params["systems"][system].get("train") or {}
        unknown = sorted(set(overrides) - set(_get(params, "train")))
        _check(not unknown, f"systems.{system}.train", unknown, f"keys of train: {', '.join(params['train'])}")

    _check(bool(_get(params, "model.name")), "model.name", _get(params, "model.name"),
           "a Hub id, a local folder, or pypi:<module> for a model shipped in a Python package")
    _int_at_least("model.model_max_length", _get(params, "model.model_max_length"), 8)
    _int_at_least("model.marker_max_length", _get(params, "model.marker_max_length"), 1)
    _int_at_least("model.entity_max_length", _get(params, "model.entity_max_length"), 1)

    for key in TRAIN_KEYS:
        _get(params, f"train.{key}")
    for system in SYSTEMS:
        overrides = params["systems"][system].get("train") or {}
        train = train_params(params, system)

        def name(key: str) -> str:
            return f"systems.{system}.train.{key}" if key in overrides else f"train.{key}"

        for key, minimum in (("epochs", 1), ("batch_size", 1), ("eval_batch_size", 1),
                             ("gradient_accumulation_steps", 1), ("logging_steps", 1),
                             ("dataloader_num_workers", 0), ("seed", 0),
                             ("checkpoint_steps", 0), ("processes", 1)):
            _int_at_least(name(key), train[key], minimum)
        for key, low, high, low_open in (("learning_rate", 0.0, 1.0, True), ("warmup_ratio", 0.0, 1.0, False),
                                         ("weight_decay", 0.0, 1.0, False), ("adam_beta1", 0.0, 1.0, False),
                                         ("adam_beta2", 0.0, 1.0, False), ("adam_epsilon", 0.0, 1.0, True)):
            _number_in(name(key), train[key], low, high, low_open)
        for flag in ("bf16", "fp16", "tf32"):
            _check(isinstance(train[flag], bool), name(flag), train[flag], "true or false")
        _check(not (train["bf16"] and train["fp16"]), name("fp16"), train["fp16"], "false when bf16 is true")

    _int_at_least("evaluate.batch_size", _get(params, "evaluate.batch_size"), 1)


def train_params(params: dict[str, Any], system: str) -> dict[str, Any]:
    """Training hyperparameters for one system: the shared ``train`` block with that system's overrides."""
    return {**params["train"], **(params["systems"][system].get("train") or {})}
