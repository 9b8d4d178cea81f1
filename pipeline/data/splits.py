"""Read a system's prepared splits and what they hold from ``data/prepared/<system>/``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from datasets import Dataset

from pipeline.core.params import TrainParams
from pipeline.core.paths import PREPARED_DIR

LABELS_FILE = "labels.json"
"""Written by ``prepare`` beside the splits: ``labels`` (BIO, ``O`` first), ``types``, ``languages``, ``source``
(the raw data's ``source.json``), ``deduplicate`` (``prepare.deduplicate``) and ``dropped``, the rows
deduplication removed from each split."""
TRAIN_OVERRIDES_FILE = "train_overrides.json"
"""Written by ``prepare`` beside the splits: the system's overrides of the ``train`` block
(``systems.<system>.train``), which the ``train`` stage applies. ``prepare`` reads the system's whole entry of
``params.yaml``; a change to it that changes none of its outputs (its ``compare`` list) retrains nothing, and a
change of the overrides reruns training alone, not the stages that read only the test split or labels."""


def load_info(system: str, root: Path = PREPARED_DIR) -> dict[str, Any]:
    """The ``labels.json`` of a system's prepared data (keys in :data:`LABELS_FILE`)."""
    return json.loads((root / system / LABELS_FILE).read_text(encoding="utf-8"))


def load_train_overrides(system: str, root: Path = PREPARED_DIR) -> dict[str, Any]:
    """The ``train`` overrides ``prepare`` recorded for a system (:data:`TRAIN_OVERRIDES_FILE`)."""
    return json.loads((root / system / TRAIN_OVERRIDES_FILE).read_text(encoding="utf-8"))


def training_settings(params: dict[str, Any], system: str, root: Path = PREPARED_DIR) -> TrainParams:
    """The settings ``system`` is trained with: the ``train`` block of ``params`` with the overrides ``prepare``
    recorded (:data:`TRAIN_OVERRIDES_FILE`). The one resolution of a system's training settings, read by train and
    by the stages that report them (analyze, report). Raises :class:`~pipeline.core.exceptions.ParamError` as
    :meth:`TrainParams.for_system` does."""
    return TrainParams.for_system(params, system, load_train_overrides(system, root))


def run_settings(params: dict[str, Any], system: str, seed: int, root: Path = PREPARED_DIR) -> TrainParams:
    """The settings of one run, ``system`` trained with ``seed``: :func:`training_settings` with ``seeds`` that one
    seed, ``train.seeds`` itself unread (:meth:`TrainParams.for_run`). Raises
    :class:`~pipeline.core.exceptions.ParamError` as :meth:`TrainParams.for_system` does."""
    return TrainParams.for_run(params, system, load_train_overrides(system, root), seed)


def load_labels(system: str, root: Path = PREPARED_DIR) -> list[str]:
    """The BIO label list of a system; ``ner_tags`` in its data index into it."""
    return load_info(system, root)["labels"]


def load_split(system: str, split: str, root: Path = PREPARED_DIR) -> Dataset:
    """One prepared split as a Hugging Face dataset with ``tokens`` and ``ner_tags``."""
    return Dataset(pq.read_table(root / system / f"{split}.parquet"))


def label_counts(system: str, split: str, root: Path = PREPARED_DIR) -> dict[str, int]:
    """Token-level count of every non-``O`` label in a prepared split, most frequent first (ties by label)."""
    labels = load_labels(system, root)
    tags = pq.read_table(root / system / f"{split}.parquet", columns=["ner_tags"])["ner_tags"]
    counts = np.bincount(tags.combine_chunks().flatten().to_numpy().astype(np.int64), minlength=len(labels))
    order = sorted(range(1, len(labels)), key=lambda index: (-counts[index], labels[index]))
    return {labels[index]: int(counts[index]) for index in order}


def entity_counts(system: str, split: str = "train", root: Path = PREPARED_DIR) -> dict[str, int]:
    """Number of entities (``B-`` tags) per type in a prepared split."""
    return {label[2:]: count for label, count in label_counts(system, split, root).items() if label.startswith("B-")}
