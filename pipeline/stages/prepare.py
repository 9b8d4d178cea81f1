"""Stage ``prepare``: keep the training languages and one system's entity types; write ``data/prepared/<system>/``.

Usage: ``python -m pipeline.stages.prepare SYSTEM``, a system of ``params.yaml``. With ``prepare.deduplicate``, repeated
sentences are dropped within each split and held-out sentences that occur in train are dropped from validation and test
(:func:`pipeline.data.audit.deduplicate`). Also writes ``data/languages/<system>/<lang>.parquet``, the test split of
every language in the raw data with the system's tags (never deduplicated), which the ``languages`` stage scores.
Everything is vectorised over Arrow/NumPy buffers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.core.atomic import atomic_path
from pipeline.core.exceptions import DataError
from pipeline.core.params import PrepareParams, SystemParams, read_params
from pipeline.core.paths import LANGUAGE_TESTS_DIR, PREPARED_DIR, RAW_DIR, SOURCE_FILE, SPLITS
from pipeline.core.stage import run_stage, system_argument
from pipeline.data.audit import deduplicate
from pipeline.data.labels import labels_for_types, remap_table
from pipeline.data.splits import LABELS_FILE, TRAIN_OVERRIDES_FILE
from pipeline.data.validation import list_offsets

logger = logging.getLogger(__name__)


def filter_languages(table: pa.Table, languages: Sequence[str], source: str) -> pa.Table:
    """Rows whose ``lang`` is one of ``languages``, in their original order.

    Raises :class:`DataError` naming ``source``, the languages without a row and the languages present, if any
    of ``languages`` has no row: a training language missing from a split is a wrong parameter or a broken copy.
    """
    present = set(pc.unique(table["lang"]).to_pylist()) if table.num_rows else set()
    missing = [language for language in languages if language not in present]
    if missing:
        wanted = " or ".join(repr(language) for language in missing)
        raise DataError(f"{source}: no rows with lang == {wanted} (languages present: {sorted(present)})")
    return table.filter(pc.is_in(table["lang"], value_set=pa.array(list(languages), pa.string())))


def remap_tags(tags: pa.ChunkedArray | pa.ListArray, lookup: np.ndarray) -> pa.ListArray:
    """Map every MultiNERD tag id through ``lookup`` (see :func:`pipeline.data.labels.remap_table`)."""
    if isinstance(tags, pa.ChunkedArray):
        tags = tags.combine_chunks()
    flat = tags.flatten().to_numpy(zero_copy_only=False)
    values = pa.array(lookup[flat].astype(np.int8))
    return pa.ListArray.from_arrays(pa.array(list_offsets(tags), pa.int32()), values)


def prepare_split(table: pa.Table, languages: Sequence[str], types: Sequence[str], source: str) -> pa.Table:
    """One split for one system: the rows of ``languages``, tags re-indexed to the system's label list."""
    kept = filter_languages(table, languages, source)
    return pa.table({"tokens": kept["tokens"], "ner_tags": remap_tags(kept["ner_tags"], remap_table(types))})


def types_without_entities(prepared: pa.Table, types: Sequence[str]) -> list[str]:
    """The types in ``types`` (MultiNERD's order) with no ``B-`` tag in a table from :func:`prepare_split`."""
    labels = labels_for_types(types)
    flat = prepared["ner_tags"].combine_chunks().flatten().to_numpy(zero_copy_only=False)
    counts = np.bincount(flat.astype(np.int64), minlength=len(labels))
    return [label[2:] for index, label in enumerate(labels) if label.startswith("B-") and counts[index] == 0]


def split_by_language(table: pa.Table, types: Sequence[str], source: str) -> dict[str, pa.Table]:
    """The test split of every language present in ``table``, keyed by sorted ``lang`` code, system tags."""
    present = sorted(pc.unique(table["lang"]).to_pylist()) if table.num_rows else []
    return {language: prepare_split(table, [language], types, source) for language in present}


def main() -> None:
    params = read_params()
    system = system_argument("prepare", params)
    prepare_params = PrepareParams.read(params)
    languages = list(prepare_params.languages)
    entry = SystemParams.read(params, system)
    types = entry.types
    paths = {split: RAW_DIR / f"{split}.parquet" for split in SPLITS}
    splits = {split: prepare_split(pq.read_table(path), languages, types, str(path)) for split, path in paths.items()}
    dropped = {split: 0 for split in SPLITS}
    if prepare_params.deduplicate:
        kept = deduplicate(splits)
        dropped = {split: splits[split].num_rows - kept[split].num_rows for split in SPLITS}
        splits = kept
        logger.info(
            "system %s: deduplicated, rows dropped: %s",
            system,
            ", ".join(f"{split} {count}" for split, count in dropped.items()),
        )
    target = PREPARED_DIR / system
    with atomic_path(target) as tmp:
        tmp.mkdir()
        for split, prepared in splits.items():
            pq.write_table(prepared, tmp / f"{split}.parquet")
            logger.info("system %s %s: %d rows in %s", system, split, prepared.num_rows, ", ".join(languages))
        missing = types_without_entities(splits["train"], types)
        if missing:
            logger.warning(
                "system %s: no %s entities in the train split (%s): the model cannot learn these types",
                system,
                ", ".join(missing),
                paths["train"],
            )
        labels = labels_for_types(types)
        info = {
            "labels": labels,
            "types": [label[2:] for label in labels[1::2]],
            "languages": languages,
            "source": json.loads(SOURCE_FILE.read_text(encoding="utf-8")),
            "deduplicate": prepare_params.deduplicate,
            "dropped": dropped,
        }
        (tmp / LABELS_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
        (tmp / TRAIN_OVERRIDES_FILE).write_text(
            json.dumps(entry.train, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
    test_path = RAW_DIR / "test.parquet"
    with atomic_path(LANGUAGE_TESTS_DIR / system) as tmp:
        tmp.mkdir()
        for language, table in split_by_language(pq.read_table(test_path), types, str(test_path)).items():
            pq.write_table(table, tmp / f"{language}.parquet")
    logger.info("wrote %s and %s", target, LANGUAGE_TESTS_DIR / system)


if __name__ == "__main__":
    run_stage(main)
