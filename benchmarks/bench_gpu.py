"""The table of :mod:`benchmarks.bench_equal_work` on one GPU, for the real run's configuration.

Stock SpanMarker and the project side by side at 256 / 128 / 8, batch 16 x 2, in the precision of
``params.full.yaml`` (bf16 autocast, TF32) with a randomly initialised encoder of mBERT's shapes (the encoder of
the real run's checkpoint; random weights cost the same time as trained ones and need no download), over more
sentences than the CPU default: ``--train-sentences 3000`` (about 110 optimizer steps) and
``--predict-sentences 4000``. Every option of ``bench_equal_work`` is accepted and overrides these; ``--tiny``
runs a 2-layer, 32-wide encoder over a handful of sentences, on a CPU too, and only shows that the script works.

Usage, from the repository root::

    python -m benchmarks.bench_gpu --data /path/to/multinerd-layout --json-out /tmp/bench_gpu.json
    python -m benchmarks.bench_gpu --tiny
"""

from __future__ import annotations

import sys
from typing import Any

from benchmarks import bench_equal_work

GPU_DEFAULTS = ["--encoder", "mbert-random", "--train-sentences", "3000", "--predict-sentences", "4000"]
TINY = ["--encoder", "tiny", "--train-sentences", "40", "--predict-sentences", "12", "--batch-size", "4"]
"""``--tiny``: sizes that run on a CPU in seconds; lengths, gradient accumulation and code paths stay the real ones."""


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """``bench_equal_work`` with the GPU defaults (or ``--tiny``'s), then ``argv``; returns its report."""
    argv = list(sys.argv[1:] if argv is None else argv)
    defaults = TINY if "--tiny" in argv else GPU_DEFAULTS
    return bench_equal_work.main(defaults + [arg for arg in argv if arg != "--tiny"])


if __name__ == "__main__":
    main()
