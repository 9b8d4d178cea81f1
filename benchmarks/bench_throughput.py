"""Training and prediction throughput of SpanMarker on the embedded sample: the project's settings vs stock.

Both settings use the same encoder (all-MiniLM-L6-v2, ``model.name`` of ``params.yaml``), the same 31
MultiNERD labels (System A), the same seeded classifier head, the same English sentences of ``data/sample``
(train for training, test for prediction, val for ``--evaluate``) and the pipeline's training arguments
(``pipeline.train.training_arguments``: optimizer ``adamw_torch_fused``, learning rate, warm-up, seed, ...).

- ``project``: ``params.yaml`` as it is: ``model_max_length``, ``marker_max_length``, ``entity_max_length``
  (the model comes from ``pipeline.modeling.build_model``), ``train.batch_size``, and ``evaluate.batch_size``
  as the ``predict`` batch size.
- ``stock``: ``SpanMarkerModel.from_pretrained(encoder, labels=...)`` with no length argument, i.e. SpanMarker's
  own defaults: ``model_max_length`` = min(tokenizer's 512, SpanMarker's default 512) = 512,
  ``marker_max_length`` = 128, ``entity_max_length`` = 8; train batch size 16 (the real run's
  ``params.full.yaml``, without its gradient accumulation of 2); the rest as in ``params.yaml``.

Every sample is padded to ``model_max_length + 2 * marker_max_length`` tokens, so every step costs the same
whatever the sentences; a sentence's candidate spans (words x ``entity_max_length``, less the overhang) are spread
over as many samples as needed, each holding (padded length - text tokens) // 2 marker pairs. Hence samples/s and
sentences/s (= samples/s divided by the mean samples per sentence of the preprocessed train set) are both given.

1. Training: SpanMarker's ``Trainer`` runs ``warm-up + timed`` optimizer steps (``max_steps``, no evaluation, no
   checkpoint); the timed steps are measured between ``on_step_end`` callbacks and include data loading,
   collation, forward, backward, clipping and the optimizer. The preprocessing (label normalising, tokenising,
   spreading), which runs once before the first step, is timed apart on the same data.
2. Prediction: ``SpanMarkerModel.predict`` on the test sentences with the pipeline's batch size and with
   SpanMarker's default (4), taking turns, on the same model: once on the untrained model (its random head
   predicts many entities) and ``--predict-repeats`` times on the trained one. A forward hook keeps the label
   probabilities of every candidate span, so the check covers every span, not only the predicted entities. The
   script exits with status 1 if entities, tags or span labels differ between the batch sizes.
3. ``--profile-dir DIR``: training, evaluation and prediction of each setting run under pyinstrument
   (``pip install pyinstrument``), which writes a text and an HTML tree per run; the script prints the time per
   component (forward, attention, backward, optimizer, collation, tokenising, ``dataset.select``, seqeval, ...).

Usage (from the repository root; about 4 minutes on 2 idle cores)::

    python -m benchmarks.bench_throughput --evaluate [--json-out /tmp/bench_throughput.json]
    python -m benchmarks.bench_throughput --settings project --evaluate --profile-dir /tmp/bench_profile
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import platform
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import datasets
import span_marker
import tokenizers
import torch
import transformers
from datasets import Dataset
from span_marker import SpanMarkerModel, Trainer
from transformers import TrainerCallback, TrainingArguments, set_seed
from transformers.trainer_callback import PrinterCallback

from benchmarks.quiet import quiet_libraries
from pipeline.labels import MULTINERD_LABELS
from pipeline.metrics import use_offline_seqeval
from pipeline.modeling import build_model, resolve_model_path
from pipeline.params import EvaluateParams, ModelParams, TrainParams, read_params
from pipeline.scoring import tags_from_entities
from pipeline.train import training_arguments

REPO_ROOT = Path(__file__).resolve().parents[1]

STOCK_PREDICT_BATCH_SIZE = 4  # SpanMarkerModel.predict's default batch_size
STOCK_TRAIN_BATCH_SIZE = 16  # the real run's train.batch_size (params.full.yaml)
SYSTEM = "A"  # whose labels (all 31 MultiNERD tags) and train parameters the benchmark uses
Entities = list[list[dict[str, Any]]]


@dataclasses.dataclass(frozen=True)
class Setting:
    """The lengths and batch sizes of one configuration; ``None`` lengths are SpanMarker's defaults."""

    name: str
    model_max_length: int | None
    marker_max_length: int | None
    entity_max_length: int | None
    batch_size: int
    predict_batch_size: int
    steps: int
    warmup_steps: int
    predict_sentences: int | None


