"""Tag new text with a trained SpanMarker model and write the entities as JSON lines.

Usage, from the repository root:

    python -m pipeline.predict "Angela Merkel visited Paris." "Leonardo painted the Mona Lisa."
    python -m pipeline.predict --model B --file sentences.txt --output predictions.jsonl
    python -m pipeline.predict --model B --documents articles.txt --language de
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
  (sacremoses, the rules of --language), which keeps abbreviations (U.S., Dr.), numbers (3.5, 1,000) and
  hyphenated words (two-year) whole, splits off punctuation and a possessive 's, and here also keeps names such
  as O'Connor whole (see pipeline/data/words.py). Text tokenised otherwise is best given with --jsonl.
* --documents PATH: documents, one per block of lines, blocks separated by blank lines (a block's lines are
  joined by newlines). Each is split into sentences (pipeline/documents/sentences.py, the rules of
  --language), then into words as above.
* --jsonl PATH: one JSON object per line, either with a "tokens" list of strings (one sentence, tagged as
  given) or with a "text" string (one document). Its other keys (an id, gold tags) are copied into the output
  record; "text", "sentences" and "entities" are replaced.

PATH - reads standard input. Each sentence or document gives one output line, on stdout or, with --output PATH,
written to that file atomically. A sentence's:

    {"text": "Angela Merkel visited Paris.", "entities": [{"text": "Angela Merkel", "type": "PER",
     "word_start": 0, "word_end": 2, "char_start": 0, "char_end": 13, "score": 0.98}, ...]}

A document's also lists its sentences' character spans, and each entity the sentence it is in (its word_start
and word_end index that sentence's words, its char_start and char_end the document):

    {"text": "...", "sentences": [{"char_start": 0, "char_end": 28}, ...],
     "entities": [{"sentence": 0, "text": "Angela Merkel", "type": "PER", "word_start": 0, ...}, ...]}

word_end and char_end are exclusive; the character offsets index "text": the text as given (before NFC),
or for "tokens" input the tokens joined by single spaces (the record then also holds "tokens"). Words that
the model's tokenizer turns into no token at all ("", whitespace, zero-width or control characters) never
start or end an entity. A sentence longer than the model's maximum input is tagged in overlapping windows
that share --stride words, and their entities merged (pipeline/documents/windows.py); only a single word longer
than the whole input is cut (a warning counts such cases). With --output, an existing regular file (or a
symbolic link's target) is replaced only once every line is written; a FIFO or device (/dev/stdout) is written
to directly. Expected failures (missing model or input, malformed input) end with one "error: ..." line and
status 1.
"""

from __future__ import annotations

import argparse
import codecs
import json
import logging
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pipeline.core.atomic import atomic_path
from pipeline.core.exceptions import DataError
from pipeline.core.params import RUNTIMES
from pipeline.core.paths import LANGUAGES
from pipeline.core.stage import run_stage
from pipeline.documents.arguments import CommandParser, positive_int
from pipeline.documents.loading import load_tagger
from pipeline.documents.records import document_of_text, join_tokens, sentence_of_text
from pipeline.documents.tagger import Item
from pipeline.documents.windows import DEFAULT_STRIDE

logger = logging.getLogger(__name__)
PROG = "python -m pipeline.predict"
STDIN = "-"
SNIPPET_LENGTH = 60


