"""Tag new sentences with a trained SpanMarker model and write the entities as JSON lines.

Usage, from the repository root:

    python -m pipeline.predict "Angela Merkel visited Paris." "Leonardo painted the Mona Lisa."
    python -m pipeline.predict --model B --file sentences.txt --output predictions.jsonl
    python -m pipeline.predict --model path/to/span_marker_model --jsonl test_en.jsonl
    cat sentences.txt | python -m pipeline.predict --file -

--model SYSTEM, a system of params.yaml (default: its first system), loads its reference run,
models/SYSTEM/seed-SEED with the first seed of train.seeds; any other value is a model folder. --runtime onnx (or
onnx-int8) runs the model's ONNX graph, model.onnx (model_int8.onnx) of the export stage's graphs/SYSTEM/seed-SEED/
for a system, of FOLDER/onnx/ for a model folder, with ONNX Runtime on the CPU: the
same entities as PyTorch (int8: close to them, and faster on a CPU); the graph
must have been exported from the folder's weights.
The input is exactly one of:

* TEXT arguments, one sentence each, or --file PATH, one sentence per line; blank ones are skipped.
  Such text is normalised to NFC and split into words as the training data is: by the Moses tokenizer
  (sacremoses, English rules), which keeps abbreviations (U.S., Dr.), numbers (3.5, 1,000) and hyphenated
  words (two-year) whole, splits off punctuation and a possessive 's, and here also keeps names such as
  O'Connor whole (see pipeline/data/words.py). Text tokenised otherwise is best given with --jsonl.
* --jsonl PATH: one JSON object per line with a "tokens" list of strings, tagged as given. Its other keys
  (an id, gold tags) are copied into the output record; "text" and "entities" are replaced.

PATH - reads standard input. Each sentence gives one output line, on stdout or, with --output PATH,
written to that file atomically:

    {"text": "Angela Merkel visited Paris.", "entities": [{"text": "Angela Merkel", "type": "PER",
     "word_start": 0, "word_end": 2, "char_start": 0, "char_end": 13, "score": 0.98}, ...]}

word_end and char_end are exclusive; the character offsets index "text": the text as given (before NFC),
or for --jsonl input the tokens joined by single spaces (the record then also holds "tokens"). Words that
the model's tokenizer turns into no token at all ("", whitespace, zero-width or control characters) never
start or end an entity, and words past the model's maximum input length are not tagged (a warning counts
the sentences affected). With --output, an existing regular file (or a symbolic link's target) is
replaced only once every line is written; a FIFO or device (/dev/stdout) is written to directly.
Expected failures (missing model or input, malformed input) end with one "error: ..." line and status 1.
"""

from __future__ import annotations

import argparse
import codecs
import json
import logging
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from span_marker import SpanMarkerModel

from pipeline.core.atomic import atomic_path
from pipeline.core.exceptions import DataError, ParamError
from pipeline.core.params import RUNTIMES, TrainParams, read_params, system_names
from pipeline.core.paths import GRAPHS_DIR, MODELS_DIR, PARAMS_FILE, run_folder
from pipeline.core.stage import run_stage
from pipeline.data.words import split_words
from pipeline.graphs.onnx_graph import MODEL_GRAPH_FOLDER, runtime_logits
from pipeline.model import model_folder
from pipeline.model.device import choose_placement, place_model
from pipeline.model.inference import Logits, predict_entities
from pipeline.model.modeling import is_span_marker_model

logger = logging.getLogger(__name__)
PROG = "python -m pipeline.predict"
STDIN = "-"
SNIPPET_LENGTH = 60


class InputError(DataError):
    """Input sentences that cannot be read or parsed; the message names the source and line."""


class ModelError(DataError):
    """A model folder that does not hold a loadable SpanMarker model."""


@dataclass(frozen=True)
class Sentence:
    """One sentence to tag: its text, its words with their ``(start, end)`` character offsets in the text,
    and the fields its output record starts with (``--jsonl`` input: the passed-through keys and tokens)."""

    text: str
    words: list[str]
    offsets: list[tuple[int, int]]
    fields: dict[str, Any] = field(default_factory=dict)


