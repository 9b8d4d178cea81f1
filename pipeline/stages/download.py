"""Stage ``download``: write the raw dataset (all languages) to ``data/raw/<split>.parquet``.

Also writes ``data/raw/source.json``, what the data is (``{"source": "hub", "dataset": ..., "revision": ...}``,
or ``{"source": "sample"}`` / ``{"source": "local"}``), without the folder it was read from: moving the
same files elsewhere leaves ``data/raw`` byte-identical, so nothing after this stage reruns.
"""

from __future__ import annotations

import json
import logging

import pyarrow.parquet as pq

from pipeline.core.atomic import atomic_path
from pipeline.core.params import DownloadParams, read_params
from pipeline.core.paths import RAW_DIR, SOURCE_FILE, SPLITS
from pipeline.core.stage import no_arguments, run_stage
from pipeline.sources.readers import load_hub, load_local

logger = logging.getLogger(__name__)


def source_record(params: DownloadParams) -> dict[str, str | None]:
    """What the raw data is, for model cards and the report; never the local folder's path."""
    if params.source == "hub":
        return {"source": "hub", "dataset": params.hub_name, "revision": params.hub_revision}
    return {"source": params.source}


def main() -> None:
    no_arguments("download")
    params = DownloadParams.read(read_params())
    splits = load_hub(params.hub_name, params.hub_revision) if params.source == "hub" else load_local(params.path)
    with atomic_path(RAW_DIR) as tmp:
        tmp.mkdir()
        for split in SPLITS:
            pq.write_table(splits[split], tmp / f"{split}.parquet")
            logger.info("%s: %d rows (%s)", split, splits[split].num_rows, params.source)
        (tmp / SOURCE_FILE.name).write_text(json.dumps(source_record(params), indent=2) + "\n", encoding="utf-8")
    logger.info("wrote %s", RAW_DIR)


if __name__ == "__main__":
    run_stage(main)
