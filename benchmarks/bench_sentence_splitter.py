"""How well does a sentence splitter find the sentence boundaries of real text, in MultiNERD's languages?

Every sentence of each ``*_<lang>.jsonl`` file under ``--data`` (a folder in the MultiNERD Hub layout, such as
WikiNEuRal's; every split under it is read) is detokenized with sacremoses' ``MosesDetokenizer`` into the plain text
a user would type, as ``bench_words`` does. Each run of ``--per-paragraph`` consecutive sentences of a language (5 by
default; the last run may be shorter) is joined with one space into a pseudo-paragraph, and every candidate
splitter splits the paragraph again.

A gold boundary is the character offset where a sentence of the paragraph starts, other than 0; a predicted
boundary is the offset of the first non-whitespace character of a sentence of the splitter, other than 0. Reported
per language and over all languages (micro-averaged: every boundary counts once, so the language with the most
sentences weighs most): boundary precision, recall and F1; the share of paragraphs split exactly right (every gold
boundary found and no other); how many missed boundaries come before a sentence that starts with a lowercase letter
or a digit (``missed: lc / digit``, quotes and brackets skipped); and the milliseconds the splitter takes per 1000
gold sentences (one process, the splitter built and run once beforehand; the time includes turning its output into
offsets, a single pass).
``--examples N`` also prints, for each splitter and language, the first N missed and N spurious boundaries in
context (``‖`` marks the offset).

What the figure means: the sentences of these files are not necessarily consecutive in an article (neighbouring
lines are sometimes from the same article, sometimes not), so a paragraph is a stand-in for running text. The gold
sentences are themselves the output of a sentence splitter and carry its mistakes: a German "sentence" that ends
at ``bzw.`` or before the month of a date (``13. März``) is a gold boundary that a careful splitter rightly leaves
alone, and a title or list item without final punctuation is one that no rule-based splitter can find. The
detokenized text is close to, but not always exactly, what was written (spaces around some quotes).

Candidates (``--splitters``, comma-separated; by default all of them):

- ``sentencex``: Wikimedia's sentencex, ``get_sentence_boundaries(language, text)``;
- ``blingfire``: Microsoft's Bling Fire, ``text_to_sentences_and_offsets(text)`` (one model for every language);
- ``pysbd``: pySBD, ``Segmenter(language=..., clean=False).segment(text)``;
- ``spacy``: spaCy's rule-based ``sentencizer`` on ``spacy.blank(language)`` (no trained model);
- ``project``: ``pipeline.documents.sentences.split_sentences``, which the project uses.

The candidates other than ``project`` are not requirements of the project: install the ones to compare with pip
(``pip install blingfire spacy``). pySBD also installs a top-level package named ``benchmarks`` that hides this
folder, so keep it out of the environment: ``pip install --no-deps --target /tmp/pysbd pysbd``, remove
``/tmp/pysbd/benchmarks``, and run with ``PYTHONPATH=/tmp/pysbd``. A candidate that is not installed is reported as
missing and left out; one that does not support a language is reported as ``n/a`` for it.

Usage (from the repository root; ``pipeline/documents/sentences.py`` gives the measured figures)::

    python -m benchmarks.bench_sentence_splitter --data /path/to/wikineural [--languages de,en] [--per-paragraph 5] \
        [--splitters sentencex,blingfire,pysbd,spacy,project] [--examples 3] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import json
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from sacremoses import MosesDetokenizer

from pipeline.core.paths import LANGUAGES

Starts = Callable[[str], list[int]]
"""A splitter for one language: the offset in a text of the first non-whitespace character of each sentence."""


class Unsupported(Exception):
    """The splitter does not support the language."""


def starts_of_pieces(pieces: Iterable[str], text: str) -> list[int]:
    """The offset in ``text`` of the first non-whitespace character of each non-blank piece, the pieces being
    ``text`` cut in order with whitespace changed or dropped (as ``segment`` functions return it).

    The pieces are aligned on the non-whitespace characters of ``text``, in one pass; raises ``ValueError`` when
    they are not ``text`` (a splitter that rewrites or drops characters)."""
    positions = [index for index, char in enumerate(text) if not char.isspace()]
    starts, consumed, seen = [], 0, []
    for piece in pieces:
        characters = "".join(piece.split())
        if not characters:
            continue
        if consumed >= len(positions):
            raise ValueError(f"the splitter's sentence {piece!r} is not in the text")
        starts.append(positions[consumed])
        consumed += len(characters)
        seen.append(characters)
    if "".join(seen) != "".join(text[index] for index in positions):
        raise ValueError("the splitter's sentences are not the text (characters changed or dropped)")
    return starts


def starts_of_spans(spans: Iterable[tuple[int, int]], text: str) -> list[int]:
    """The offset of the first non-whitespace character of each non-blank ``(start, end)`` span of ``text``."""
    starts = []
    for start, end in spans:
        piece = text[start:end]
        stripped = piece.lstrip()
        if stripped.strip():
            starts.append(start + len(piece) - len(stripped))
    return starts


def load_sentencex(language: str) -> Starts:
    import sentencex

    def starts(text: str) -> list[int]:
        return starts_of_spans(
            (
                (boundary["start_index"], boundary["end_index"])
                for boundary in sentencex.get_sentence_boundaries(language, text)
            ),
            text,
        )

    return starts


def load_blingfire(language: str) -> Starts:
    import blingfire

    def starts(text: str) -> list[int]:
        return starts_of_spans(blingfire.text_to_sentences_and_offsets(text)[1], text)

    return starts


def load_pysbd(language: str) -> Starts:
    import pysbd

    try:
        segmenter = pysbd.Segmenter(language=language, clean=False)
    except ValueError:
        raise Unsupported(language) from None
    return lambda text: starts_of_pieces(segmenter.segment(text), text)


def load_spacy(language: str) -> Starts:
    import spacy

    nlp = spacy.blank(language)
    nlp.add_pipe("sentencizer")
    return lambda text: starts_of_spans(
        ((sentence.start_char, sentence.end_char) for sentence in nlp(text).sents), text
    )


def load_project(language: str) -> Starts:
    from pipeline.documents.sentences import split_sentences

    return lambda text: [start for start, _ in split_sentences(text, language)]


@dataclasses.dataclass(frozen=True)
class Candidate:
    load: Callable[[str], Starts]
    """Build the splitter of a language; raises ImportError when the package is missing, Unsupported when the
    language is not supported."""
    package: str
    """The distribution whose version is reported."""


CANDIDATES = {
    "sentencex": Candidate(load_sentencex, "sentencex"),
    "blingfire": Candidate(load_blingfire, "blingfire"),
    "pysbd": Candidate(load_pysbd, "pysbd"),
    "spacy": Candidate(load_spacy, "spacy"),
    "project": Candidate(load_project, "sentencex"),
}


def read_sentences(root: Path, language: str) -> list[list[str]]:
    """The non-empty token lists of every ``*_<language>.jsonl`` file under ``root``, files in name order."""
    rows = [
        json.loads(line)["tokens"]
        for path in sorted(root.rglob(f"*_{language}.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    return [tokens for tokens in rows if tokens]


def paragraphs(sentences: Sequence[str], size: int) -> list[tuple[str, list[int]]]:
    """Runs of ``size`` consecutive sentences joined with one space, with the offset where each sentence starts."""
    out = []
    for first in range(0, len(sentences), size):
        text, starts = "", []
        for sentence in sentences[first : first + size]:
            if text:
                text += " "
            starts.append(len(text))
            text += sentence
        out.append((text, starts))
    return out


def context(text: str, offset: int, width: int = 45) -> str:
    """``text`` around ``offset``, the offset marked with ``‖``."""
    return f"{text[max(0, offset - width) : offset]}‖{text[offset : offset + width]}"


def first_character(text: str, offset: int) -> str:
    """``lowercase``, ``digit`` or ``other``: the first letter or digit of ``text`` from ``offset`` (quotes and brackets
    before it skipped)."""
    for char in text[offset : offset + 10]:
        if char.isalnum():
            return "digit" if char.isdigit() else "lowercase" if char.islower() else "other"
    return "other"


def measure(split: Starts, texts: list[tuple[str, list[int]]], examples: int) -> dict[str, Any]:
    """Boundary counts, exact paragraphs, time and the first ``examples`` missed and spurious boundaries."""
    start = time.perf_counter()
    predicted = [split(text) for text, _ in texts]
    seconds = time.perf_counter() - start
    true_positives = false_positives = false_negatives = exact = 0
    missed_before: dict[str, int] = {"lowercase": 0, "digit": 0, "other": 0}
    missed: list[str] = []
    spurious: list[str] = []
    for (text, gold_starts), starts in zip(texts, predicted, strict=True):
        gold, found = set(gold_starts) - {0}, set(starts) - {0}
        true_positives += len(gold & found)
        false_positives += len(found - gold)
        false_negatives += len(gold - found)
        exact += gold == found
        for offset in gold - found:
            missed_before[first_character(text, offset)] += 1
        missed += [context(text, offset) for offset in sorted(gold - found)][: examples - len(missed)]
        spurious += [context(text, offset) for offset in sorted(found - gold)][: examples - len(spurious)]
    return {
        "paragraphs": len(texts),
        "sentences": sum(len(gold) for _, gold in texts),
        "true_positives": true_positives,
        "false_positives": false_positives,
        "false_negatives": false_negatives,
        "exact": exact,
        "missed_before_lowercase": missed_before["lowercase"],
        "missed_before_digit": missed_before["digit"],
        "seconds": seconds,
        "missed": missed,
        "spurious": spurious,
    }


def scores(counts: dict[str, Any]) -> dict[str, float]:
    """Precision, recall, F1, exact share and milliseconds per 1000 sentences of summed counts."""
    tp, fp, fn = counts["true_positives"], counts["false_positives"], counts["false_negatives"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "exact_share": counts["exact"] / counts["paragraphs"] if counts["paragraphs"] else 0.0,
        "ms_per_1000_sentences": 1e6 * counts["seconds"] / counts["sentences"] if counts["sentences"] else 0.0,
    }


def total(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The sum of the counts of ``rows``."""
    keys = (
        "paragraphs",
        "sentences",
        "true_positives",
        "false_positives",
        "false_negatives",
        "exact",
        "missed_before_lowercase",
        "missed_before_digit",
        "seconds",
    )
    listed = list(rows)
    return {key: sum(row[key] for row in listed) for key in keys}


