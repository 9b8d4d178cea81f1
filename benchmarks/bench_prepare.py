"""Benchmark the project's ``prepare_split`` against the original notebook's ``datasets`` filter/map.

On one MultiNERD-format folder (the real data, or ``python -m benchmarks.make_standin`` output) this measures:

(a) the original notebook's method on the train split: a Hugging Face ``Dataset``, then
    ``Dataset.filter(lambda x: x["lang"] == "en")`` with a Python predicate and ``Dataset.map`` that sets every
    System B-dropped tag id to 0 in Python, one example at a time (ids kept: the tags of the system's types,
    for System B {0,1,2,3,4,5,6,7,8,13,14}). By default the Dataset is built from the very Arrow table that
    ``pipeline.sources.readers.load_local`` returns (``--original-source table``: same input, and the reading is not
    counted twice); ``--original-source json`` reads the JSONL files with ``datasets.load_dataset("json")`` into
    a throw-away cache under /tmp instead, as the notebook's loader would, and times that reading too.
(b) the project's ``pipeline.stages.prepare.prepare_split`` on the same table (Arrow filter + NumPy lookup), timed
    apart from the reading, and the end-to-end time with the reading (``load_local``, which reads and validates
    all three splits, and the train split alone).

The outputs are compared row by row, in order: the tokens must be identical, and the tags are compared on
label *names* (the original keeps MultiNERD ids, e.g. 13 = B-DIS; the project re-indexes System B to the compact
list O, B-PER, ..., I-DIS, where B-DIS is 9; each side is mapped to its label names).

Peak RSS: the project's path runs first in a child process (``--only project``: ``load_local`` + the
``prepare_split`` of every split), so the original method's memory does not pollute it; the parent process then
runs both methods and the comparison, so its peak is that of the original method (plus the small project
output). ``ru_maxrss`` of each process is reported.

Usage (from the repository root)::

    python -m benchmarks.bench_prepare --data /tmp/multinerd-standin [--json-out /tmp/bench_prepare.json]

``--fraction F`` runs the comparison on every (1/F)-th train row only (documented in the output).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from pipeline.core.params import SystemParams, read_params
from pipeline.core.paths import SPLITS
from pipeline.data.labels import MULTINERD_LABELS, labels_for_types
from pipeline.data.validation import list_offsets
from pipeline.sources.readers import load_local, load_local_split, split_files
from pipeline.stages.prepare import prepare_split

REPO_ROOT = Path(__file__).resolve().parents[1]

GIB = 2**30


def peak_rss_bytes() -> int:
    """This process's peak resident set size (Linux reports ``ru_maxrss`` in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def current_rss_bytes() -> int | None:
    try:
        import psutil
    except ImportError:
        return None
    return psutil.Process().memory_info().rss


def system_types(system: str) -> list[str]:
    return list(SystemParams.read(read_params(REPO_ROOT / "params.yaml"), system).types)


def kept_ids(types: list[str]) -> set[int]:
    """MultiNERD ids the original keeps for ``types`` (every other id becomes 0)."""
    return {i for i, label in enumerate(MULTINERD_LABELS) if label == "O" or label[2:] in types}


def timed(function, *args):
    started = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - started


def subsample(table: pa.Table, fraction: float) -> pa.Table:
    """Every (1/fraction)-th row, so every language keeps its share; the table itself at 1.0."""
    if fraction >= 1:
        return table
    step = max(1, round(1 / fraction))
    return table.take(pa.array(np.arange(0, table.num_rows, step)))


# ---------------------------------------------------------------------------------------------------------
# (b) the project's path


def run_project(args: argparse.Namespace) -> dict:
    """load_local + prepare_split of every split, in this process; times and this process's peak RSS."""
    types = system_types(args.system)
    result = {}
    train_only, result["read_train_s"] = timed(load_local_split, args.data, "train")
    del train_only
    splits, result["load_local_s"] = timed(load_local, args.data)
    result["rss_after_load_gib"] = (current_rss_bytes() or 0) / GIB
    result["rows"] = {split: splits[split].num_rows for split in SPLITS}
    result["prepare_s"], result["prepared_rows"] = {}, {}
    for split in SPLITS:
        table = subsample(splits[split], args.fraction) if split == "train" else splits[split]
        prepared, seconds = timed(prepare_split, table, [args.language], types, split)
        result["prepare_s"][split] = seconds
        result["prepared_rows"][split] = prepared.num_rows
    result["end_to_end_train_s"] = result["read_train_s"] + result["prepare_s"]["train"]
    result["end_to_end_all_s"] = result["load_local_s"] + sum(result["prepare_s"].values())
    result["peak_rss_gib"] = peak_rss_bytes() / GIB
    return result