@dataclasses.dataclass
class Sentences:
    """The English sample: train (tokens and tags), val (tokens and tags) and test (tokens)."""

    train: Dataset
    val: Dataset
    test: list[list[str]]


# --------------------------------------------------------------------------------------------------- setup


def read_jsonl(path: Path, limit: int | None = None) -> Dataset:
    """``tokens`` and ``ner_tags`` of a MultiNERD-layout JSONL file (the ``lang`` column is dropped): every
    row, or the first ``limit`` rows."""
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in itertools.islice((line for line in handle if line.strip()), limit)]
    return Dataset.from_dict({"tokens": [row["tokens"] for row in rows],
                              "ner_tags": [row["ner_tags"] for row in rows]})


def load_sentences(sample: Path, language: str) -> Sentences:
    """The sample's sentences of one language, System A labels (all 31 MultiNERD tags as they are)."""
    test = read_jsonl(sample / "test" / f"test_{language}.jsonl")
    return Sentences(train=read_jsonl(sample / "train" / f"train_{language}.jsonl"),
                     val=read_jsonl(sample / "val" / f"val_{language}.jsonl"),
                     test=[list(words) for words in test["tokens"]])


def make_settings(params: dict[str, Any], args: argparse.Namespace) -> dict[str, Setting]:
    """The ``project`` setting from ``params.yaml`` and SpanMarker's ``stock`` defaults."""
    model = ModelParams.read(params)
    predict_batch_size = EvaluateParams.read(params).batch_size
    return {
        "project": Setting("project", model.model_max_length, model.marker_max_length, model.entity_max_length,
                           TrainParams.read(params, SYSTEM).batch_size, predict_batch_size, args.steps,
                           args.warmup_steps, args.predict_sentences),
        "stock": Setting("stock", None, None, None, STOCK_TRAIN_BATCH_SIZE, predict_batch_size,
                         args.stock_steps, args.stock_warmup_steps, args.stock_predict_sentences),
    }


def make_model(params: dict[str, Any], setting: Setting, seed: int) -> SpanMarkerModel:
    """A fresh SpanMarker model on the project's encoder with ``setting``'s lengths (same seeded head)."""
    set_seed(seed)
    labels = list(MULTINERD_LABELS)
    model = ModelParams.read(params)
    if setting.name == "project":
        return build_model(dataclasses.replace(model, model_max_length=setting.model_max_length,
                                               marker_max_length=setting.marker_max_length,
                                               entity_max_length=setting.entity_max_length), labels)
    return SpanMarkerModel.from_pretrained(resolve_model_path(model.name), revision=model.revision, labels=labels)


def effective_lengths(model: SpanMarkerModel) -> dict[str, int]:
    """The lengths the model really uses (``model_max_length`` after SpanMarker's capping)."""
    model_max_length = model.tokenizer.model_max_length
    marker_max_length = model.config.marker_max_length
    return {"model_max_length": model_max_length, "marker_max_length": marker_max_length,
            "entity_max_length": model.config.entity_max_length,
            "tokens_per_sample": model_max_length + 2 * marker_max_length}


def make_training_arguments(hp: TrainParams, setting: Setting, output_dir: str) -> TrainingArguments:
    """The pipeline's training arguments with ``setting``'s batch size, stopping after a fixed step count."""
    hp = dataclasses.replace(hp, batch_size=setting.batch_size, checkpoint_steps=0)
    args = training_arguments(hp, Path(output_dir))
    return dataclasses.replace(args, max_steps=setting.warmup_steps + setting.steps, eval_strategy="no",
                               save_strategy="no", logging_strategy="no", disable_tqdm=True)


