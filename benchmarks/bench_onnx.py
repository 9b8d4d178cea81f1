"""Four ways to predict the same real sentences with the same trained model, side by side in one run, against the
CPU's own limit.

The model is a system trained on real text by the pipeline's own stages (:mod:`benchmarks.bench_real_text`, at the
real run's lengths 256 / 128 / 8), the sentences its test split (WikiNEuRal's English test sentences when ``--data``
is WikiNEuRal), predicted at one batch size with the model in float32 on the CPU:

- ``stock``: SpanMarker 1.8.1's ``SpanMarkerModel.predict`` with its own ``forward`` (the per-sample loop over the
  batch; every sample padded to 256 + 2 x 128 positions);
- ``torch``: the project's PyTorch path, :func:`pipeline.model.inference.predict_entities` with the vectorised span
  head (:mod:`pipeline.model.span_head`; batches sorted by length and padded to their longest sample);
- ``onnx``: the same path with the span logits from the system's float32 ONNX graph in ONNX Runtime;
- ``onnx-int8``: the same with the int8 graph (ONNX Runtime's dynamic quantisation).

The graphs are the ones the export stage writes into ``graphs/<system>/seed-<seed>/`` of the work folder (run here after
``bench_real_text`` has trained the model). Each column is timed over
the whole test split after a warm-up on its first sentences; peak memory is the process's resident memory above
its level at the start of the prediction (sampled every 10 ms, as :mod:`benchmarks.bench_equal_work` does); F1 is
seqeval's micro F1 against the gold tags of the prepared test split, which for ``torch`` equals the evaluate
stage's test F1 of the work folder.

The limit: the FLOPs of the forward passes of each column's batches, counted by ``torch.utils.flop_counter`` over
one untimed pass (matrix products and attention; stock's from its own padding), per sentence, and the achieved
FLOP/s of each column against the rate of a plain ``torch.matmul`` of two 4096 x 4096 float32 matrices measured on
the same threads (best of 5). For the int8 graph the float32 FLOPs are counted: its FLOP/s says how far it went
past float32's limit.

Targets (printed, not enforced: they depend on the CPU): ``onnx`` at least 2.5x stock's sentences/s, ``onnx-int8``
at least 4x with F1 within 0.5 points of ``onnx``. Checked (exit status 1 when one fails): ``torch`` and ``onnx``
predict the same entities as ``stock``, with scores within 1e-4.

Usage, from the repository root (trains System B first: about 10 minutes on 2 cores)::

    python -m benchmarks.bench_onnx --data ../shared/data/wikineural --train-sentences 1500 --threads 2 \\
        [--work /tmp/onnx-bench] [--json-out /tmp/onnx.json]
    python -m benchmarks.bench_onnx --work /tmp/onnx-bench     # reuse a work folder built before
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import torch
from span_marker import SpanMarkerModel
from torch.utils.flop_counter import FlopCounterMode

from benchmarks.bench_equal_work import peak_memory
from benchmarks.bench_real_text import main as build_work_folder
from benchmarks.bench_real_text import parse_override, run_stage
from benchmarks.quiet import quiet_libraries
from pipeline.core.params import ComputeParams, read_params
from pipeline.core.paths import run_folder
from pipeline.graphs.onnx_graph import load_session
from pipeline.model.compute import pin_compute
from pipeline.model.inference import model_words, predict_entities
from pipeline.model.model_folder import load_model
from pipeline.tagging.metrics import entity_scores, use_offline_seqeval
from pipeline.tagging.tags import gold_tags, tags_from_entities

REAL_LENGTHS = {"model.model_max_length": 256, "model.marker_max_length": 128, "model.entity_max_length": 8}
COLUMNS = ("stock", "torch", "onnx", "onnx-int8")
SCORE_TOLERANCE = 1e-4
MATMUL_SIZE = 4096
TARGETS = {"onnx": 2.5, "onnx-int8": 4.0}
"""Sentences/s of each ONNX column over stock's that the benchmark aims at."""
INT8_F1_POINTS = 0.5
"""How far (in F1 points) the int8 graph may fall from the float one."""
WARM_UP = 32
"""Sentences predicted before each column is timed (first-call allocations, ONNX Runtime's arena)."""


def matmul_rate(threads: int, size: int = MATMUL_SIZE, repeats: int = 5) -> float:
    """FLOP/s of the best of ``repeats`` ``torch.matmul`` of two ``size`` x ``size`` float32 matrices (2 size^3
    FLOPs each) on ``threads`` threads."""
    torch.set_num_threads(threads)
    a, b = torch.randn(size, size), torch.randn(size, size)
    torch.matmul(a, b)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best


