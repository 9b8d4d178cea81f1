"""Stage ``external_hub``: read one external test set from the Hugging Face Hub into MultiNERD's format.

Usage: ``python -m pipeline.stages.external_hub SET``, a set of ``external.hub`` in ``params.yaml``. Downloads the
split ``split`` of ``hub_name`` at ``hub_revision`` (:func:`pipeline.sources.readers.load_hub_split`), names its
``ner_tags`` ids with the tag names of the dataset's features (or ``tag_names`` when the features carry none),
maps the set's types onto MultiNERD's with ``types`` (every other type becomes ``O``), checks and cleans the rows as
``download`` does, and writes ``data/external/<set>.parquet`` for the ``external`` stage, as ``external_local`` does.
"""

from __future__ import annotations

import logging
import sys

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.core.atomic import atomic_path
from pipeline.core.exceptions import DataError, ParamError
from pipeline.core.params import hub_set, read_params
from pipeline.core.paths import EXTERNAL_DIR
from pipeline.core.stage import run_stage
from pipeline.data.validation import list_offsets
from pipeline.sources.readers import load_hub_split
from pipeline.sources.tag_map import check_tag_names, log_summary, map_tags, multinerd_table

logger = logging.getLogger(__name__)


def main() -> None:
    if len(sys.argv) != 2:
        raise ParamError("usage: python -m pipeline.stages.external_hub SET (a set of external.hub in params.yaml)")
    name = sys.argv[1]
    entry = hub_set(read_params(), name)
    where = f"{entry.hub_name}@{entry.hub_revision} [{entry.split}]"
    table, names = load_hub_split(entry.hub_name, entry.hub_revision, entry.split, entry.data_files)
    declared = list(entry.tag_names)
    if names is None and not declared:
        raise ParamError(
            f"external.hub.{name}.tag_names: {where} does not name its ner_tags ids; declare the BIO tag "
            "of each id, e.g. [O, B-PER, I-PER, B-ORG, I-ORG, B-LOC, I-LOC, B-MISC, I-MISC]"
        )
    if names is not None and declared and declared != names:
        raise ParamError(
            f"external.hub.{name}.tag_names: got {declared}, but {where} names its ids {names}; "
            "drop tag_names or make it the same"
        )
    names = names or declared
    check_tag_names(names, where)
    tags, tokens = table["ner_tags"].combine_chunks(), table["tokens"].combine_chunks()
    lengths = [
        pc.fill_null(pc.list_value_length(column), -1).to_numpy(zero_copy_only=False) for column in (tokens, tags)
    ]
    broken = (lengths[0] != lengths[1]) | (lengths[1] < 0)
    if broken.any():
        row = int(np.flatnonzero(broken)[0])
        raise DataError(f"{where}: row {row}: {lengths[0][row]} tokens but {lengths[1][row]} ner_tags (-1: missing)")
    ids = tags.flatten().to_numpy(zero_copy_only=False).astype(np.int64)
    bad = (ids < 0) | (ids >= len(names))
    if bad.any():
        row = int(np.searchsorted(list_offsets(tags), np.flatnonzero(bad)[0], side="right") - 1)
        raise DataError(f"{where}: row {row}: tag id {ids[bad][0]} outside 0-{len(names) - 1} (the tag names)")
    mapped = map_tags(
        pa.DictionaryArray.from_arrays(pa.array(ids.astype(np.int32)), pa.array(names, pa.string())), entry.types
    )
    result = multinerd_table(tokens.flatten(), mapped.ids, list_offsets(tags), where)
    log_summary(name, result, mapped.unmapped)
    with atomic_path(EXTERNAL_DIR / f"{name}.parquet") as tmp:
        pq.write_table(result, tmp)


if __name__ == "__main__":
    run_stage(main)
