"""Read MultiNERD from the Hugging Face Hub, or from a local folder laid out like the Hub dataset."""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from pipeline.exceptions import DataError, HubUnreachableError
from pipeline.paths import SPLITS
from pipeline.validation import validate_table

logger = logging.getLogger(__name__)

SPLIT_FOLDERS = {"train": ("train",), "validation": ("val", "validation", "dev"), "test": ("test",)}
"""Folder names accepted for each split; the Hub dataset uses train/, val/ and test/."""


def split_files(root: Path, split: str) -> list[Path]:
    """The JSONL or Parquet files of one split under ``root`` (e.g. ``val/val_en.jsonl``)."""
    for folder in SPLIT_FOLDERS[split]:
        directory = root / folder
        if directory.is_dir():
            files = sorted(p for p in directory.rglob("*") if p.suffix in (".jsonl", ".json", ".parquet"))
            if not files:
                raise DataError(f"{directory}: no .jsonl or .parquet files for the {split} split")
            return files
    raise DataError(
        f"{root}: no folder for the {split} split; expected one of {', '.join(SPLIT_FOLDERS[split])} "
        "(the Hub layout: train/train_en.jsonl, val/val_en.jsonl, test/test_en.jsonl, ...)"
    )


def read_file(path: Path) -> pa.Table:
    """Read one JSONL or Parquet file into Arrow, turning parse errors into a :class:`DataError`."""
    try:
        if path.suffix == ".parquet":
            return pq.read_table(path)
        return pa_json.read_json(path, read_options=pa_json.ReadOptions(block_size=1 << 26))
    except (pa.ArrowInvalid, OSError) as error:
        kind = "Parquet" if path.suffix == ".parquet" else "JSONL"
        raise DataError(f"{path}: not a valid {kind} file: {error}") from error


def load_local_split(root: str | Path, split: str) -> pa.Table:
    """Load and validate one split from a folder laid out like the Hub dataset."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: folder not found")
    files = split_files(root, split)
    with tqdm(files, desc=f"Reading {split}", unit="file", leave=False) as progress:
        return pa.concat_tables([validate_table(read_file(path), str(path)) for path in progress])


def load_local(root: str | Path) -> dict[str, pa.Table]:
    """Load and validate every split from a folder laid out like the Hub dataset."""
    return {split: load_local_split(root, split) for split in SPLITS}


def load_hub(name: str, revision: str | None) -> dict[str, pa.Table]:
    """Download the dataset from the Hub at a pinned revision, then validate it."""
    import datasets
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    try:
        loaded = datasets.load_dataset(name, revision=revision)
    except (ConnectionError, OfflineModeIsEnabled, HfHubHTTPError, OSError) as error:
        raise HubUnreachableError(
            f"cannot download {name}@{revision} from the Hugging Face Hub ({type(error).__name__}); "
            "to run offline set download.source to 'local' (with download.path pointing at a copy laid "
            "out like the Hub dataset) or to 'sample' (the embedded sample)"
        ) from error
    missing = [split for split in SPLITS if split not in loaded]
    if missing:
        raise DataError(f"{name}@{revision}: split(s) {missing} not found; found {list(loaded)}")
    return {split: validate_table(loaded[split].data.table, f"{name}@{revision} [{split}]") for split in SPLITS}
