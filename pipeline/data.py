"""Read a system's prepared splits and label list from ``data/prepared/<system>/``."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
from datasets import Dataset

PREPARED_DIR = Path("data/prepared")


def load_labels(system: str, root: Path = PREPARED_DIR) -> list[str]:
    """The BIO label list of a system; ``ner_tags`` in its data index into it."""
    return json.loads((root / system / "labels.json").read_text(encoding="utf-8"))["labels"]


def load_split(system: str, split: str, root: Path = PREPARED_DIR) -> Dataset:
    """One prepared split as a Hugging Face dataset with ``tokens`` and ``ner_tags``."""
    return Dataset(pq.read_table(root / system / f"{split}.parquet"))
