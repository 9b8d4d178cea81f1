"""Quiet library output for the benchmark scripts: warnings and errors only, no progress bars."""

from __future__ import annotations

import logging
import warnings

import datasets


def quiet_libraries() -> None:
    """Log at WARNING, silence SpanMarker, transformers and datasets below ERROR, and hide progress bars."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("span_marker", "transformers", "datasets"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    datasets.disable_progress_bars()
    warnings.filterwarnings("ignore", category=FutureWarning)
