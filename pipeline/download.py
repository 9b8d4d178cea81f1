"""Stage ``download``: write the raw dataset (all languages) to ``data/raw/<split>.parquet``."""

from __future__ import annotations

import logging
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.atomic import atomic_path
from pipeline.params import load_params
from pipeline.sources import SPLITS, load_hub, load_local
from pipeline.stage import run_stage

logger = logging.getLogger(__name__)
RAW_DIR = Path("data/raw")


def main() -> None:
    params = load_params()["download"]
    source = params["source"]
    if source == "hub":
        splits = load_hub(params["hub_name"], params["hub_revision"])
    else:
        splits = load_local(params["sample_path"] if source == "sample" else params["local_path"])
    with atomic_path(RAW_DIR) as tmp:
        tmp.mkdir()
        for split in SPLITS:
            pq.write_table(splits[split], tmp / f"{split}.parquet")
            logger.info("%s: %d rows (%s)", split, splits[split].num_rows, source)
    logger.info("wrote %s", RAW_DIR)


if __name__ == "__main__":
    run_stage(main)