# -------------------------------------------------------------------------------------------- measurements


class StepTimer(TrainerCallback):
    """Wall-clock time at the start of training (after preprocessing) and at the end of every optimizer step."""

    def __init__(self) -> None:
        self.train_begin = 0.0
        self.step_ends: list[float] = []

    def on_train_begin(self, args: TrainingArguments, state: Any, control: Any, **kwargs: Any) -> None:
        self.train_begin = time.perf_counter()

    def on_step_end(self, args: TrainingArguments, state: Any, control: Any, **kwargs: Any) -> None:
        self.step_ends.append(time.perf_counter())


def preprocessing_stats(trainer: Trainer, train: Dataset) -> dict[str, Any]:
    """Time SpanMarker's preprocessing of the train set and describe what the model sees per sample."""
    model = trainer.model
    lengths = effective_lengths(model)
    start = time.perf_counter()
    samples = trainer.preprocess_dataset(train, trainer.label_normalizer, trainer.tokenizer)
    seconds = time.perf_counter() - start
    normalised = train.map(trainer.label_normalizer, input_columns=("tokens", "ner_tags"), batched=True)
    encoded = model.tokenizer({"tokens": list(train["tokens"])}, return_num_words=True)
    untruncated = model.tokenizer.tokenizer(list(train["tokens"]), is_split_into_words=True)["input_ids"]
    entities = [entity for sentence in normalised["ner_tags"] for entity in sentence]
    reachable = sum(1 for sentence, num_words in zip(normalised["ner_tags"], encoded["num_words"])
                    for _, start_word, end_word in sentence
                    if end_word <= num_words and end_word - start_word <= lengths["entity_max_length"])
    text_tokens = [len(ids) for ids in samples["input_ids"]]
    num_spans = list(samples["num_spans"])
    used = [tokens + 2 * spans for tokens, spans in zip(text_tokens, num_spans)]
    return {
        **lengths,
        "sentences": len(train),
        "samples": len(samples),
        "samples_per_sentence": len(samples) / len(train),
        "candidate_spans_per_sentence": statistics.fmean(encoded["num_spans"]),
        "text_tokens_per_sample": statistics.fmean(text_tokens),
        "marker_pairs_per_sample": statistics.fmean(num_spans),
        "used_tokens_per_sample": statistics.fmean(used),
        "padding_share": 1 - statistics.fmean(used) / lengths["tokens_per_sample"],
        "sentences_truncated": sum(len(ids) > lengths["model_max_length"] for ids in untruncated),
        "gold_entities": len(entities),
        "gold_entities_unreachable": len(entities) - reachable,
        "preprocess_seconds": seconds,
        "preprocess_sentences_per_s": len(train) / seconds,
    }


def bench_training(model: SpanMarkerModel, args: TrainingArguments, setting: Setting,
                   data: Sentences) -> tuple[dict[str, Any], Trainer]:
    """Samples/s and sentences/s of ``setting.steps`` optimizer steps after ``setting.warmup_steps``, with the
    training arguments ``args`` (their ``max_steps`` is the sum); an optimizer step takes the batch size times
    the gradient accumulation steps in samples."""
    use_offline_seqeval()
    timer = StepTimer()
    trainer = Trainer(model=model, args=args, train_dataset=data.train, eval_dataset=data.val, callbacks=[timer])
    trainer.remove_callback(PrinterCallback)  # no metrics dicts on stdout
    stats = preprocessing_stats(trainer, data.train)
    samples_per_step = args.per_device_train_batch_size * args.gradient_accumulation_steps * args.world_size
    steps_per_epoch = stats["samples"] // samples_per_step
    if setting.warmup_steps + setting.steps > steps_per_epoch:
        raise SystemExit(f"{setting.name}: {setting.warmup_steps + setting.steps} steps do not fit in one "
                         f"epoch of {steps_per_epoch} full batches; lower --steps")
    start = time.perf_counter()
    trainer.train()
    total = time.perf_counter() - start
    timed = timer.step_ends[setting.warmup_steps - 1:] if setting.warmup_steps else [start, *timer.step_ends]
    seconds = timed[-1] - timed[0]
    step_times = [later - earlier for earlier, later in itertools.pairwise(timed)]
    samples_per_s = setting.steps * samples_per_step / seconds
    return {
        **stats,
        "batch_size": setting.batch_size,
        "gradient_accumulation_steps": args.gradient_accumulation_steps,
        "warmup_steps": setting.warmup_steps,
        "timed_steps": setting.steps,
        "timed_seconds": seconds,
        "seconds_per_step_median": statistics.median(step_times),
        "seconds_per_step_min": min(step_times),
        "seconds_per_step_max": max(step_times),
        "samples_per_s": samples_per_s,
        "sentences_per_s": samples_per_s / stats["samples_per_sentence"],
        "train_call_seconds": total,
        "setup_seconds_before_training_loop": timer.train_begin - start,
    }, trainer


