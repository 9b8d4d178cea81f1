"""Read MultiNERD from the Hugging Face Hub, or from a local folder laid out like the Hub dataset."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.json as pa_json
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from pipeline.core.exceptions import DataError, HubUnreachableError
from pipeline.core.paths import SPLITS
from pipeline.data.validation import validate_table

logger = logging.getLogger(__name__)

SPLIT_FOLDERS = {"train": ("train",), "validation": ("val", "validation", "dev"), "test": ("test",)}
"""Folder names accepted for each split; the Hub dataset uses train/, val/ and test/. Any of a split's names
is also accepted as the prefix of its file names (``dev/val_en.jsonl``)."""

DATA_EXTENSIONS = (".jsonl", ".jsonl.gz", ".json", ".parquet")
"""Extensions read as a split's data: JSON Lines (``.json`` too), gzip-compressed JSON Lines, Parquet."""

LANGUAGE_CODE = "[a-z]{2,3}"
"""A file's language: a lowercase 2-3 letter code (``en``, ``zh``)."""

DATA_LIKE_SUFFIXES = frozenset(
    {
        ".jsonl",
        ".ndjson",
        ".json",
        ".parquet",
        ".arrow",
        ".feather",
        ".csv",
        ".tsv",
        ".gz",
        ".bz2",
        ".xz",
        ".zst",
        ".zip",
    }
)
"""Final suffixes (any case) of files that look like data: such a file under a split folder that is not read
as data is an error. Other files (``README.md``, ``notes.txt``, ``generate.py``) are ignored."""

FILE_RULE = (
    "a split's data files lie directly in its folder and are named <prefix>_<lang><ext>, with <prefix> one of "
    "the split's names ({names}), <lang> a lowercase 2-3 letter language code and <ext> one of "
    f"{', '.join(DATA_EXTENSIONS)}"
)
"""The naming rule for a split's data files, as error messages state it (``{names}`` filled per split).

For the validation split, ``val/val_en.jsonl``, ``val/dev_de.jsonl.gz`` and ``validation/validation_zh.parquet``
are data; ``val/english.jsonl``, ``val/val_en-checkpoint.jsonl``, ``val/old/val_en.jsonl`` and ``val/val_en.csv``
are errors; ``val/.ipynb_checkpoints/val_en-checkpoint.jsonl``, ``val/.DS_Store`` and ``val/README.md`` are
ignored. Each language has at most one file per split.
"""


def _data_file_pattern(split: str) -> re.Pattern[str]:
    prefixes = "|".join(map(re.escape, SPLIT_FOLDERS[split]))
    extensions = "|".join(map(re.escape, DATA_EXTENSIONS))
    return re.compile(rf"(?:{prefixes})_(?P<lang>{LANGUAGE_CODE})(?:{extensions})")


def split_folder(root: Path, split: str) -> Path:
    """The folder of one split under ``root`` (``root/val`` for the validation split).

    Raises :class:`DataError` when no folder or more than one folder for the split exists.
    """
    folders = [root / name for name in SPLIT_FOLDERS[split] if (root / name).is_dir()]
    if not folders:
        raise DataError(
            f"{root}: no folder for the {split} split; expected one of {', '.join(SPLIT_FOLDERS[split])} "
            "(the Hub layout: train/train_en.jsonl, val/val_en.jsonl, test/test_en.jsonl, ...)"
        )
    if len(folders) > 1:
        raise DataError(
            f"{root}: {len(folders)} folders for the {split} split ({', '.join(map(str, folders))}); keep one"
        )
    return folders[0]


