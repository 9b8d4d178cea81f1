"""Bad input files stop the download stage with one message naming the file, the row and the problem."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from pipeline.data.validation import DataError
from pipeline.sources.readers import load_local

GOOD = {"tokens": ["Anna", "visited", "Rome"], "ner_tags": [1, 0, 5], "lang": "en"}


def layout(root: Path, train_lines: list[str]) -> Path:
    """A Hub-layout folder whose train file holds ``train_lines``; val and test hold one good row."""
    for folder, lines in (("train", train_lines), ("val", [json.dumps(GOOD)]), ("test", [json.dumps(GOOD)])):
        (root / folder).mkdir(parents=True)
        (root / folder / f"{folder}_en.jsonl").write_text("".join(line + "\n" for line in lines))
    return root


def rows(*changes: dict) -> list[str]:
    return [json.dumps(GOOD)] + [json.dumps({**GOOD, **change}) for change in changes]


@pytest.mark.parametrize(
    "lines, message",
    [
        ([json.dumps({"tokens": ["a"], "ner_tags": [0]})], r"train_en\.jsonl: missing column\(s\) \['lang'\]"),
        (rows({"ner_tags": [1, 0]}), r"train_en\.jsonl: row 1: 3 tokens but 2 ner_tags"),
        (rows({}, {"ner_tags": [0, 31, 0]}), r"train_en\.jsonl: row 2: tag id 31 outside 0-30"),
        (rows({"ner_tags": [0, -1, 0]}), r"train_en\.jsonl: row 1: tag id -1 outside 0-30"),
        (
            rows({"tokens": "Anna visited Rome"}),
            r"train_en\.jsonl: (column 'tokens' must hold lists|not a valid JSONL)",
        ),
        ([], r"train_en\.jsonl: (no rows|not a valid JSONL)"),
        (['{"tokens": ["a"], "ner_tags": [0], "lang": "en"}', "{not json"], r"train_en\.jsonl: not a valid JSONL"),
    ],
)
def test_bad_rows_are_rejected_with_file_row_and_problem(tmp_path, lines, message):
    with pytest.raises(DataError, match=message):
        load_local(layout(tmp_path, lines))


def test_bad_parquet_is_named(tmp_path):
    root = layout(tmp_path, rows())
    (root / "train" / "train_en.jsonl").unlink()
    (root / "train" / "train_en.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataError, match=r"train_en\.parquet: not a valid Parquet file"):
        load_local(root)


def test_i_tag_without_its_b_is_repaired_with_a_counted_warning(tmp_path, caplog):
    # I-LOC (6) opening an entity, and I-PER (2) after B-ORG (3): both become B- tags.
    root = layout(tmp_path, rows({"ner_tags": [6, 0, 5]}, {"ner_tags": [3, 2, 0]}))
    with caplog.at_level(logging.WARNING):
        splits = load_local(root)
    assert splits["train"]["ner_tags"].to_pylist() == [[1, 0, 5], [5, 0, 5], [3, 1, 0]]
    assert "repaired 2 I- tag(s) that began an entity to B- in 2 row(s), first row 1" in caplog.text


def test_download_stage_leaves_no_output_on_bad_input(tmp_path, monkeypatch, capsys):
    import shutil

    from pipeline.core.stage import run_stage
    from pipeline.stages import download
    from tests.conftest import REPO_ROOT

    bad = layout(tmp_path / "bad", rows({"ner_tags": [1]}))
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(REPO_ROOT / "params.yaml", work / "params.yaml")
    text = (work / "params.yaml").read_text().replace("source: sample ", "source: local  ")
    (work / "params.yaml").write_text(text.replace("path: data/sample ", f"path: {bad} "))
    (work / "data" / "sample").mkdir(parents=True)
    monkeypatch.chdir(work)
    monkeypatch.setattr("sys.argv", ["download"])  # as `python -m pipeline.stages.download` runs it
    with pytest.raises(SystemExit) as exit_info:
        run_stage(download.main)
    assert exit_info.value.code == 1
    # The progress bar clears its line; the error is the one line left after it.
    error = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1].strip()
    assert error.startswith("error: ") and error.endswith("train_en.jsonl: row 1: 3 tokens but 1 ner_tags")
    assert not (work / "data" / "raw").exists()
    assert not list((work / "data").glob(".raw.tmp*"))