def bench_evaluation(trainer: Trainer, val: Dataset) -> dict[str, Any]:
    """One ``Trainer.evaluate`` on the validation sentences (preprocessing, forward, seqeval scoring)."""
    start = time.perf_counter()
    metrics = trainer.evaluate(eval_dataset=val)
    seconds = time.perf_counter() - start
    return {"sentences": len(val), "seconds": seconds, "sentences_per_s": len(val) / seconds,
            "overall_f1": metrics.get("eval_overall_f1")}


@dataclasses.dataclass
class Prediction:
    """What one ``predict`` call returned, the probabilities of every candidate span, and its duration."""

    entities: Entities
    probabilities: torch.Tensor  # (candidate spans of all sentences, labels), in input order
    seconds: float


def predict(model: SpanMarkerModel, sentences: list[list[str]], batch_size: int) -> Prediction:
    """``SpanMarkerModel.predict`` on pre-tokenised sentences, with its span probabilities caught by a hook."""
    rows: list[torch.Tensor] = []

    def keep_logits(module: torch.nn.Module, inputs: Any, output: Any) -> None:  # views only: no copy, no math
        rows.extend(output.logits[i, :pairs] for i, pairs in enumerate(output.num_marker_pairs.tolist()))

    handle = model.register_forward_hook(keep_logits)
    try:
        start = time.perf_counter()
        entities = model.predict(sentences, batch_size=batch_size, show_progress_bar=False)
        seconds = time.perf_counter() - start
    finally:
        handle.remove()
    datasets.disable_progress_bars()  # predict(show_progress_bar=False) turns them back on when it ends
    return Prediction(entities, torch.cat(rows).softmax(-1), seconds)


def compare_predictions(reference: Prediction, other: Prediction, sentences: list[list[str]]) -> dict[str, Any]:
    """Whether two predictions agree: entities, BIO tags, every candidate span's label and probabilities."""
    def key(entity: dict[str, Any]) -> tuple[int, int, str]:
        return entity["word_start_index"], entity["word_end_index"], entity["label"]

    pairs = list(zip(reference.entities, other.entities))
    same_entities = (len(reference.entities) == len(other.entities)
                     and all([key(e) for e in a] == [key(e) for e in b] for a, b in pairs))
    same_tags = all(tags_from_entities(a, len(words)) == tags_from_entities(b, len(words))
                    for (a, b), words in zip(pairs, sentences))
    score_gaps = [abs(x["score"] - y["score"]) for a, b in pairs for x, y in zip(a, b)]
    same_shape = reference.probabilities.shape == other.probabilities.shape
    return {
        "identical_entities": same_entities,
        "identical_tags": same_tags,
        "max_entity_score_difference": max(score_gaps, default=0.0),
        "candidate_spans": int(reference.probabilities.shape[0]),
        "identical_span_labels": same_shape and bool(torch.equal(reference.probabilities.argmax(-1),
                                                                 other.probabilities.argmax(-1))),
        "max_span_probability_difference": (float((reference.probabilities - other.probabilities).abs().max())
                                            if same_shape else float("nan")),
        "non_outside_span_labels": int((reference.probabilities.argmax(-1) != 0).sum()),
    }