def project_in_child(args: argparse.Namespace) -> dict:
    command = [
        sys.executable,
        "-m",
        "benchmarks.bench_prepare",
        "--data",
        str(args.data),
        "--only",
        "project",
        "--language",
        args.language,
        "--system",
        args.system,
        "--fraction",
        str(args.fraction),
    ]
    completed = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True, cwd=REPO_ROOT)
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    return json.loads(lines[-1][len("RESULT ") :])


# ---------------------------------------------------------------------------------------------------------
# (a) the original notebook's method


def original_method(dataset, language: str, keep: set[int], timings: dict):
    """The notebook's per-example Python filter and map (``keep``: the ids that stay; others become 0)."""
    started = time.perf_counter()
    english = dataset.filter(lambda x: x["lang"] == language)
    timings["original_filter_s"] = time.perf_counter() - started

    def remap(example):
        example["ner_tags"] = [tag if tag in keep else 0 for tag in example["ner_tags"]]
        return example

    started = time.perf_counter()
    output = english.map(remap)
    timings["original_map_s"] = time.perf_counter() - started
    return output


def run_original(args: argparse.Namespace, train: pa.Table, timings: dict) -> pa.Table:
    import datasets

    keep = kept_ids(system_types(args.system))
    if args.original_source == "json":
        with tempfile.TemporaryDirectory(prefix="bench-prepare-hf-", dir="/tmp") as cache:
            files = [str(path) for path in split_files(args.data, "train")]
            started = time.perf_counter()
            dataset = datasets.load_dataset("json", data_files={"train": files}, cache_dir=cache)["train"]
            timings["original_read_s"] = time.perf_counter() - started
            dataset = (
                dataset.select(range(0, len(dataset), max(1, round(1 / args.fraction))))
                if args.fraction < 1
                else dataset
            )
            started = time.perf_counter()
            output = original_method(dataset, args.language, keep, timings)
            timings["original_filter_map_s"] = time.perf_counter() - started
            return output.with_format("arrow")[:]
    datasets.disable_caching()
    started = time.perf_counter()
    dataset = datasets.Dataset(train)
    timings["original_dataset_s"] = time.perf_counter() - started
    started = time.perf_counter()
    output = original_method(dataset, args.language, keep, timings)
    timings["original_filter_map_s"] = time.perf_counter() - started
    return output.with_format("arrow")[:]


def flat_tags(column) -> tuple[np.ndarray, np.ndarray]:
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    return array.flatten().to_numpy(zero_copy_only=False).astype(np.int64), list_offsets(array)


def compare(original: pa.Table, project: pa.Table, types: list[str]) -> dict:
    """Row-by-row equality of tokens and tag names; a dict with the verdict and the first difference."""
    if original.num_rows != project.num_rows:
        return {"identical": False, "reason": f"rows {original.num_rows} vs {project.num_rows}"}
    tokens_o = original["tokens"].combine_chunks().cast(pa.list_(pa.string()))
    tokens_p = project["tokens"].combine_chunks().cast(pa.list_(pa.string()))
    if not tokens_o.equals(tokens_p):
        return {"identical": False, "reason": "tokens differ"}
    tags_o, offsets_o = flat_tags(original["ner_tags"])
    tags_p, offsets_p = flat_tags(project["ner_tags"])
    if not np.array_equal(offsets_o, offsets_p):
        return {"identical": False, "reason": "tag list lengths differ"}
    # Compare on names: the project's compact id -> its label name -> that name's MultiNERD id.
    compact_to_multinerd = np.array([MULTINERD_LABELS.index(label) for label in labels_for_types(types)])
    differ = tags_o != compact_to_multinerd[tags_p]
    if differ.any():
        row = int(np.searchsorted(offsets_o, np.flatnonzero(differ)[0], side="right") - 1)
        return {"identical": False, "reason": f"tags differ, first at row {row}"}
    return {"identical": True, "rows": original.num_rows, "tokens": len(tags_o)}


# ---------------------------------------------------------------------------------------------------------