def version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def print_table(results: dict[str, dict[str, Any]]) -> None:
    header = (
        "splitter",
        "language",
        "paragraphs",
        "boundaries",
        "precision",
        "recall",
        "F1",
        "exact",
        "missed: lc / digit",
        "ms/1k sent",
    )
    print("| " + " | ".join(header) + " |")
    print(
        "|"
        + "|".join("-" * (len(name) + 2) if i < 2 else "-" * (len(name) + 1) + ":" for i, name in enumerate(header))
        + "|"
    )
    for name, result in results.items():
        for language, row in result["languages"].items():
            if row is None:
                print(f"| {name} | {language} | n/a (language not supported) |")
                continue
            figures = scores(row)
            boundaries = row["true_positives"] + row["false_negatives"]
            print(
                f"| {name} | {language} | {row['paragraphs']} | {boundaries} | {figures['precision']:.3f} | "
                f"{figures['recall']:.3f} | {figures['f1']:.3f} | {figures['exact_share']:.1%} | "
                f"{row['missed_before_lowercase']} / {row['missed_before_digit']} | "
                f"{figures['ms_per_1000_sentences']:.1f} |"
            )


def main(argv: list[str] | None = None) -> dict[str, dict[str, Any]]:
    """Run the comparison; return, for each splitter that could run, its version and counts per language and overall
    (``None`` for a language it does not support)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path, help="a folder in the MultiNERD Hub layout")
    parser.add_argument(
        "--languages", help="comma-separated language codes (default: those of MultiNERD's ten with files)"
    )
    parser.add_argument("--per-paragraph", type=int, default=5, help="sentences joined into one paragraph")
    parser.add_argument(
        "--splitters", default=",".join(CANDIDATES), help=f"comma-separated, of {', '.join(CANDIDATES)}"
    )
    parser.add_argument("--examples", type=int, default=0, help="missed and spurious boundaries to print per language")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)

    names = [name.strip() for name in args.splitters.split(",") if name.strip()]
    unknown = [name for name in names if name not in CANDIDATES]
    if unknown:
        parser.error(f"--splitters: unknown {', '.join(unknown)}; allowed: {', '.join(CANDIDATES)}")
    if args.per_paragraph < 1:
        parser.error("--per-paragraph: at least 1")
    languages = args.languages.split(",") if args.languages else list(LANGUAGES)
    data = {language: read_sentences(args.data, language) for language in languages}
    data = {language: sentences for language, sentences in data.items() if sentences}
    if not data:
        raise SystemExit(f"error: {args.data}: no *_<lang>.jsonl files for {', '.join(languages)}")
    texts = {
        language: paragraphs(
            [MosesDetokenizer(lang=language).detokenize(tokens) for tokens in sentences], args.per_paragraph
        )
        for language, sentences in data.items()
    }

    results: dict[str, dict[str, Any]] = {}
    missing = []
    for name in names:
        candidate = CANDIDATES[name]
        per_language: dict[str, dict[str, Any] | None] = {}
        try:
            for language, language_texts in texts.items():
                try:
                    split = candidate.load(language)
                except Unsupported:
                    per_language[language] = None
                    continue
                split(language_texts[0][0])  # warm-up: lazy compilation and caches
                per_language[language] = measure(split, language_texts, args.examples)
        except ImportError as error:
            missing.append(f"{name} ({error})")
            continue
        supported = [row for row in per_language.values() if row is not None]
        results[name] = {
            "package": candidate.package,
            "version": version(candidate.package),
            "languages": {**per_language, "all": total(supported) if len(supported) > 1 else None},
        }
        if len(supported) <= 1:
            del results[name]["languages"]["all"]

    counts = ", ".join(f"{language}: {len(sentences)}" for language, sentences in data.items())
    print(f"{sum(map(len, data.values()))} sentences ({counts}), {args.per_paragraph} per paragraph, from {args.data}")
    for name, result in results.items():
        print(f"{name}: {result['package']} {result['version'] or '(not installed)'}")
    if missing:
        print("missing (not installed, left out): " + "; ".join(missing))
    print()
    print_table(results)
    if args.examples:
        for name, result in results.items():
            for language, row in result["languages"].items():
                if row is None or language == "all":
                    continue
                print(f"\n{name} {language}: missed boundaries")
                for line in row["missed"]:
                    print(f"  {line}")
                print(f"{name} {language}: spurious boundaries")
                for line in row["spurious"]:
                    print(f"  {line}")
    if args.json_out:
        report = {
            "data": str(args.data),
            "per_paragraph": args.per_paragraph,
            "missing": missing,
            "results": {
                name: {
                    **result,
                    "languages": {
                        language: None if row is None else {**row, **scores(row)}
                        for language, row in result["languages"].items()
                    },
                }
                for name, result in results.items()
            },
        }
        args.json_out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
