"""How often does a word splitter give back the words of a MultiNERD-format data set from plain text?

Every sentence of one language (all splits) is detokenized with sacremoses' ``MosesDetokenizer`` into the
plain text a user would type, then split again by:

(a) ``pattern``: the hand-written regular expression ``python -m pipeline.predict`` used before (kept here as
    the reference);
(b) ``moses``: sacremoses' ``MosesTokenizer`` as it comes;
(c) ``project``: ``pipeline.data.words.split_words`` (NFC, then ``MosesTokenizer`` keeping names such as O'Connor
    whole), which ``predict`` uses.

A sentence counts as reproduced when the split gives exactly the data's own tokens. Also reported: the
splits' speed, and the most frequent differences of the project's splitter.

Usage (from the repository root)::

    python -m benchmarks.bench_words --data /path/to/wikineural [--language en] [--json-out FILE]
"""

from __future__ import annotations

import argparse
import collections
import difflib
import json
import re
import time
from collections.abc import Callable
from pathlib import Path

from sacremoses import MosesDetokenizer, MosesTokenizer

from pipeline.data.words import split_words

OLD_PATTERN = re.compile(r"\d+(?:[.,]\d+)+|\w+(?:-\w+)*|['’]s\b|[^\w\s]")


def read_sentences(root: Path, language: str) -> list[list[str]]:
    """The non-empty token lists of every ``*_<language>.jsonl`` file under ``root``."""
    files = sorted(root.rglob(f"*_{language}.jsonl"))
    if not files:
        raise SystemExit(f"error: {root}: no *_{language}.jsonl files")
    rows = [json.loads(line)["tokens"] for path in files for line in path.read_text(encoding="utf-8").splitlines()]
    return [tokens for tokens in rows if tokens]


def measure(split: Callable[[str], list[str]], texts: list[str], sentences: list[list[str]]) -> dict[str, float]:
    """Share of sentences reproduced exactly, and sentences split per second."""
    start = time.perf_counter()
    splits = [split(text) for text in texts]
    seconds = time.perf_counter() - start
    same = sum(words == tokens for words, tokens in zip(splits, sentences, strict=True))
    return {
        "reproduced": same,
        "sentences": len(sentences),
        "share": same / len(sentences),
        "sentences_per_s": len(sentences) / seconds,
    }


def differences(texts: list[str], sentences: list[list[str]], top: int) -> list[tuple[int, str, str]]:
    """The ``top`` most frequent (count, data tokens, project words) differences."""
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for text, tokens in zip(texts, sentences, strict=True):
        words = [word for word, _, _ in split_words(text)]
        matcher = difflib.SequenceMatcher(a=tokens, b=words, autojunk=False)
        for operation, a1, a2, b1, b2 in matcher.get_opcodes():
            if operation != "equal":
                counts[" ".join(tokens[a1:a2]), " ".join(words[b1:b2])] += 1
    return [(count, data, project) for (data, project), count in counts.most_common(top)]


def main(argv: list[str] | None = None) -> dict[str, dict[str, float]]:
    """Run the measurement; return the figures of each splitter."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, type=Path, help="a folder in the MultiNERD Hub layout")
    parser.add_argument("--language", default="en")
    parser.add_argument("--top", type=int, default=10, help="differences of the project's splitter to list")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)

    sentences = read_sentences(args.data, args.language)
    detokenizer = MosesDetokenizer(lang=args.language)
    texts = [detokenizer.detokenize(tokens) for tokens in sentences]
    moses = MosesTokenizer(lang=args.language)
    results = {
        "pattern": measure(OLD_PATTERN.findall, texts, sentences),
        "moses": measure(lambda text: moses.tokenize(text, escape=False), texts, sentences),
        "project": measure(lambda text: [word for word, _, _ in split_words(text, args.language)], texts, sentences),
    }
    for name, result in results.items():
        print(
            f"{name:8} {result['reproduced']:6d}/{result['sentences']} sentences reproduced "
            f"({result['share']:.1%}), {result['sentences_per_s']:,.0f} sentences/s"
        )
    top = differences(texts, sentences, args.top)
    print("most frequent differences of the project's splitter (count: data -> project):")
    for count, data, project in top:
        print(f"{count:6d}: {data!r} -> {project!r}")
    if args.json_out:
        args.json_out.write_text(
            json.dumps({"language": args.language, "results": results, "differences": top}, indent=2) + "\n",
            encoding="utf-8",
        )
    return results


if __name__ == "__main__":
    main()