def machine() -> dict:
    import datasets

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            int(line.split()[1]) * 1024
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        0,
    )
    return {
        "cpu": model,
        "nproc": os.cpu_count(),
        "mem_gib": round(memory / GIB, 1),
        "python": platform.python_version(),
        "pyarrow": pa.__version__,
        "datasets": datasets.__version__,
        "numpy": np.__version__,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="folder in the Hub layout")
    parser.add_argument(
        "--only",
        choices=("project", "original", "both"),
        default="both",
        help="project: the project's path alone (the child's job); original: the in-process "
        "comparison without the project child; both (default): child, then comparison",
    )
    parser.add_argument("--language", default="en")
    parser.add_argument("--system", default="B", help="system whose types are kept (params.yaml)")
    parser.add_argument("--fraction", type=float, default=1.0, help="share of the train rows compared")
    parser.add_argument("--original-source", choices=("table", "json"), default="table")
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats of the in-process prepare_split")
    parser.add_argument("--json-out", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    types = system_types(args.system)

    if args.only == "project":
        print("RESULT " + json.dumps(run_project(args)), flush=True)
        return

    results = {
        "data": str(args.data),
        "language": args.language,
        "system": args.system,
        "types": types,
        "fraction": args.fraction,
        "original_source": args.original_source,
        "machine": machine(),
    }
    if args.only == "both":
        print("project path in a child process ...", file=sys.stderr, flush=True)
        results["project_child"] = project_in_child(args)

    timings = {}
    splits, timings["load_local_s"] = timed(load_local, args.data)
    train = subsample(splits["train"], args.fraction)
    del splits
    results["train_rows"] = train.num_rows
    project_runs = []
    for _ in range(max(1, args.repeats)):
        project, seconds = timed(prepare_split, train, [args.language], types, "train")
        project_runs.append(seconds)
    timings["project_prepare_runs_s"] = project_runs
    timings["project_prepare_s"] = statistics.median(project_runs)
    rss_before = peak_rss_bytes()
    print(f"original method on {train.num_rows:,} train rows ...", file=sys.stderr, flush=True)
    original = run_original(args, train, timings)
    timings["original_s"] = timings["original_filter_map_s"]
    results["timings"] = timings
    results["comparison"] = compare(original, project, types)
    results["ratio_filter_map_vs_prepare"] = timings["original_s"] / timings["project_prepare_s"]
    results["parent_peak_rss_before_original_gib"] = rss_before / GIB
    results["parent_peak_rss_gib"] = peak_rss_bytes() / GIB
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(summary(results))
    if not results["comparison"]["identical"]:
        sys.exit(1)


def summary(results: dict) -> str:
    t = results["timings"]
    lines = [
        f"train rows compared: {results['train_rows']:,} (fraction {results['fraction']}), "
        f"{results['comparison'].get('rows', 0):,} {results['language']} rows out",
        f"outputs identical (tokens; tags by label name): {results['comparison']['identical']} "
        f"{results['comparison'].get('reason', '')}".rstrip(),
    ]
    if "original_read_s" in t:
        lines.append(f"original load_dataset('json') of train: {t['original_read_s']:.1f} s")
    if "original_dataset_s" in t:
        lines.append(f"original datasets.Dataset(table) (not in the ratio): {t['original_dataset_s']:.1f} s")
    lines += [
        f"original Dataset.filter + Dataset.map:    {t['original_s']:.2f} s "
        f"(filter {t['original_filter_s']:.2f} s, map {t['original_map_s']:.2f} s)",
        f"project prepare_split (median of {len(t['project_prepare_runs_s'])}): {t['project_prepare_s']:.3f} s "
        f"(runs {', '.join(f'{s:.3f}' for s in t['project_prepare_runs_s'])})",
        f"ratio original / project:                {results['ratio_filter_map_vs_prepare']:.0f}x",
        f"load_local (all splits, this process):   {t['load_local_s']:.1f} s",
        f"parent peak RSS (original + comparison): {results['parent_peak_rss_gib']:.2f} GiB "
        f"(before the original ran: {results['parent_peak_rss_before_original_gib']:.2f} GiB)",
    ]
    child = results.get("project_child")
    if child:
        lines += [
            f"project child: read+validate train {child['read_train_s']:.1f} s, load_local all splits "
            f"{child['load_local_s']:.1f} s, prepare_split train {child['prepare_s']['train']:.3f} s / "
            f"validation {child['prepare_s']['validation']:.3f} s / test {child['prepare_s']['test']:.3f} s",
            f"project end-to-end: train {child['end_to_end_train_s']:.1f} s, all splits "
            f"{child['end_to_end_all_s']:.1f} s; peak RSS {child['peak_rss_gib']:.2f} GiB",
        ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
