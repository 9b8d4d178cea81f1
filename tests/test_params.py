import copy
from pathlib import Path

import pytest
import yaml

from pipeline.params import ParamError, train_params, validate

REPO_ROOT = Path(__file__).resolve().parents[1]


def load(name: str) -> dict:
    return yaml.safe_load((REPO_ROOT / name).read_text())


def keys(tree: dict, prefix: str = "") -> set[str]:
    found = set()
    for key, value in tree.items():
        found.add(prefix + key)
        if isinstance(value, dict) and value:
            found |= keys(value, f"{prefix}{key}.")
    return found


def test_default_params_are_valid(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    validate(load("params.yaml"))


def test_full_run_params_have_the_same_keys_and_the_real_settings():
    default, full = load("params.yaml"), load("params.full.yaml")
    assert keys(full) == keys(default)
    assert full["model"]["name"] == "tomaarsen/span-marker-mbert-base-multinerd"
    assert (full["model"]["model_max_length"], full["model"]["marker_max_length"],
            full["model"]["entity_max_length"]) == (256, 128, 8)
    hp = train_params(full, "A")
    assert (hp["learning_rate"], hp["batch_size"], hp["gradient_accumulation_steps"], hp["warmup_ratio"],
            hp["lr_scheduler_type"], hp["adam_beta1"], hp["adam_beta2"], hp["adam_epsilon"], hp["weight_decay"],
            hp["seed"], hp["epochs"]) == (5e-5, 16, 2, 0.1, "linear", 0.9, 0.999, 1e-8, 0.01, 42, 3)
    assert full["download"]["source"] == "hub" and len(full["download"]["hub_revision"]) == 40


def test_system_override_applies_to_that_system_only():
    params = load("params.yaml")
    params["systems"]["B"]["train"] = {"learning_rate": 1e-3}
    assert train_params(params, "B")["learning_rate"] == 1e-3
    assert train_params(params, "A")["learning_rate"] == params["train"]["learning_rate"]


@pytest.mark.parametrize("path, value, message", [
    (("download", "source"), "s3", "download.source: got 's3'; allowed: sample, local, hub"),
    (("download", "source"), "local", "download.local_path"),
    (("train", "learning_rate"), -1e-5, "train.learning_rate: got -1e-05"),
    (("model", "entity_max_length"), 0, "model.entity_max_length: got 0; allowed: an integer >= 1"),
    (("systems", "B", "types"), ["PER", "CITY"], "systems.B.types: got \\['PER', 'CITY'\\]"),
    (("systems", "B", "train"), {"lr": 1e-4}, "systems.B.train: got \\['lr'\\]"),
    (("train", "bf16"), "yes", "train.bf16: got 'yes'; allowed: true or false"),
])
def test_bad_parameter_is_named_with_allowed_values(monkeypatch, path, value, message):
    monkeypatch.chdir(REPO_ROOT)
    params = copy.deepcopy(load("params.yaml"))
    node = params
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ParamError, match=message):
        validate(params)
