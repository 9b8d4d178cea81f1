import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.data.validation import DataError
from pipeline.sources.readers import HubUnreachableError, load_hub, load_local

REPO_ROOT = Path(__file__).resolve().parents[1]
ROW_EN = {"tokens": ["Anna", "visited", "Rome"], "ner_tags": [1, 0, 5], "lang": "en"}
ROW_DE = {"tokens": ["Anna", "besuchte", "Rom"], "ner_tags": [1, 0, 5], "lang": "de"}


def write_hub_layout(root: Path, rows: dict[str, list[dict]], suffix: str = "jsonl") -> Path:
    """Write rows like the Hub dataset: <folder>/<folder>_<lang>.<suffix> for folders train, val, test."""
    for folder, folder_rows in rows.items():
        (root / folder).mkdir(parents=True, exist_ok=True)
        for lang in sorted({row["lang"] for row in folder_rows}):
            lang_rows = [row for row in folder_rows if row["lang"] == lang]
            path = root / folder / f"{folder}_{lang}.{suffix}"
            if suffix == "jsonl":
                path.write_text("".join(json.dumps(row) + "\n" for row in lang_rows), encoding="utf-8")
            else:
                pq.write_table(pa.Table.from_pylist(lang_rows), path)
    return root


@pytest.mark.parametrize("suffix", ["jsonl", "parquet"])
def test_local_hub_layout_loads_all_splits_and_languages(tmp_path, suffix):
    root = write_hub_layout(
        tmp_path, {"train": [ROW_EN, ROW_DE, ROW_EN], "val": [ROW_DE, ROW_EN], "test": [ROW_EN]}, suffix
    )
    splits = load_local(root)
    assert {split: table.num_rows for split, table in splits.items()} == {"train": 3, "validation": 2, "test": 1}
    assert sorted(splits["train"]["lang"].to_pylist()) == ["de", "en", "en"]
    assert splits["test"].to_pylist() == [ROW_EN]
    assert str(splits["train"].schema.field("ner_tags").type) == "list<item: int8>"


def test_embedded_sample_loads():
    splits = load_local(REPO_ROOT / "data" / "sample")
    assert all(table.num_rows > 0 for table in splits.values())
    assert set(splits["train"]["lang"].to_pylist()) > {"en"}


def test_missing_split_folder_is_named(tmp_path):
    root = write_hub_layout(tmp_path, {"train": [ROW_EN], "test": [ROW_EN]})
    with pytest.raises(DataError, match="no folder for the validation split"):
        load_local(root)


def test_invalid_jsonl_names_the_file(tmp_path):
    root = write_hub_layout(tmp_path, {"train": [ROW_EN], "val": [ROW_EN], "test": [ROW_EN]})
    bad = root / "val" / "val_en.jsonl"
    bad.write_text('{"tokens": ["a"], "ner_tags": [0], "lang": "en"}\n{"tokens": [\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"val_en\.jsonl: not a valid JSONL file"):
        load_local(root)


def test_unreachable_hub_gives_one_line_naming_the_offline_sources(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    with pytest.raises(HubUnreachableError) as error:
        load_hub("Babelscape/multinerd-not-cached", "2814b78e7af4b5a1f1886fe7ad49632de4d9dd25")
    message = str(error.value)
    assert "\n" not in message
    assert "'local'" in message and "'sample'" in message
