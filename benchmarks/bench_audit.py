"""How long do the data audit and ``prepare.deduplicate`` take on a full-scale MultiNERD stand-in?

Reads a folder in the Hub layout (``python -m benchmarks.make_standin`` writes a full-scale synthetic one, 2.7M
rows), then times, for English and for all ten languages: the audit of the ``audit`` stage (one
:func:`pipeline.data.audit.audit_splits` per language) and :func:`pipeline.data.audit.deduplicate` of the
English splits. The stand-in's sentences are random, so it holds few repeats; the timings are what matters.

Usage (from the repository root)::

    python -m benchmarks.bench_audit --data /tmp/multinerd-standin [--json-out FILE]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from benchmarks.quiet import quiet_libraries
from pipeline.data.audit import audit_splits, deduplicate, totals
from pipeline.sources.readers import load_local


def measure(data: Path) -> dict[str, float]:
    """Rows, seconds of each step and the peak memory (see the module docstring)."""
    start = time.perf_counter()
    tables = load_local(data)
    figures: dict[str, float] = {
        "load_seconds": time.perf_counter() - start,
        "rows": sum(table.num_rows for table in tables.values()),
    }
    languages = sorted(set().union(*(pc.unique(table["lang"]).to_pylist() for table in tables.values())))
    english = {split: table.filter(pc.equal(table["lang"], pa.scalar("en"))) for split, table in tables.items()}
    figures["english_rows"] = sum(table.num_rows for table in english.values())
    start = time.perf_counter()
    english_audit = audit_splits(english)
    figures["audit_english_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    by_language = {
        language: audit_splits(
            {split: table.filter(pc.equal(table["lang"], pa.scalar(language))) for split, table in tables.items()}
        )
        for language in languages
    }
    figures["audit_all_seconds"] = time.perf_counter() - start
    start = time.perf_counter()
    kept = deduplicate(english)
    figures["deduplicate_english_seconds"] = time.perf_counter() - start
    figures["english_rows_dropped"] = figures["english_rows"] - sum(table.num_rows for table in kept.values())
    figures["english_repeated_train"] = english_audit["train"]["repeated"]
    figures["all_repeated_train"] = totals(by_language)["train"]["repeated"]
    figures["peak_memory_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    quiet_libraries()
    figures = measure(args.data)
    for key, value in figures.items():
        print(f"{key:>28}: {value:.4g}" if isinstance(value, float) else f"{key:>28}: {value:,}")
    if args.json_out:
        args.json_out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