def stock_predict(model: SpanMarkerModel, sentences: list[list[str]], batch_size: int) -> list[list[dict]]:
    """``SpanMarkerModel.predict`` of ``sentences`` (the words the project's path would give it), with each
    entity's word indices mapped back to the sentence's own words, as :func:`predict_entities` returns them."""
    inputs, sources, _ = model_words(model, sentences)
    raw = iter(model.predict([words for words in inputs if words], batch_size=batch_size, show_progress_bar=False))
    return [
        [
            {
                **entity,
                "word_start_index": source[entity["word_start_index"]],
                "word_end_index": source[entity["word_end_index"] - 1] + 1,
            }
            for entity in next(raw)
        ]
        if words
        else []
        for words, source in zip(inputs, sources, strict=True)
    ]


def counted_flops(run: Callable[[], Any]) -> int:
    """The FLOPs torch's flop counter counts over ``run()`` (matrix products and attention)."""
    with FlopCounterMode(display=False) as counter:
        run()
    return counter.get_total_flops()


def same_entities(first: list[list[dict]], second: list[list[dict]]) -> tuple[bool, float]:
    """Whether both predictions hold the same (type, start, end) entities per sentence, and the largest score
    difference of their entities (0 when they differ)."""

    def keys(entities: list[list[dict]]) -> list[list[tuple]]:
        return [[(e["label"], e["word_start_index"], e["word_end_index"]) for e in found] for found in entities]

    if keys(first) != keys(second):
        return False, 0.0
    return True, max(
        (abs(a["score"] - b["score"]) for x, y in zip(first, second, strict=True) for a, b in zip(x, y, strict=True)),
        default=0.0,
    )


def bench_column(
    name: str, predict: Callable[[list[list[str]]], list[list[dict]]], sentences: list[list[str]], gold: list[list[str]]
) -> tuple[dict[str, Any], list[list[dict]]]:
    """Time and measure one column over ``sentences`` after a warm-up; its entities."""
    predict(sentences[:WARM_UP])
    result: dict[str, Any] = {}
    start = time.perf_counter()
    with peak_memory(result, "peak_gib"):
        entities = predict(sentences)
    result["seconds"] = time.perf_counter() - start
    result["sentences_per_s"] = len(sentences) / result["seconds"]
    predicted = [tags_from_entities(found, len(words)) for found, words in zip(entities, sentences, strict=True)]
    result["f1"] = entity_scores(gold, predicted)["overall_f1"]
    print(f"  {name}: {result['sentences_per_s']:.1f} sentences/s, F1 {100 * result['f1']:.2f}", flush=True)
    return result, entities


def reference_run(work: Path, system: str) -> Path:
    """``<system>/seed-<seed>``, the work folder's run of ``system`` with the first of its ``train.seeds``."""
    return run_folder(system, read_params(work / "params.yaml")["train"]["seeds"][0])


def run(work: Path, system: str, batch_size: int, threads: int) -> dict[str, Any]:
    """Every column on the work folder's test split (the reference run's model and graphs); the report."""
    folder = work / "models" / reference_run(work, system)
    prepared = work / "data" / "prepared" / system
    table = pq.read_table(prepared / "test.parquet", columns=["tokens", "ner_tags"])
    labels = json.loads((prepared / "labels.json").read_text(encoding="utf-8"))["labels"]
    sentences = table["tokens"].to_pylist()
    gold = gold_tags(table["ner_tags"].to_pylist(), labels)
    model = load_model(folder).eval()
    stock = load_model(folder, model_class=SpanMarkerModel).eval()
    graphs = work / "graphs" / reference_run(work, system)
    sessions = {runtime: load_session(model, graphs, runtime, threads) for runtime in ("onnx", "onnx-int8")}
    predictors = {
        "stock": lambda found: stock_predict(stock, found, batch_size),
        "torch": lambda found: predict_entities(model, found, batch_size),
        "onnx": lambda found: predict_entities(model, found, batch_size, logits=sessions["onnx"]),
        "onnx-int8": lambda found: predict_entities(model, found, batch_size, logits=sessions["onnx-int8"]),
    }
    print(f"{len(sentences)} test sentences, batch {batch_size}, {threads} threads", flush=True)
    columns, entities = {}, {}
    with torch.inference_mode():
        for name in COLUMNS:
            columns[name], entities[name] = bench_column(name, predictors[name], sentences, gold)
        flops = {
            "stock": counted_flops(lambda: predictors["stock"](sentences)),
            "torch": counted_flops(lambda: predictors["torch"](sentences)),
        }
    peak = matmul_rate(threads)
    for name, column in columns.items():
        work_flops = flops["stock" if name == "stock" else "torch"]
        column["flops_per_sentence"] = work_flops / len(sentences)
        column["flop_per_s"] = work_flops / column["seconds"]
        column["share_of_matmul_rate"] = column["flop_per_s"] / peak
        column["speedup"] = column["sentences_per_s"] / columns["stock"]["sentences_per_s"]
    checks = {}
    for name in ("torch", "onnx"):
        same, difference = same_entities(entities[name], entities["stock"])
        checks[name] = {
            "entities_identical": same,
            "max_score_difference": difference,
            "passed": same and difference <= SCORE_TOLERANCE,
        }
    targets = {
        name: {"speedup": columns[name]["speedup"], "target": target, "met": columns[name]["speedup"] >= target}
        for name, target in TARGETS.items()
    }
    int8_points = 100 * (columns["onnx-int8"]["f1"] - columns["onnx"]["f1"])
    targets["onnx-int8 F1"] = {
        "points": int8_points,
        "target": -INT8_F1_POINTS,
        "met": abs(int8_points) <= INT8_F1_POINTS,
    }
    return {
        "system": system,
        "sentences": len(sentences),
        "batch_size": batch_size,
        "threads": threads,
        "entities": sum(map(len, entities["torch"])),
        "matmul_flop_per_s": peak,
        "columns": columns,
        "checks": checks,
        "targets": targets,
    }