class InputError(DataError):
    """Input sentences that cannot be read or parsed; the message names the source and line."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options, with exactly one kind of input and an ``--output`` that is not a folder."""
    parser = CommandParser(PROG, __doc__)
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="sentences to tag, one per argument")
    parser.add_argument("--file", metavar="PATH", help="UTF-8 text file, one sentence per line (- for stdin)")
    parser.add_argument(
        "--documents",
        metavar="PATH",
        help="UTF-8 text file, one document per block of lines, blocks separated by blank lines (- for stdin)",
    )
    parser.add_argument(
        "--jsonl",
        metavar="PATH",
        help='UTF-8 JSON lines, each an object with a "tokens" list of strings (a sentence) or a "text" string '
        "(a document) (- for stdin)",
    )
    parser.add_argument(
        "--language",
        choices=LANGUAGES,
        default="en",
        help="the rules that split text into sentences and words (default: %(default)s)",
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
        "--stride",
        type=positive_int,
        default=DEFAULT_STRIDE,
        metavar="N",
        help="words shared by two consecutive windows of a sentence longer than the model's input; more than "
        "the model's entity_max_length (default: %(default)s)",
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
            ("--documents", args.documents is not None),
            ("--jsonl", args.jsonl is not None),
        )
        if present
    ]
    if not given:
        parser.error("no input: give TEXT arguments, --file PATH, --documents PATH or --jsonl PATH")
    if len(given) > 1:
        parser.error(f"give only one kind of input, not {' and '.join(given)}")
    if args.output is not None and Path(args.output).is_dir():
        parser.error(f"--output {args.output} is a folder; give the path of a file")
    return args


def source_name(path: str) -> str:
    return "<stdin>" if path == STDIN else path


def read_lines(path: str, keep_blank: bool = False) -> list[tuple[int, str]]:
    """The non-blank lines (``keep_blank``: all lines) of a UTF-8 file (``-``: standard input) with their 1-based
    line numbers."""
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
        if keep_blank or line.strip():
            lines.append((number, line))
    return lines


def read_blocks(path: str) -> list[str]:
    """The documents of a UTF-8 file (``-``: standard input): its blocks of non-blank lines, each joined by
    newlines."""
    blocks: list[list[str]] = [[]]
    for _, line in read_lines(path, keep_blank=True):
        if line.strip():
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return ["\n".join(block) for block in blocks if block]


def snippet(value: Any) -> str:
    """A JSON value shortened for an error message."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= SNIPPET_LENGTH else text[:SNIPPET_LENGTH] + "..."


def parse_jsonl_line(line: str, where: str, language: str) -> Item:
    """The sentence (a ``tokens`` list of strings) or document (a ``text`` string) of one JSON object; ``where``
    names file and line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise InputError(f"{where}: not valid JSON: {error.msg} at column {error.colno}") from error
    if not isinstance(record, dict):
        raise InputError(f"{where}: expected a JSON object, found {snippet(record)}")
    if "tokens" in record:
        tokens = record.pop("tokens")
        if not isinstance(tokens, list) or not all(isinstance(token, str) for token in tokens):
            raise InputError(f'{where}: "tokens" must be a list of strings, found {snippet(tokens)}')
        return join_tokens(tokens, record)
    if "text" in record:
        text = record.pop("text")
        if not isinstance(text, str):
            raise InputError(f'{where}: "text" must be a string, found {snippet(text)}')
        return document_of_text(text, language, record)
    raise InputError(
        f'{where}: the object has neither a "tokens" list of strings nor a "text" string '
        f"(keys: {snippet(sorted(record))})"
    )


def read_items(args: argparse.Namespace) -> list[Item]:
    """The sentences and documents of the one input the command line gives; at least one."""
    items: list[Item]
    if args.file is not None:
        source = source_name(args.file)
        items = [sentence_of_text(line.strip(), args.language) for _, line in read_lines(args.file)]
    elif args.documents is not None:
        source = source_name(args.documents)
        items = [document_of_text(block, args.language) for block in read_blocks(args.documents)]
    elif args.jsonl is not None:
        source = source_name(args.jsonl)
        items = [
            parse_jsonl_line(line, f"{source}: line {number}", args.language) for number, line in read_lines(args.jsonl)
        ]
    else:
        source = "TEXT arguments"
        items = [sentence_of_text(text.strip(), args.language) for text in args.texts if text.strip()]
    if not items:
        raise InputError(f"{source}: nothing to tag (the input is empty or blank)")
    return items


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
    items = read_items(args)
    tagger, _ = load_tagger(args.model, args.runtime, args.batch_size, args.stride)
    count = write_records(tagger.records(items, show_progress_bar=len(items) > args.batch_size), args.output)
    logger.info(
        "tagged %d %s%s", count, "input" if count == 1 else "inputs", f"; wrote {args.output}" if args.output else ""
    )


if __name__ == "__main__":
    run_stage(main)
