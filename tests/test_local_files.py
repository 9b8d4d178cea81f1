"""Which files of a local copy count as a split's data: read exactly as they are, nothing twice, nothing lost."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest

from pipeline.core.exceptions import DataError
from pipeline.sources.readers import load_local, load_local_split, split_files

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_TEXT = Path("/work/shared/data/wikineural")
ROWS = {
    "en": [
        {"tokens": ["Anna", "visited", "Rome"], "ner_tags": [1, 0, 5], "lang": "en"},
        {"tokens": ["Rome", "is", "big"], "ner_tags": [5, 0, 0], "lang": "en"},
    ],
    "de": [{"tokens": ["Anna", "besuchte", "Rom"], "ner_tags": [1, 0, 5], "lang": "de"}],
}


def jsonl(lang: str) -> str:
    return "".join(json.dumps(row) + "\n" for row in ROWS[lang])


def hub_layout(root: Path) -> Path:
    """train/train_en.jsonl, val/val_en.jsonl and test/test_en.jsonl, each holding ROWS['en']."""
    for folder in ("train", "val", "test"):
        (root / folder).mkdir()
        (root / folder / f"{folder}_en.jsonl").write_text(jsonl("en"), encoding="utf-8")
    return root


def one_line_error(root: Path, split: str = "train") -> str:
    with pytest.raises(DataError) as error:
        load_local_split(root, split)
    message = str(error.value)
    assert "\n" not in message
    return message


def test_gzipped_jsonl_is_read_with_the_same_rows_as_uncompressed(tmp_path):
    root = hub_layout(tmp_path)
    (root / "train" / "train_de.jsonl").write_text(jsonl("de"), encoding="utf-8")
    plain = load_local_split(root, "train")
    (root / "train" / "train_de.jsonl").unlink()
    (root / "train" / "train_de.jsonl.gz").write_bytes(gzip.compress(jsonl("de").encode("utf-8")))
    compressed = load_local_split(root, "train")
    assert compressed.equals(plain)
    assert compressed["lang"].to_pylist() == ["de", "en", "en"]


def test_corrupt_gzip_is_not_a_valid_jsonl_file(tmp_path):
    root = hub_layout(tmp_path)
    (root / "train" / "train_de.jsonl.gz").write_bytes(gzip.compress(jsonl("de").encode("utf-8"))[:20])
    assert re.search(r"train_de\.jsonl\.gz: not a valid JSONL file", one_line_error(root))


@pytest.mark.parametrize("copy", ["train_en.json", "train_en.jsonl.gz", "train_en.parquet"])
def test_two_files_for_one_language_name_both(tmp_path, copy):
    root = hub_layout(tmp_path)
    (root / "train" / copy).write_text(jsonl("en"), encoding="utf-8")
    message = one_line_error(root)
    assert str(root / "train" / "train_en.jsonl") in message and str(root / "train" / copy) in message
    assert "two files for language 'en'" in message


def test_data_file_in_a_subfolder_is_an_error_naming_it(tmp_path):
    root = hub_layout(tmp_path)
    (root / "train" / "old").mkdir()
    (root / "train" / "old" / "train_en.jsonl").write_text(jsonl("en"), encoding="utf-8")
    message = one_line_error(root)
    assert message.startswith(f"{root / 'train' / 'old' / 'train_en.jsonl'}: looks like data")
    assert "directly in its folder" in message


@pytest.mark.parametrize(
    "name",
    [
        "english.jsonl",
        "train_en-checkpoint.jsonl",
        "train_EN.jsonl",
        "train_en.csv",
        "test_de.jsonl",
        "train_en.jsonl.bz2",
    ],
)
def test_misnamed_data_file_is_an_error_stating_the_rule(tmp_path, name):
    root = hub_layout(tmp_path)
    (root / "train" / name).write_text(jsonl("en"), encoding="utf-8")
    message = one_line_error(root)
    assert message.startswith(f"{root / 'train' / name}: looks like data but is not read as train data")
    assert "<prefix>_<lang><ext>" in message and ".jsonl.gz" in message


def test_hidden_checkpoint_folder_and_hidden_files_are_ignored(tmp_path):
    root = hub_layout(tmp_path)
    (root / "train" / ".ipynb_checkpoints").mkdir()
    (root / "train" / ".ipynb_checkpoints" / "train_en-checkpoint.jsonl").write_text(jsonl("en"), encoding="utf-8")
    (root / "train" / ".ipynb_checkpoints" / "train_en.jsonl").write_text(jsonl("en"), encoding="utf-8")
    (root / "train" / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    (root / "train" / ".train_en.jsonl.swp").write_text("x", encoding="utf-8")
    assert load_local_split(root, "train").num_rows == len(ROWS["en"])


def test_readme_and_scripts_in_the_split_folder_are_ignored(tmp_path):
    root = hub_layout(tmp_path)
    (root / "train" / "README.md").write_text("# English training sentences\n", encoding="utf-8")
    (root / "train" / "convert.py").write_text("print('hi')\n", encoding="utf-8")
    assert load_local_split(root, "train").num_rows == len(ROWS["en"])


def test_any_name_of_the_split_is_a_file_prefix_and_files_come_in_language_order(tmp_path):
    root = hub_layout(tmp_path)
    (root / "val" / "dev_de.jsonl").write_text(jsonl("de"), encoding="utf-8")
    (root / "val" / "validation_zh.jsonl").write_text(jsonl("en").replace('"en"', '"zh"'), encoding="utf-8")
    assert [path.name for path in split_files(root, "validation")] == [
        "dev_de.jsonl",
        "val_en.jsonl",
        "validation_zh.jsonl",
    ]
    assert load_local(root)["validation"]["lang"].to_pylist() == ["de", "en", "en", "zh", "zh"]


def test_two_folders_for_one_split_is_an_error(tmp_path):
    root = hub_layout(tmp_path)
    (root / "validation").mkdir()
    (root / "validation" / "validation_en.jsonl").write_text(jsonl("en"), encoding="utf-8")
    message = one_line_error(root, "validation")
    assert str(root / "val") in message and str(root / "validation") in message


def test_split_folder_without_data_files_states_the_rule(tmp_path):
    root = hub_layout(tmp_path)
    (root / "test" / "test_en.jsonl").unlink()
    (root / "test" / "README.md").write_text("nothing here\n", encoding="utf-8")
    message = one_line_error(root, "test")
    assert message.startswith(f"{root / 'test'}: no data files for the test split")


def test_embedded_sample_reads_one_file_per_language():
    sample = REPO_ROOT / "data" / "sample"
    for split, folder in (("train", "train"), ("validation", "val"), ("test", "test")):
        assert split_files(sample, split) == sorted((sample / folder).glob(f"{folder}_*.jsonl"))


@pytest.mark.skipif(not REAL_TEXT.is_dir(), reason="no real-text copy at /work/shared/data/wikineural")
def test_real_text_copy_loads():
    splits = load_local(REAL_TEXT)
    assert all(set(table["lang"].to_pylist()) == {"de", "en", "es", "nl"} for table in splits.values())