def split_files(root: Path, split: str) -> list[Path]:
    """The data files of one split under ``root`` (e.g. ``val/val_en.jsonl``), one per language, sorted by
    language; the naming rule is :data:`FILE_RULE`. Files and folders whose names start with ``.`` are ignored,
    as are files that do not look like data (:data:`DATA_LIKE_SUFFIXES`).

    Raises :class:`DataError` when the split has no folder or several, when a file that looks like data breaks
    the rule (a subfolder's data files included), when two files hold the same language, or when there is no
    data file.
    """
    directory = split_folder(root, split)
    pattern = _data_file_pattern(split)
    rule = FILE_RULE.format(names=", ".join(SPLIT_FOLDERS[split]))
    by_language: dict[str, Path] = {}
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if any(part.startswith(".") for part in relative.parts) or path.is_dir():
            continue
        match = pattern.fullmatch(path.name) if len(relative.parts) == 1 else None
        if match is None:
            if path.suffix.lower() in DATA_LIKE_SUFFIXES:
                raise DataError(
                    f"{path}: looks like data but is not read as {split} data; {rule}; rename it, "
                    "move it out, or hide it (names starting with '.' are ignored)"
                )
            continue
        lang = match["lang"]
        if lang in by_language:
            raise DataError(
                f"{by_language[lang]} and {path}: two files for language {lang!r} of the {split} split; keep one"
            )
        by_language[lang] = path
    if not by_language:
        raise DataError(f"{directory}: no data files for the {split} split; {rule}")
    return [by_language[lang] for lang in sorted(by_language)]


def read_file(path: Path) -> pa.Table:
    """Read one JSONL (``.jsonl``, ``.json``, gzip-compressed ``.jsonl.gz``) or Parquet file into Arrow.

    Raises :class:`DataError` (``not a valid JSONL file``, ``not a valid Parquet file``) when it cannot be parsed.
    """
    try:
        if path.suffix == ".parquet":
            return pq.read_table(path)
        return pa_json.read_json(path, read_options=pa_json.ReadOptions(block_size=1 << 26))
    except (pa.ArrowInvalid, OSError) as error:
        kind = "Parquet" if path.suffix == ".parquet" else "JSONL"
        raise DataError(f"{path}: not a valid {kind} file: {' '.join(str(error).split())}") from error


def load_local_split(root: str | Path, split: str) -> pa.Table:
    """Load and validate one split from a folder laid out like the Hub dataset, its files in language order.

    Raises :class:`DataError` when ``root`` is not a folder, when the split's files break the rules of
    :func:`split_files`, or when a file cannot be read (:func:`read_file`) or fails validation.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: folder not found")
    files = split_files(root, split)
    with tqdm(files, desc=f"Reading {split}", unit="file", leave=False) as progress:
        return pa.concat_tables([validate_table(read_file(path), str(path)) for path in progress])


def load_local(root: str | Path) -> dict[str, pa.Table]:
    """Load and validate every split from a folder laid out like the Hub dataset.

    Raises :class:`DataError` as :func:`load_local_split` does, for the first split that fails.
    """
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


def load_hub_split(
    name: str, revision: str | None, split: str, data_files: str | None = None
) -> tuple[pa.Table, list[str] | None]:
    """One split of a Hub NER dataset at a pinned revision (``data_files``: the repository files that make up the
    split, for a dataset whose automatic splits mix languages): its Arrow table, and the BIO tag name of each
    ``ner_tags`` id when its features name them (a ``ClassLabel``), else None.

    Raises :class:`HubUnreachableError` when the Hub cannot be reached and :class:`DataError` when the split is
    not found or has no ``tokens`` or ``ner_tags`` column.
    """
    import datasets
    from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled

    where = f"{name}@{revision} [{split}]"
    try:
        loaded = datasets.load_dataset(
            name, revision=revision, split=split, data_files={split: data_files} if data_files else None
        )
    except ValueError as error:  # datasets: "Unknown split ..."
        raise DataError(f"{where}: {' '.join(str(error).split())}") from error
    except (ConnectionError, OfflineModeIsEnabled, HfHubHTTPError, OSError) as error:
        raise HubUnreachableError(
            f"cannot download {name}@{revision} from the Hugging Face Hub ({type(error).__name__}); to run offline "
            "declare the set under external.local instead, with a copy of its test file in the CoNLL layout"
        ) from error
    missing = [column for column in ("tokens", "ner_tags") if column not in loaded.column_names]
    if missing:
        raise DataError(f"{where}: missing column(s) {missing}; found {loaded.column_names}")
    feature = getattr(loaded.features["ner_tags"], "feature", None)
    names = list(feature.names) if isinstance(feature, datasets.ClassLabel) else None
    return loaded.data.table.select(["tokens", "ner_tags"]), names
