"""SpanMarker's one-process preprocessing at the real run's lengths, on a full-scale MultiNERD-layout folder.

Before the first training step, SpanMarker's ``Trainer.preprocess_dataset`` normalises the labels, tokenises
the sentences and spreads each sentence's candidate spans over samples, all in one process (it has no
``num_proc``). This script times it on the first ``--sentences`` English train sentences of a folder laid out
like the Hub dataset (for example the stand-in written by ``make_standin.py``), with the lengths and System A
types of the real run (``params.yaml`` with the overrides of ``params.full.yaml`` applied) and the encoder of
``params.yaml`` (the real run's mBERT needs the Hub), and projects the time for the whole English train split at
the measured rate.

Usage (from the repository root; about 75 s with the defaults on 2 cores)::

    python -m benchmarks.bench_preprocess --data /tmp/multinerd-standin [--sentences 50000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from datasets import Dataset
from span_marker import Trainer
from transformers import TrainingArguments

from benchmarks.quiet import quiet_libraries
from pipeline.core.exceptions import DataError
from pipeline.core.params import ModelParams, PrepareParams, SystemParams, read_params, system_names
from pipeline.data.labels import MULTINERD_LABELS
from pipeline.model.modeling import build_model
from pipeline.overrides import apply_overrides
from pipeline.sources.readers import load_local_split
from pipeline.stages.prepare import prepare_split

REPO_ROOT = Path(__file__).resolve().parents[1]


def preprocess_rate(
    data: Path, sentences: int, model_params: ModelParams, types: list[str], languages: tuple[str, ...] = ("en",)
) -> dict[str, Any]:
    """Time ``Trainer.preprocess_dataset`` on the first ``sentences`` rows of the train split in ``languages``,
    with the encoder and lengths of ``model_params``."""
    table = prepare_split(load_local_split(data, "train"), list(languages), types, "train")
    subset = Dataset(table.slice(0, sentences))
    model = build_model(model_params, list(MULTINERD_LABELS))
    with tempfile.TemporaryDirectory() as output_dir:
        trainer = Trainer(model=model, args=TrainingArguments(output_dir=output_dir, report_to=[]))
        start = time.perf_counter()
        samples = trainer.preprocess_dataset(subset, trainer.label_normalizer, trainer.tokenizer)
        seconds = time.perf_counter() - start
    rate = len(subset) / seconds
    return {
        "model_max_length": model_params.model_max_length,
        "marker_max_length": model_params.marker_max_length,
        "entity_max_length": model_params.entity_max_length,
        "encoder": model_params.name,
        "split_sentences": table.num_rows,
        "sentences": len(subset),
        "samples": len(samples),
        "seconds": seconds,
        "sentences_per_s": rate,
        "projected_split_seconds": table.num_rows / rate,
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="a MultiNERD-layout folder (train/train_en.jsonl…)")
    parser.add_argument("--sentences", type=int, default=50_000, help="English train sentences timed")
    parser.add_argument("--params", type=Path, default=REPO_ROOT / "params.yaml", help="where the encoder comes from")
    parser.add_argument(
        "--overrides",
        type=Path,
        default=REPO_ROOT / "params.full.yaml",
        help="the real run's overrides of --params: where the lengths and System A types come from",
    )
    parser.add_argument("--json-out", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.sentences < 1:
        parser.error("--sentences must be at least 1")
    return args


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    quiet_libraries()
    params = read_params(args.params)
    full = apply_overrides(params, read_params(args.overrides))
    encoder = ModelParams.read(params)
    model_params = ModelParams.read(full).model_copy(update=dict(name=encoder.name, revision=encoder.revision))
    try:
        types = list(SystemParams.read(full, system_names(full)[0]).types)
        result = preprocess_rate(args.data, args.sentences, model_params, types, PrepareParams.read(full).languages)
    except DataError as error:
        raise SystemExit(f"error: {error}") from None
    print(
        f"encoder {encoder.name}, lengths {model_params.model_max_length} / {model_params.marker_max_length} / "
        f"{model_params.entity_max_length}"
    )
    print(
        f"{result['sentences']:,} sentences -> {result['samples']:,} samples in {result['seconds']:.1f} s: "
        f"{result['sentences_per_s']:,.0f} sentences/s"
    )
    print(
        f"projected for all {result['split_sentences']:,} train sentences: {result['projected_split_seconds']:,.0f} s"
    )
    if args.json_out:
        args.json_out.write_text(json.dumps(result, indent=2), encoding="utf-8")
        print(f"wrote {args.json_out}")
    return result


if __name__ == "__main__":
    main()
