"""Stage ``prepare``: keep one language and one system's entity types; write ``data/prepared/<system>/``.

Usage: ``python -m pipeline.prepare A``. Everything is vectorised over Arrow/NumPy buffers.
"""

from __future__ import annotations

import json
import logging

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.atomic import atomic_path
from pipeline.data import LABELS_FILE
from pipeline.exceptions import DataError
from pipeline.labels import labels_for_types, remap_table
from pipeline.params import PrepareParams, SystemParams, read_params
from pipeline.paths import PREPARED_DIR, RAW_DIR, SOURCE_FILE, SPLITS
from pipeline.stage import run_stage, system_argument
from pipeline.validation import list_offsets

logger = logging.getLogger(__name__)


def filter_language(table: pa.Table, language: str, source: str) -> pa.Table:
    """Rows whose ``lang`` equals ``language``; an error if there are none."""
    kept = table.filter(pc.equal(table["lang"], language))
    if kept.num_rows == 0:
        found = sorted(pc.unique(table["lang"]).to_pylist()) if table.num_rows else []
        raise DataError(f"{source}: no rows with lang == {language!r} (languages present: {found})")
    return kept


def remap_tags(tags: pa.ChunkedArray | pa.ListArray, lookup: np.ndarray) -> pa.ListArray:
    """Map every MultiNERD tag id through ``lookup`` (see :func:`pipeline.labels.remap_table`)."""
    if isinstance(tags, pa.ChunkedArray):
        tags = tags.combine_chunks()
    flat = tags.flatten().to_numpy(zero_copy_only=False)
    values = pa.array(lookup[flat].astype(np.int8))
    return pa.ListArray.from_arrays(pa.array(list_offsets(tags), pa.int32()), values)


def prepare_split(table: pa.Table, language: str, types: list[str], source: str) -> pa.Table:
    """One split for one system: the language's rows, tags re-indexed to the system's label list."""
    kept = filter_language(table, language, source)
    return pa.table({"tokens": kept["tokens"], "ner_tags": remap_tags(kept["ner_tags"], remap_table(types))})


def types_without_entities(prepared: pa.Table, types: list[str]) -> list[str]:
    """The types in ``types`` (MultiNERD's order) with no ``B-`` tag in a table from :func:`prepare_split`."""
    labels = labels_for_types(types)
    flat = prepared["ner_tags"].combine_chunks().flatten().to_numpy(zero_copy_only=False)
    counts = np.bincount(flat.astype(np.int64), minlength=len(labels))
    return [label[2:] for index, label in enumerate(labels) if label.startswith("B-") and counts[index] == 0]


def main() -> None:
    system = system_argument("prepare")
    params = read_params()
    language = PrepareParams.read(params).language
    types = SystemParams.read(params, system).types
    target = PREPARED_DIR / system
    with atomic_path(target) as tmp:
        tmp.mkdir()
        for split in SPLITS:
            path = RAW_DIR / f"{split}.parquet"
            prepared = prepare_split(pq.read_table(path), language, types, str(path))
            pq.write_table(prepared, tmp / f"{split}.parquet")
            logger.info("system %s %s: %d %s rows", system, split, prepared.num_rows, language)
            missing = types_without_entities(prepared, types) if split == "train" else []
            if missing:
                logger.warning("system %s: no %s entities in the train split (%s): the model cannot learn "
                               "these types", system, ", ".join(missing), path)
        labels = labels_for_types(types)
        info = {"labels": labels, "types": [label[2:] for label in labels[1::2]], "language": language,
                "source": json.loads(SOURCE_FILE.read_text(encoding="utf-8"))}
        (tmp / LABELS_FILE).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    logger.info("wrote %s", target)


if __name__ == "__main__":
    run_stage(main)
