"""Stage ``external_local``: read one external test set in the CoNLL layout into MultiNERD's format.

Usage: ``python -m pipeline.stages.external_local SET``, a set of ``external.local`` in ``params.yaml``. Reads the
file, or every file of the folder, that ``path`` names (:mod:`pipeline.sources.conll`: the token and BIO tag in
``token_column`` and ``tag_column``), maps the set's types onto MultiNERD's with ``types`` (every other type becomes
``O``), checks and cleans the rows as ``download`` does (a stray ``I-`` is repaired with a count in a warning), and
writes ``data/external/<set>.parquet`` (``tokens``, ``ner_tags`` with MultiNERD's ids, ``lang`` = ``und``) for the
``external`` stage. The first bad line stops it with the file, the line and the problem, before any model runs.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.atomic import atomic_path
from pipeline.core.exceptions import ParamError
from pipeline.core.params import local_set, read_params
from pipeline.core.paths import EXTERNAL_DIR
from pipeline.core.stage import run_stage
from pipeline.sources.conll import conll_files, read_conll
from pipeline.sources.tag_map import log_summary, map_tags, multinerd_table

logger = logging.getLogger(__name__)


def main() -> None:
    if len(sys.argv) != 2:
        raise ParamError("usage: python -m pipeline.stages.external_local SET (a set of external.local in params.yaml)")
    name = sys.argv[1]
    entry = local_set(read_params(), name)
    tables: list[pa.Table] = []
    unmapped: dict[str, int] = {}
    for path in conll_files(Path(entry.path)):
        columns = read_conll(path, entry.token_column, entry.tag_column)
        mapped = map_tags(columns.tags, entry.types)
        tables.append(multinerd_table(columns.tokens, mapped.ids, columns.offsets, str(path)))
        for entity_type, count in mapped.unmapped.items():
            unmapped[entity_type] = unmapped.get(entity_type, 0) + count
    table = pa.concat_tables(tables)
    log_summary(name, table, dict(sorted(unmapped.items())))
    with atomic_path(EXTERNAL_DIR / f"{name}.parquet") as tmp:
        pq.write_table(table, tmp)


if __name__ == "__main__":
    run_stage(main)