class _ArgumentParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one-line ``ParamError``s, reported by ``run_stage``."""

    def error(self, message: str) -> NoReturn:
        raise ParamError(f"{message} (see {PROG} --help)")


def positive_int(value: str) -> int:
    """``--batch-size``: an integer of at least 1."""
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value!r}")
    return int(value)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options, with exactly one kind of input and an ``--output`` that is not a folder."""
    parser = _ArgumentParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="sentences to tag, one per argument")
    parser.add_argument("--file", metavar="PATH", help="UTF-8 text file, one sentence per line (- for stdin)")
    parser.add_argument(
        "--jsonl", metavar="PATH", help='UTF-8 JSON lines, each an object with a "tokens" list of strings (- for stdin)'
    )
    parser.add_argument(
        "--model",
        help="a system of params.yaml, for models/SYSTEM/seed-SEED (the first of train.seeds), or the path of a "
        "SpanMarker model folder (default: the first system of params.yaml)",
    )
    parser.add_argument("--output", metavar="PATH", help="write the JSON lines to this file instead of stdout")
    parser.add_argument(
        "--batch-size",
        type=positive_int,
        default=32,
        metavar="N",
        help="samples per prediction batch: a sentence is one, or several when it has more candidate spans than "
        "the model's markers (default: %(default)s)",
    )
    parser.add_argument(
        "--runtime",
        choices=RUNTIMES,
        default="torch",
        help="what computes the span logits: PyTorch (on the GPU if there is one), or the model's "
        "ONNX graph, float32 or int8, on the CPU (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    given = [
        kind
        for kind, present in (
            ("TEXT", bool(args.texts)),
            ("--file", args.file is not None),
            ("--jsonl", args.jsonl is not None),
        )
        if present
    ]
    if not given:
        parser.error("no input: give TEXT arguments, --file PATH or --jsonl PATH")
    if len(given) > 1:
        parser.error(f"give only one kind of input, not {' and '.join(given)}")
    if args.output is not None and Path(args.output).is_dir():
        parser.error(f"--output {args.output} is a folder; give the path of a file")
    return args


def sentence_of_text(text: str) -> Sentence:
    """The sentence of plain ``text``, split into words by :func:`pipeline.data.words.split_words`."""
    words = split_words(text)
    return Sentence(text, [word for word, _, _ in words], [(start, end) for _, start, end in words])


def join_tokens(tokens: list[str], fields: dict[str, Any]) -> Sentence:
    """The sentence of pre-tokenised ``tokens``: its text is the tokens joined by single spaces."""
    offsets, start = [], 0
    for token in tokens:
        offsets.append((start, start + len(token)))
        start += len(token) + 1
    return Sentence(" ".join(tokens), list(tokens), offsets, {**fields, "tokens": list(tokens)})


def source_name(path: str) -> str:
    return "<stdin>" if path == STDIN else path


def read_lines(path: str) -> list[tuple[int, str]]:
    """The non-blank lines of a UTF-8 file (``-``: standard input) with their 1-based line numbers."""
    if path != STDIN and not Path(path).exists():
        raise FileNotFoundError(f"{path}: input file not found")
    try:
        data = sys.stdin.buffer.read() if path == STDIN else Path(path).read_bytes()
    except OSError as error:
        raise InputError(f"{source_name(path)}: cannot read the input: {error.strerror or error}") from error
    lines = []
    for number, raw in enumerate(data.removeprefix(codecs.BOM_UTF8).splitlines(), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise InputError(
                f"{source_name(path)}: line {number}: not valid UTF-8 "
                f"(byte 0x{raw[error.start]:02x} at byte offset {error.start})"
            ) from error
        if line.strip():
            lines.append((number, line))
    return lines


def snippet(value: Any) -> str:
    """A JSON value shortened for an error message."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SNIPPET_LENGTH else text[:SNIPPET_LENGTH] + "..."


def parse_jsonl_line(line: str, where: str) -> Sentence:
    """The sentence of one JSON object with a ``tokens`` list of strings; ``where`` names file and line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"{where}: not valid JSON: {error.msg} at column {error.colno}") from error
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object, found {snippet(record)}")
    if "tokens" not in record:
        raise InputError(f'{where}: the object has no "tokens" list of strings (keys: {snippet(sorted(record))})')
    tokens = record.pop("tokens")
    if not isinstance(tokens, list) or not all(isinstance(token, str) for token in tokens):
        raise InputError(f'{where}: "tokens" must be a list of strings, found {snippet(tokens)}')
    return join_tokens(tokens, record)


def read_sentences(args: argparse.Namespace) -> list[Sentence]:
    """The sentences of the one input the command line gives; at least one."""
    if args.file is not None:
        source = source_name(args.file)
        sentences = [sentence_of_text(line.strip()) for _, line in read_lines(args.file)]
    elif args.jsonl is not None:
        source = source_name(args.jsonl)
        sentences = [parse_jsonl_line(line, f"{source}: line {number}") for number, line in read_lines(args.jsonl)]
    else:
        source = "TEXT arguments"
        sentences = [sentence_of_text(text.strip()) for text in args.texts if text.strip()]
    if not sentences:
        raise InputError(f"{source}: no sentences to tag (the input is empty or blank)")
    return sentences