def bench_prediction(model: SpanMarkerModel, setting: Setting, sentences: list[list[str]],
                     repeats: int) -> dict[str, Any]:
    """Sentences/s of ``predict`` with the pipeline's batch size and SpanMarker's default, same model."""
    sentences = sentences[:setting.predict_sentences] if setting.predict_sentences else sentences
    predict(model, sentences[:2], setting.predict_batch_size)  # warm-up: first-call allocations
    batch_sizes = list(dict.fromkeys([setting.predict_batch_size, STOCK_PREDICT_BATCH_SIZE]))
    times: dict[int, list[float]] = {batch_size: [] for batch_size in batch_sizes}
    outputs: dict[int, Prediction] = {}
    for _ in range(repeats):  # the batch sizes take turns, so a slow spell of the machine hits both
        for batch_size in batch_sizes:
            outputs[batch_size] = predict(model, sentences, batch_size)
            times[batch_size].append(outputs[batch_size].seconds)
    runs = {batch_size: {"seconds_median": statistics.median(seconds), "seconds_all": seconds,
                         "sentences_per_s": len(sentences) / statistics.median(seconds)}
            for batch_size, seconds in times.items()}
    reference = outputs[batch_sizes[0]]
    result: dict[str, Any] = {
        "sentences": len(sentences),
        "predicted_entities": sum(len(entities) for entities in reference.entities),
        "by_batch_size": {str(batch_size): run for batch_size, run in runs.items()},
    }
    if len(batch_sizes) > 1:
        result["ratio_pipeline_batch_vs_default_batch"] = (runs[batch_sizes[0]]["sentences_per_s"]
                                                           / runs[batch_sizes[1]]["sentences_per_s"])
        result["batch_size_check"] = compare_predictions(reference, outputs[batch_sizes[1]], sentences)
    return result


# ----------------------------------------------------------------------------------------------- profiling

# (function name, path fragment, component, required enclosing component prefix). The time of a frame goes to
# the component of its nearest enclosing frame that matches, so the collator inside the data loader counts as
# collation, not loading. An empty function name matches any function; an empty fragment any file.
FORWARD = "model forward"
COMPONENTS: tuple[tuple[str, str, str, str], ...] = (
    ("scaled_dot_product_attention", "", f"{FORWARD}: attention (SDPA)", FORWARD),
    ("get_extended_attention_mask", "transformers/", f"{FORWARD}: attention mask", FORWARD),
    ("<listcomp>", "span_marker/modeling.py", f"{FORWARD}: SpanMarker marker gather + pad", FORWARD),
    ("stack", "", f"{FORWARD}: SpanMarker marker gather + pad", FORWARD),
    ("forward", "span_marker/modeling.py", f"{FORWARD}: other (linear layers, norms, ...)", ""),
    ("backward", "torch/_tensor.py", "backward", ""),
    ("backward", "torch/autograd/__init__.py", "backward", ""),
    ("", "torch/optim/", "optimizer + lr scheduler", ""),
    ("zero_grad", "torch/", "optimizer + lr scheduler", ""),
    ("clip_grad_norm_", "", "gradient clipping", ""),
    ("__call__", "span_marker/data_collator.py", "collation (SpanMarkerDataCollator)", ""),
    ("__getitems__", "datasets/arrow_dataset.py", "data loader: reading rows (datasets)", ""),
    ("__call__", "span_marker/label_normalizer.py", "preprocess: label normalising", ""),
    ("__call__", "span_marker/tokenizer.py", "preprocess: tokenising + spans", ""),
    ("spread_sample", "span_marker/trainer.py", "preprocess: spreading", ""),
    ("map", "datasets/arrow_dataset.py", "preprocess: datasets.map overhead", ""),
    ("compute_f1_via_seqeval", "span_marker/evaluation.py", "evaluation: compute_f1_via_seqeval (decode)", ""),
    ("compute", "pipeline/metrics.py", "evaluation: seqeval scores", ""),
    ("select", "datasets/arrow_dataset.py", "predict: dataset.select per batch", ""),
    ("__getitem__", "datasets/arrow_dataset.py", "datasets: row/column reads", ""),
    ("__iter__", "datasets/arrow_dataset.py", "datasets: row/column reads", ""),
    ("from_dict", "datasets/arrow_dataset.py", "predict: building datasets", ""),
    ("add_column", "datasets/arrow_dataset.py", "predict: building datasets", ""),
    ("evaluation_loop", "transformers/trainer.py", "evaluation: loop (other)", ""),
    ("predict", "span_marker/modeling.py", "predict: other (decoding, bookkeeping)", ""),
)


