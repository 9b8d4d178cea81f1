"""Long real sentences, truncated or tagged in windows: what the windows find past the model's input.

With a trained system (``--model``, default System B of the embedded run, whose input is 46 sub-word tokens, so
that real sentences often exceed it) on WikiNEuRal's English test sentences (``--data``), it tags every sentence
twice: truncated at the model's input (:func:`pipeline.model.inference.predict_entities`, the behaviour before
windows) and in windows sharing ``--stride`` words (:func:`pipeline.documents.windows.predict_windowed`). It prints:

- how many sentences exceed the input, and into how many windows they were cut;
- seqeval's micro F1 against the gold tags (PER, ORG and LOC, the system's other types made ``O``), over all
  sentences and over the long ones, both ways;
- the gold entities that lie wholly past the first window, and how many of them each way finds;
- examples of such entities that only the windows find, with their sentence's first window.

Usage, from the repository root (after ``dvc repro`` or ``dvc pull``; about a minute on 2 cores)::

    python -m benchmarks.bench_windows --data ../shared/data/wikineural [--model B] [--stride 16] [--examples 5]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from seqeval.metrics.sequence_labeling import get_entities

from benchmarks.quiet import quiet_libraries
from pipeline.data.labels import MULTINERD_LABELS, restrict_tags
from pipeline.documents.loading import load_tagger
from pipeline.documents.windows import DEFAULT_STRIDE, input_tokens, predict_windowed, windows, word_token_counts
from pipeline.model.inference import predict_entities
from pipeline.tagging.metrics import entity_scores
from pipeline.tagging.tags import gold_tags, tags_from_entities

REPO_ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "data" / "wikineural")
    parser.add_argument("--model", default="B", help="a system of params.yaml or a model folder (default: B)")
    parser.add_argument("--stride", type=int, default=DEFAULT_STRIDE)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--examples", type=int, default=5)
    args = parser.parse_args(argv)
    quiet_libraries()
    rows = [json.loads(line) for line in (args.data / "test" / "test_en.jsonl").read_text("utf-8").splitlines()]
    sentences = [row["tokens"] for row in rows]
    tagger, paths = load_tagger(args.model, "torch", args.batch_size, args.stride)
    model = tagger.model
    types = set(tagger.entity_types) & {"PER", "ORG", "LOC"}
    gold = restrict_tags(gold_tags([row["ner_tags"] for row in rows], MULTINERD_LABELS), types)
    cuts = [windows(counts, input_tokens(model), args.stride) for counts in word_token_counts(model, sentences)]
    long_rows = [index for index, spans in enumerate(cuts) if len(spans) > 1]
    found = {
        "truncated": predict_entities(model, sentences, args.batch_size),
        "windows": predict_windowed(model, sentences, args.batch_size, args.stride),
    }
    tags = {
        way: restrict_tags(
            [tags_from_entities(own, len(words)) for own, words in zip(entities, sentences, strict=True)], types
        )
        for way, entities in found.items()
    }
    print(
        f"{paths.folder}: input {input_tokens(model)} sub-word tokens; {len(sentences)} WikiNEuRal English test "
        f"sentences, {len(long_rows)} longer than the input, cut into {sum(len(cuts[row]) for row in long_rows)} "
        f"windows sharing {args.stride} words"
    )
    print(f"{'':<10} {'F1 all':>7} {'F1 long':>8} {'gold past the first window found':>33}")

    def spans(sequence: list[str]) -> set[tuple[str, int, int]]:
        """The entities of one tag sequence as seqeval reads them: (type, first word, exclusive end)."""
        return {(label, start, end + 1) for label, start, end in get_entities(sequence)}

    past = {(row, *span) for row in long_rows for span in spans(gold[row]) if span[1] >= cuts[row][0][1]}
    hits = {}
    for way in found:
        everything = entity_scores(gold, tags[way])["overall_f1"]
        long = entity_scores([gold[row] for row in long_rows], [tags[way][row] for row in long_rows])["overall_f1"]
        hits[way] = {item for item in past if item[1:] in spans(tags[way][item[0]])}
        print(f"{way:<10} {everything:>7.4f} {long:>8.4f} {len(hits[way]):>22} of {len(past)}")
    only_windows = sorted(hits["windows"] - hits["truncated"])
    for row, label, start, end in only_windows[: args.examples]:
        words = sentences[row]
        print(
            f"- {' '.join(words[start:end])!r} ({label}, words {start}-{end} of {len(words)}; the first window ends "
            f"at word {cuts[row][0][1]}): ...{' '.join(words[max(start - 8, 0) : end + 4])}..."
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
