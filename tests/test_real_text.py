"""Rows of real-world text: whatever download accepts, prepare, train, evaluate and predict complete.

The stages run in this process, in a temporary run folder, with a tiny randomly initialised encoder.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pipeline import predict
from pipeline.core.exceptions import DataError
from pipeline.core.stage import run_stage
from pipeline.stages import download, evaluate, export, prepare, train

REPO_ROOT = Path(__file__).resolve().parents[1]
GOOD = [
    {"tokens": ["Anna", "visited", "Rome", "."], "ner_tags": [1, 0, 5, 0], "lang": "en"},
    {"tokens": ["The", "Louvre", "is", "in", "Paris", "."], "ner_tags": [0, 3, 0, 0, 5, 0], "lang": "en"},
]
ISSUE_ROWS = {
    "train": [
        {"tokens": [], "ner_tags": [], "lang": "en"},
        {"tokens": ["Paris", " ", "is", "in", "France", "."], "ner_tags": [5, 0, 0, 0, 5, 0], "lang": "en"},
    ],
    "validation": [{"tokens": ["Paris", " ", "is", "in", "France", "."], "ner_tags": [5, 0, 0, 0, 5, 0], "lang": "en"}],
    "test": [
        {"tokens": ["\u00a0"], "ner_tags": [0], "lang": "en"},
        {"tokens": ["Paris", " ", "is", "in", "France", "."], "ner_tags": [5, 0, 0, 0, 5, 0], "lang": "en"},
    ],
}
FOLDERS = {"train": "train", "validation": "val", "test": "test"}
DOWNLOAD_ERROR = re.compile(r"^data/in/\w+/\w+_en\.jsonl: no row has a visible word ")
SPECIAL = [
    " ",
    "\u00a0",
    "\t",
    "\n",
    "\u2028",
    "\u2029",
    "\u3000",
    "\u2009",
    "\u180e",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\x00",
    "\x1f",
    "\x7f",
    "\u0308",
    "\u0301",
    "\u20dd",
    "\u0903",
    "\ufffd",
    "\U0001f600",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U0001f1e9\U0001f1ea",
    "\u202e",
    "\u200f",
    "\u0645\u0631\u062d\u0628\u0627",
    "\u05e9\u05dc\u05d5\u05dd",
    "\u0e20\u0e32\u0e29\u0e32",
    "Vi\u0323\u0302t",
    "\u0939\u093f\u0928\u094d\u0926\u0940",
    "\ue000",
    "\U000e0041",
]


def run_params(encoder: Path) -> dict:
    """The repository's parameters, reading ``data/in``, with the tiny encoder and a short training."""
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    params["download"].update(source="local", path="data/in")
    params["model"].update(name=str(encoder), model_max_length=32, marker_max_length=16, entity_max_length=4)
    params["train"].update(epochs=1, batch_size=4, eval_batch_size=4, logging_steps=1, checkpoint_steps=0)
    params["evaluate"]["batch_size"] = 4
    return params


@contextmanager
def run_folder(directory: Path, encoder: Path, rows: dict[str, list[dict]]):
    """``directory`` as the working directory, holding the parameters and ``rows`` per split in ``data/in``."""
    for split, folder in FOLDERS.items():
        path = directory / "data" / "in" / folder / f"{folder}_en.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(json.dumps(row) + "\n" for row in rows[split]), encoding="utf-8")
    (directory / "params.yaml").write_text(yaml.safe_dump(run_params(encoder)), encoding="utf-8")
    previous = Path.cwd()
    os.chdir(directory)
    try:
        yield directory
    finally:
        os.chdir(previous)


def stage(main, *args: str) -> None:
    """Run a stage's ``main`` as ``python -m pipeline.stages.<stage> ARGS`` would, failing on a non-zero exit."""
    argv = sys.argv
    sys.argv = ["stage", *args]
    try:
        run_stage(main)
    finally:
        sys.argv = argv


def predict_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> list[dict]:
    capsys.readouterr()
    stage(lambda: predict.main(["--model", "B", *args]))  # the system: its reference run
    return [json.loads(line) for line in capsys.readouterr().out.split("\n") if line]