def component_of(frame: Any, current: str) -> str | None:
    """The component a pyinstrument frame starts inside ``current``, if any."""
    path = (frame.file_path or "").replace(os.sep, "/")
    for function, fragment, component, within in COMPONENTS:
        if (not function or frame.function == function) and fragment in path and current.startswith(within):
            return component
    return None


def component_times(root: Any) -> dict[str, float]:
    """Seconds per component: each frame's own time goes to its nearest enclosing component."""
    totals: dict[str, float] = defaultdict(float)
    stack = [(root, "other")]
    while stack:
        frame, current = stack.pop()
        current = component_of(frame, current) or current
        totals[current] += frame.time - sum(child.time for child in frame.children)
        stack.extend((child, current) for child in frame.children)
    return dict(sorted(totals.items(), key=lambda item: -item[1]))


@contextmanager
def profiled(profile_dir: Path | None, name: str, sink: dict[str, Any]) -> Iterator[None]:
    """Run the block under pyinstrument when ``profile_dir`` is set; put its components in ``sink[name]``."""
    if profile_dir is None:
        yield
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.002)
    profiler.start()
    try:
        yield
    finally:
        session = profiler.stop()
    profile_dir.mkdir(parents=True, exist_ok=True)
    (profile_dir / f"{name}.txt").write_text(profiler.output_text(unicode=False, color=False), encoding="utf-8")
    (profile_dir / f"{name}.html").write_text(profiler.output_html(), encoding="utf-8")
    times = component_times(session.root_frame())
    sink[name] = {"seconds": session.duration, "components": times}


# ------------------------------------------------------------------------------------------------ reporting


def machine() -> dict[str, Any]:
    """CPU, core count, load and library versions."""
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                    if line.startswith("model name")), cpu)
    return {"cpu": cpu, "nproc": len(os.sched_getaffinity(0)), "torch_threads": torch.get_num_threads(),
            "load_average_start": os.getloadavg(), "python": platform.python_version(),
            "torch": torch.__version__, "transformers": transformers.__version__,
            "span_marker": span_marker.__version__, "datasets": datasets.__version__,
            "tokenizers": tokenizers.__version__}


def print_prediction(label: str, prediction: dict[str, Any]) -> None:
    for batch_size, run in prediction["by_batch_size"].items():
        times = ", ".join(f"{seconds:.2f}" for seconds in run["seconds_all"])
        print(f"  {label}, batch {batch_size}: {prediction['sentences']} sentences, {run['sentences_per_s']:.2f} "
              f"sentences/s (runs: {times} s)")
    if "batch_size_check" in prediction:
        check, (first, second) = prediction["batch_size_check"], list(prediction["by_batch_size"])
        print(f"  {label}, batch {first} / batch {second}: {prediction['ratio_pipeline_batch_vs_default_batch']:.2f}x;"
              f" identical entities {check['identical_entities']} ({prediction['predicted_entities']} predicted),"
              f" identical tags {check['identical_tags']}, identical labels of all {check['candidate_spans']}"
              f" candidate spans {check['identical_span_labels']} ({check['non_outside_span_labels']} not O),"
              f" max probability difference {check['max_span_probability_difference']:.1e}")


