"""Stage ``audit``: repeats in the raw data, per language and split, before anything is trained on it.

Reads ``data/raw/<split>.parquet`` (every language) and writes

- ``reports/scores/audit.json``: per language and split, ``rows``, ``distinct`` sentences, ``repeated`` rows
  (beyond the first of their sentence in the split), ``conflicting`` sentences (the same words with more than one
  tag sequence) and, for validation and test, ``in_train`` rows (sentences that also occur in train), under
  ``languages``; the same counts summed over languages, per split, under ``totals``.

Whatever the cause of a repeat, a user sees it here and in the report; ``prepare.deduplicate`` removes them
from what the systems train and are tested on (:func:`pipeline.data.audit.deduplicate`).
"""

from __future__ import annotations

import logging

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.core.atomic import write_json
from pipeline.core.paths import AUDIT_FILE, RAW_DIR, SPLITS
from pipeline.core.stage import no_arguments, run_stage
from pipeline.data.audit import audit_splits, totals

logger = logging.getLogger(__name__)


def main() -> None:
    no_arguments("audit")
    tables = {split: pq.read_table(RAW_DIR / f"{split}.parquet") for split in SPLITS}
    languages = sorted(set().union(*(pc.unique(table["lang"]).to_pylist() for table in tables.values())))
    by_language = {}
    for language in languages:
        of_language = {
            split: table.filter(pc.equal(table["lang"], pa.scalar(language))) for split, table in tables.items()
        }
        by_language[language] = audit_splits(of_language)
        train, test = by_language[language]["train"], by_language[language]["test"]
        logger.info(
            "%s: train %d rows, %d repeated; test %d rows, %d also in train",
            language,
            train["rows"],
            train["repeated"],
            test["rows"],
            test["in_train"],
        )
    write_json(AUDIT_FILE, {"languages": by_language, "totals": totals(by_language)})


if __name__ == "__main__":
    run_stage(main)