def print_report(report: dict[str, Any]) -> None:
    print(
        f"\nSystem {report['system']}: {report['sentences']} test sentences ({report['entities']} entities "
        f"predicted), batch {report['batch_size']}, {report['threads']} threads; float32 matmul "
        f"{report['matmul_flop_per_s'] / 1e9:.0f} GFLOP/s"
    )
    print(
        f"{'column':<10} {'sent/s':>7} {'x stock':>7} {'peak GiB':>8} {'F1':>6} {'GFLOP/sent':>10} "
        f"{'GFLOP/s':>7} {'of matmul':>9}"
    )
    for name, column in report["columns"].items():
        print(
            f"{name:<10} {column['sentences_per_s']:>7.1f} {column['speedup']:>7.2f} "
            f"{column['peak_gib'] if column['peak_gib'] is not None else float('nan'):>8.2f} "
            f"{100 * column['f1']:>6.2f} {column['flops_per_sentence'] / 1e9:>10.2f} "
            f"{column['flop_per_s'] / 1e9:>7.1f} {100 * column['share_of_matmul_rate']:>8.0f}%"
        )
    for name, check in report["checks"].items():
        print(
            f"check {name} = stock: entities {'identical' if check['entities_identical'] else 'DIFFER'}, "
            f"largest score difference {check['max_score_difference']:.1e}: "
            f"{'passed' if check['passed'] else 'FAILED'}"
        )
    for name, target in report["targets"].items():
        value = (
            f"{target['points']:+.2f} F1 points (within {INT8_F1_POINTS})"
            if "points" in target
            else f"{target['speedup']:.2f}x stock (target {target['target']}x)"
        )
        print(f"target {name}: {value}: {'met' if target['met'] else 'NOT met'}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="a MultiNERD-layout folder to train on (WikiNEuRal); not needed with a built --work",
    )
    parser.add_argument(
        "--work",
        type=Path,
        default=None,
        help="a work folder of bench_real_text; built there when it holds no trained model "
        "(default: a new temporary folder)",
    )
    parser.add_argument("--system", default="B", help="the system to train and predict with (default: %(default)s)")
    parser.add_argument(
        "--train-sentences",
        type=int,
        default=1500,
        metavar="N",
        help="train on the first N rows of each train file (default: %(default)s)",
    )
    parser.add_argument("--batch-size", type=int, default=16, help="prediction batch size (default: %(default)s)")
    parser.add_argument("--threads", type=int, default=2, help="threads of every column (default: %(default)s)")
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one parameter of the training, after the real lengths (repeatable)",
    )
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args(argv)
    for override in args.overrides:
        try:
            parse_override(override)
        except argparse.ArgumentTypeError as error:
            parser.error(f"--set: {error}")
    built = args.work is not None and (args.work / "models" / args.system).is_dir()
    if not built and (args.data is None or not args.data.is_dir()):
        parser.error("--data (a MultiNERD-layout folder) is needed to build the work folder")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Build the work folder if needed, run every column, print the table; exit 1 when a check fails."""
    args = parse_args(argv)
    quiet_libraries()
    use_offline_seqeval()
    work = args.work or Path(tempfile.mkdtemp(prefix="onnx-bench-"))
    if not (work / "models" / args.system).is_dir():
        build_work_folder(
            [
                "--data",
                str(args.data),
                "--work",
                str(work),
                "--system",
                args.system,
                "--train-sentences",
                str(args.train_sentences),
                "--threads",
                str(args.threads),
                *(item for key, value in REAL_LENGTHS.items() for item in ("--set", f"{key}={value}")),
                *(item for override in args.overrides for item in ("--set", override)),
            ]
        )
    reference = reference_run(work, args.system)
    if not (work / "graphs" / reference).is_dir():  # the export stage, on the work folder's model
        run_stage("export", [args.system, reference.name.removeprefix("seed-")], work, work / "stages.log")
    pin_compute(ComputeParams(threads=args.threads, cpu_isa="avx2"))
    report = run(work, args.system, args.batch_size, args.threads)
    report.update(work=str(work), load_average_end=os.getloadavg(), torch=torch.__version__)
    print_report(report)
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    if not all(check["passed"] for check in report["checks"].values()):
        raise SystemExit(1)
    return report


if __name__ == "__main__":
    main()