def print_setting(name: str, result: dict[str, Any]) -> None:
    train = result["train"]
    print(f"\n== {name}: model_max_length {train['model_max_length']}, marker_max_length "
          f"{train['marker_max_length']}, entity_max_length {train['entity_max_length']}, "
          f"train batch {train['batch_size']}")
    print(f"  what the model sees: {train['tokens_per_sample']} tokens per sample, "
          f"{train['samples_per_sentence']:.2f} samples per sentence ({train['samples']} from "
          f"{train['sentences']}), {train['candidate_spans_per_sentence']:.1f} candidate spans per sentence, "
          f"{train['text_tokens_per_sample']:.1f} text tokens + {train['marker_pairs_per_sample']:.1f} marker "
          f"pairs per sample ({train['padding_share']:.0%} padding); {train['sentences_truncated']} sentences "
          f"truncated, {train['gold_entities_unreachable']} of {train['gold_entities']} gold entities "
          f"unreachable")
    print(f"  preprocessing (normalise + tokenise + spread, once): {train['preprocess_seconds']:.2f} s "
          f"({train['preprocess_sentences_per_s']:.0f} sentences/s)")
    print(f"  training: {train['timed_steps']} steps after {train['warmup_steps']} in {train['timed_seconds']:.1f} s"
          f" (median {train['seconds_per_step_median']:.2f} s/step, {train['seconds_per_step_min']:.2f}-"
          f"{train['seconds_per_step_max']:.2f}): {train['samples_per_s']:.2f} samples/s, "
          f"{train['sentences_per_s']:.2f} sentences/s")
    if "evaluate" in result:
        evaluation = result["evaluate"]
        print(f"  evaluate ({evaluation['sentences']} val sentences): {evaluation['seconds']:.1f} s, "
              f"{evaluation['sentences_per_s']:.2f} sentences/s")
    if "predict_untrained" in result:
        print_prediction("predict (untrained head)", result["predict_untrained"])
    print_prediction("predict (trained)", result["predict"])


def print_comparison(results: dict[str, Any]) -> None:
    if not {"project", "stock"} <= results.keys():
        return
    project, stock = results["project"], results["stock"]
    print("\n== project / stock")
    for label, section, key in (("training samples/s", "train", "samples_per_s"),
                                ("training sentences/s", "train", "sentences_per_s"),
                                ("tokens per sample", "train", "tokens_per_sample"),
                                ("samples per sentence", "train", "samples_per_sentence")):
        print(f"  {label}: {project[section][key]:.2f} / {stock[section][key]:.2f} = "
              f"{project[section][key] / stock[section][key]:.2f}x")
    p_runs, s_runs = project["predict"]["by_batch_size"], stock["predict"]["by_batch_size"]
    for batch_size in sorted(p_runs.keys() & s_runs.keys(), key=int, reverse=True):
        print(f"  predict sentences/s, batch {batch_size}: {p_runs[batch_size]['sentences_per_s']:.2f} / "
              f"{s_runs[batch_size]['sentences_per_s']:.2f} = "
              f"{p_runs[batch_size]['sentences_per_s'] / s_runs[batch_size]['sentences_per_s']:.2f}x")


def print_profiles(profiles: dict[str, Any]) -> None:
    for name, profile in profiles.items():
        forward = sum(seconds for component, seconds in profile["components"].items()
                      if component.startswith(FORWARD))
        print(f"\n== profile {name}: {profile['seconds']:.1f} s, of which model forward {forward:.2f} s "
              f"({forward / profile['seconds']:.1%})")
        for component, seconds in profile["components"].items():
            if seconds >= 0.001 * profile["seconds"]:
                print(f"  {seconds:8.2f} s {seconds / profile['seconds']:6.1%}  {component}")


# ------------------------------------------------------------------------------------------------------ main