def check_records(records: list[dict], texts: list[str]) -> None:
    assert [record["text"] for record in records] == texts
    for record in records:
        for entity in record["entities"]:
            assert 0 <= entity["char_start"] < entity["char_end"] <= len(record["text"])
            assert record["text"][entity["char_start"] : entity["char_end"]] == entity["text"]


def run_all_stages(rows: dict[str, list[dict]], capsys: pytest.CaptureFixture[str]) -> None:
    """download, prepare B, then train, export and evaluate B's run (seed 42), then predict on the raw tokens (--jsonl)
    and as text."""
    stage(download.main)
    stage(prepare.main, "B")
    stage(train.main, "B", "42")
    stage(export.main, "B", "42")
    stage(evaluate.main, "B", "42")
    assert json.loads(Path("reports/scores/B/seed-42.json").read_text())["test_overall_f1"] >= 0
    sentences = [row["tokens"] for split_rows in rows.values() for row in split_rows]
    Path("in.jsonl").write_text("".join(json.dumps({"tokens": tokens}) + "\n" for tokens in sentences))
    records = predict_cli(["--jsonl", "in.jsonl"], capsys)
    check_records(records, [" ".join(tokens) for tokens in sentences])
    texts = [text for text in (" ".join(tokens).strip() for tokens in sentences) if text]
    check_records(predict_cli(texts, capsys), texts)


@pytest.mark.slow  # download, prepare, train, export, evaluate and predict in turn: about 8 s
def test_the_reported_rows_pass_every_stage(tiny_encoder, tmp_path, capsys, caplog):
    rows = {split: GOOD + ISSUE_ROWS[split] for split in FOLDERS}
    with caplog.at_level(logging.WARNING), run_folder(tmp_path, tiny_encoder, rows):
        run_all_stages(rows, capsys)
        # the ONNX graph the export stage wrote tags the same rows as PyTorch
        by_runtime = {
            runtime: predict_cli(["--jsonl", "in.jsonl", "--runtime", runtime], capsys) for runtime in ("torch", "onnx")
        }
    spans = {
        runtime: [[(e["type"], e["word_start"], e["word_end"]) for e in record["entities"]] for record in records]
        for runtime, records in by_runtime.items()
    }
    assert spans["onnx"] == spans["torch"] and len(spans["torch"]) == sum(len(split) for split in rows.values())
    assert "train_en.jsonl: dropped 1 token(s) without a visible character" in caplog.text
    assert "test_en.jsonl: dropped 2 token(s) without a visible character" in caplog.text


token = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=6),
    st.lists(st.sampled_from(SPECIAL), min_size=1, max_size=3).map("".join),
    st.tuples(st.sampled_from(["Anna", "Rome", "x"]), st.sampled_from(SPECIAL), st.sampled_from(["", "b"])).map(
        "".join
    ),
    st.sampled_from(["a" * 300, "\u0645" * 150, "\U0001f600" * 60]),
)
row = st.builds(
    lambda tokens, tags: {"tokens": tokens, "ner_tags": tags, "lang": "en"},
    st.lists(token, max_size=5),
    st.lists(st.integers(0, 30), min_size=5, max_size=5),
).map(lambda row: {**row, "ner_tags": row["ner_tags"][: len(row["tokens"])]})


@pytest.mark.slow  # every stage on many random tables: about 20 s
@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.fixed_dictionaries({split: st.lists(row, min_size=1, max_size=3) for split in FOLDERS}), st.booleans())
def test_random_unicode_rows_are_rejected_with_the_documented_error_or_pass_every_stage(
    tiny_encoder, tmp_path_factory, capsys, rows, with_good_rows
):
    if with_good_rows:
        rows = {split: GOOD + split_rows for split, split_rows in rows.items()}
    with run_folder(tmp_path_factory.mktemp("run"), tiny_encoder, rows):
        argv, sys.argv = sys.argv, ["download"]  # as `python -m pipeline.stages.download` runs it: no argument
        try:
            download.main()
        except DataError as error:
            assert DOWNLOAD_ERROR.match(str(error)), str(error)
            assert not with_good_rows
            return
        finally:
            sys.argv = argv
        run_all_stages(rows, capsys)