def model_path(name: str | None) -> tuple[Path, Path]:
    """The model folder and the graph folder of ``name``: for a system of ``params.yaml`` (in the working directory;
    also when ``name`` is the path ``models/<system>``), its reference run's, ``models/<name>/seed-<seed>`` and
    ``graphs/<name>/seed-<seed>`` with the first seed of ``train.seeds``; else ``name`` as a path and its ``onnx/``
    sub-folder; without a name, the first system's. Raises :class:`ParamError` for no name and no systems, or a bad
    ``train.seeds``."""
    params = read_params() if PARAMS_FILE.is_file() else {}
    systems = system_names(params) if params else []
    if name is None:
        if not systems:
            raise ParamError(
                f"--model: no {PARAMS_FILE} here to name a system; give a model folder (see {PROG} --help)"
            )
        name = systems[0]
    if Path(name).parent == MODELS_DIR and Path(name).name in systems:  # models/<system> given as a path
        name = Path(name).name
    if name in systems:
        run = run_folder(name, TrainParams.read(params, "seeds").seeds[0])
        return MODELS_DIR / run, GRAPHS_DIR / run
    return Path(name), Path(name) / MODEL_GRAPH_FOLDER


def first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def load_model(path: Path, place: bool = True) -> SpanMarkerModel:
    """The SpanMarker model saved in folder ``path``, on the GPU if there is one and ``place`` is true."""
    if not path.exists():
        raise FileNotFoundError(
            f"model folder {path} not found (`dvc repro` trains models/<system>/seed-<seed> for every "
            "system of params.yaml and seed of train.seeds, `dvc pull` downloads them)"
        )
    try:
        is_span_marker = path.is_dir() and (path / "config.json").is_file() and is_span_marker_model(str(path))
    except (OSError, ValueError):
        is_span_marker = False
    if not is_span_marker:
        raise ModelError(f"{path} is not a SpanMarker model folder (no config.json of a SpanMarker model)")
    try:
        model = model_folder.load_model(path)
    except (OSError, ValueError) as error:
        raise ModelError(f"{path}: cannot load the SpanMarker model: {first_line(error)}") from error
    if place:
        model = place_model(model, choose_placement())
    logger.info(
        "loaded SpanMarker model %s with entity types %s",
        path,
        sorted(label for index, label in model.config.id2label.items() if index != model.config.outside_id),
    )
    return model


def sentence_record(sentence: Sentence, entities: list[dict[str, Any]]) -> dict[str, Any]:
    """The output record of a sentence and its SpanMarker entities (word indices into ``sentence.words``)."""
    spans = []
    for entity in entities:
        word_start, word_end = entity["word_start_index"], entity["word_end_index"]
        char_start, char_end = sentence.offsets[word_start][0], sentence.offsets[word_end - 1][1]
        spans.append(
            {
                "text": sentence.text[char_start:char_end],
                "type": entity["label"],
                "word_start": word_start,
                "word_end": word_end,
                "char_start": char_start,
                "char_end": char_end,
                "score": entity["score"],
            }
        )
    return {**sentence.fields, "text": sentence.text, "entities": spans}


def predict_records(
    model: SpanMarkerModel, sentences: list[Sentence], batch_size: int, logits: Logits | None = None
) -> Iterator[dict[str, Any]]:
    """The output records of ``sentences``, in order, predicted in batches of ``batch_size`` samples (span logits
    from ``logits`` when given, e.g. an ONNX graph)."""
    entities = predict_entities(
        model,
        [sentence.words for sentence in sentences],
        batch_size,
        show_progress_bar=len(sentences) > batch_size,
        logits=logits,
    )
    for sentence, found in zip(sentences, entities, strict=True):
        yield sentence_record(sentence, found)


def write_records(records: Iterable[dict[str, Any]], output: str | None) -> int:
    """Write ``records`` as JSON lines to stdout, or atomically to the file ``output``; return how many."""
    count = 0
    if output is None:
        for record in records:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
        return count
    with atomic_path(output) as tmp, tmp.open("w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sentences = read_sentences(args)
    path, graphs = model_path(args.model)
    model = load_model(path, place=args.runtime == "torch")
    logits = runtime_logits(args.runtime, model, graphs, threads=0)
    count = write_records(predict_records(model, sentences, args.batch_size, logits), args.output)
    logger.info(
        "tagged %d sentence%s%s", count, "" if count == 1 else "s", f"; wrote {args.output}" if args.output else ""
    )


if __name__ == "__main__":
    run_stage(main)