def run_setting(params: dict[str, Any], setting: Setting, data: Sentences, args: argparse.Namespace,
                profiles: dict[str, Any]) -> dict[str, Any]:
    """Train ``setting`` for its steps, evaluate if asked, predict with the trained model; profile when asked."""
    model = make_model(params, setting, args.seed)
    result: dict[str, Any] = {"setting": dataclasses.asdict(setting)}
    if args.check_untrained:  # a random head predicts many entities: a sharper batch-size check
        result["predict_untrained"] = bench_prediction(model, setting, data.test, 1)
    with tempfile.TemporaryDirectory(prefix="bench_throughput_") as output_dir:
        with profiled(args.profile_dir, f"{setting.name}_train", profiles):
            training_args = make_training_arguments(TrainParams.read(params, SYSTEM), setting, output_dir)
            result["train"], trainer = bench_training(model, training_args, setting, data)
        if args.evaluate:
            with profiled(args.profile_dir, f"{setting.name}_evaluate", profiles):
                result["evaluate"] = bench_evaluation(trainer, data.val)
    with profiled(args.profile_dir, f"{setting.name}_predict", profiles):
        result["predict"] = bench_prediction(trainer.model, setting, data.test, args.predict_repeats)
    return result


def failed_checks(results: dict[str, Any]) -> list[str]:
    """The predictions whose batch-size check found a difference."""
    failed = []
    for name, result in results.items():
        for key in ("predict_untrained", "predict"):
            check = result.get(key, {}).get("batch_size_check")
            if check and not (check["identical_entities"] and check["identical_tags"]
                              and check["identical_span_labels"]):
                failed.append(f"{name} {key}")
    return failed


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--params", type=Path, default=REPO_ROOT / "params.yaml", help="the project's parameters")
    parser.add_argument("--sample", type=Path, default=REPO_ROOT / "data" / "sample", help="MultiNERD-layout data")
    parser.add_argument("--language", default="en")
    parser.add_argument("--settings", nargs="+", choices=("project", "stock"), default=["project", "stock"])
    parser.add_argument("--steps", type=int, default=20, help="timed optimizer steps, project setting")
    parser.add_argument("--warmup-steps", type=int, default=2, help="untimed first steps, project setting")
    parser.add_argument("--stock-steps", type=int, default=3,
                        help="timed optimizer steps, stock setting (a step takes about 50x longer)")
    parser.add_argument("--stock-warmup-steps", type=int, default=1)
    parser.add_argument("--predict-sentences", type=int, default=None,
                        help="test sentences predicted, project setting (default: all)")
    parser.add_argument("--stock-predict-sentences", type=int, default=32,
                        help="test sentences predicted, stock setting (0: all)")
    parser.add_argument("--predict-repeats", type=int, default=3,
                        help="predict runs per batch size, taking turns (median); the untrained check runs once")
    parser.add_argument("--no-check-untrained", dest="check_untrained", action="store_false",
                        help="skip the batch-size check on the untrained model (random head, many entities)")
    parser.add_argument("--evaluate", action="store_true",
                        help="also time one Trainer.evaluate on the validation sentences after training")
    parser.add_argument("--profile-dir", type=Path, default=None,
                        help="run under pyinstrument; write <setting>_{train,evaluate,predict}.{txt,html} here")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch intra-op threads (default: torch's own choice, one per core)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json-out", type=Path, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    quiet_libraries()
    if args.threads:
        torch.set_num_threads(args.threads)
    params = read_params(args.params)
    settings = make_settings(params, args)
    data = load_sentences(args.sample, args.language)
    report: dict[str, Any] = {"machine": machine(), "model": ModelParams.read(params).name, "results": {},
                              "profiles": {}}
    print(f"machine: {report['machine']}")
    for name in args.settings:
        report["results"][name] = run_setting(params, settings[name], data, args, report["profiles"])
        print_setting(name, report["results"][name])
    print_comparison(report["results"])
    print_profiles(report["profiles"])
    report["machine"]["load_average_end"] = os.getloadavg()
    print(f"\nload average at start {report['machine']['load_average_start']}, at end "
          f"{report['machine']['load_average_end']}")
    if args.json_out:
        args.json_out.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
        print(f"wrote {args.json_out}")
    failed = failed_checks(report["results"])
    if failed:
        print(f"PREDICTIONS DIFFER between batch sizes: {', '.join(failed)}")
        raise SystemExit(1)
    return report


if __name__ == "__main__":
    main()
