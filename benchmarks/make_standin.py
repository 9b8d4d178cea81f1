"""Write a full-scale synthetic stand-in of MultiNERD in the Hugging Face Hub layout.

The output looks like ``Babelscape/multinerd`` on disk: ``train/train_<lang>.jsonl``, ``val/val_<lang>.jsonl``
and ``test/test_<lang>.jsonl`` for the 10 languages, one ``{"tokens": [...], "ner_tags": [...], "lang": "xx"}``
object a line, at MultiNERD's row counts:

* train 2,678,400 · validation 334,800 · test 335,986 rows over de en es fr it nl pl pt ru zh;
* English exactly train 262,560 · validation 32,820 · test 32,908; the other rows are split over the other
  nine languages as evenly as possible (the first languages in alphabetical order take the remainder).

Nothing is copied from MultiNERD: tokens are synthetic words made of syllables of each language's script
(Latin with the language's diacritics, Cyrillic for ru, CJK characters for zh).

Shape of the data (the same model for every language):

* Sentence lengths: ``round(exp(N(mu, sigma)))`` with ``mu = LENGTH_MU``, ``sigma = LENGTH_SIGMA``, clipped to
  ``[LENGTH_MIN, LENGTH_MAX]``; the mean (21.64 tokens at seed 0) matches the English train token total implied by
  MultiNERD's English label counts as printed by the original project's notebook (5,684,238 tokens / 262,560
  sentences = 21.65); those counts are the reference of everything below.
* Tags: each chunk is one token stream of alternating O-runs and entities, cut into sentences. O-runs are
  geometric with mean ``O / sum(B-)`` of the English train counts (12.28). An entity's type is drawn with
  the B- frequencies (train counts for train and validation; the test entity counts for test), its
  length is ``1 + K`` with K geometric of mean ``I-X / B-X`` (train counts), capped at ``ENTITY_MAX``.
  A sentence that would end inside an entity runs on to the entity's end (the next sentence then starts
  there, keeping its own drawn length), so entities are never cut and every sentence is valid BIO; the
  English tag counts therefore follow MultiNERD's (O dominant, the long tail of BIO/INST/VEHI/MYTH/CEL, I- tags in
  MultiNERD's ratios). The counts written are saved to ``STANDIN.json``.
* Tokens: O tokens from a Zipf(1.0) vocabulary of 30,000 lower-case words per language whose top word is
  ``,``; entity tokens from a Zipf(0.8) vocabulary of 20,000 capitalised words; a sentence that ends on an O
  token ends with ``.``.

Deterministic for a given ``--seed``, ``--scale`` and ``--chunk-rows``: every chunk has its own generator
seeded with (seed, split, language, chunk). Work is vectorised with NumPy and serialised with Arrow compute
kernels (``binary_join``), one chunk of ``--chunk-rows`` rows at a time, so memory stays bounded
(a few hundred MB at the default 100,000 rows a chunk).

Usage (from the repository root)::

    python -m benchmarks.make_standin --out /tmp/multinerd-standin [--seed 0] [--scale 1.0]

``--scale 0.01`` writes a proportionally smaller copy (every per-language count times the scale, at least 1).
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from array import array
from itertools import accumulate
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from tqdm.auto import tqdm

from pipeline.data.labels import ENTITY_TYPES, MULTINERD_LABELS

LANGUAGES = ("de", "en", "es", "fr", "it", "nl", "pl", "pt", "ru", "zh")
SPLITS = ("train", "validation", "test")
FOLDERS = {"train": "train", "validation": "val", "test": "test"}
"""Hub folder (and file prefix) of each split: ``val/val_en.jsonl``."""
TOTAL_ROWS = {"train": 2_678_400, "validation": 334_800, "test": 335_986}
ENGLISH_ROWS = {"train": 262_560, "validation": 32_820, "test": 32_908}

# MultiNERD's English train token counts of each tag, as printed by the original project's notebook.
MULTINERD_TRAIN_O = 4_957_198
MULTINERD_TRAIN_B = {
    "PER": 125_974,
    "ORG": 55_282,
    "LOC": 117_330,
    "ANIM": 25_472,
    "BIO": 280,
    "CEL": 5_370,
    "DIS": 17_404,
    "EVE": 5_050,
    "FOOD": 16_558,
    "INST": 758,
    "MEDIA": 12_162,
    "MYTH": 1_138,
    "PLANT": 14_872,
    "TIME": 5_080,
    "VEHI": 808,
}
MULTINERD_TRAIN_I = {
    "PER": 132_376,
    "ORG": 71_998,
    "LOC": 48_800,
    "ANIM": 10_614,
    "BIO": 70,
    "CEL": 2_972,
    "DIS": 11_608,
    "EVE": 8_406,
    "FOOD": 6_060,
    "INST": 726,
    "MEDIA": 20_070,
    "MYTH": 202,
    "PLANT": 4_702,
    "TIME": 3_942,
    "VEHI": 956,
}
# MultiNERD's English test entities by B- tag, as printed by the original project's notebook.
MULTINERD_TEST_B = {
    "PER": 10_530,
    "ORG": 6_618,
    "LOC": 24_048,
    "ANIM": 3_208,
    "BIO": 16,
    "CEL": 82,
    "DIS": 1_518,
    "EVE": 704,
    "FOOD": 1_132,
    "INST": 24,
    "MEDIA": 916,
    "MYTH": 64,
    "PLANT": 1_788,
    "TIME": 578,
    "VEHI": 64,
}

LENGTH_MU = 2.945
"""Log-normal location of the sentence length (log tokens); with the clipping and the entity-end shift the
mean length is 21.6 tokens."""
LENGTH_SIGMA = 0.5
"""Log-normal scale; the standard deviation of the length is about 11.5 tokens."""
LENGTH_MIN, LENGTH_MAX = 3, 200
ENTITY_MAX = 30
"""Longest entity, in tokens."""
O_RUN_MEAN = MULTINERD_TRAIN_O / sum(MULTINERD_TRAIN_B.values())
"""Mean number of O tokens between two entities (12.28)."""
COMMON_WORDS, NAME_WORDS = 30_000, 20_000
COMMON_ZIPF, NAME_ZIPF = 1.0, 0.8
CHUNK_ROWS = 100_000

LATIN = ("bcdfghjklmnprstvwz", "aeiou")
SCRIPTS = {
    "de": ("bcdfghklmnprstwzß", "aeiouäöü"),
    "en": LATIN,
    "es": ("bcdfgjlmnprstvzñ", "aeiouáéíó"),
    "fr": ("bcdfgjlmnprstvç", "aeiouéèêà"),
    "it": ("bcdfglmnprstvz", "aeiouàèò"),
    "nl": ("bcdfghjklmnprstvwz", "aeiouij"),
    "pl": ("bcdfghjklmnprstwzłśźżć", "aeiouyąęó"),
    "pt": ("bcdfgjlmnprstvzç", "aeiouãõáé"),
    "ru": ("бвгджзклмнпрстфхцчш", "аеиоуыэюя"),
}
"""Consonants and vowels of each language's synthetic words; zh words are 1-3 CJK characters."""


def split_rows(scale: float = 1.0) -> dict[str, dict[str, int]]:
    """Rows per split and language: English as in MultiNERD, the rest spread evenly, all times ``scale``."""
    rows = {}
    for split in SPLITS:
        others = [lang for lang in LANGUAGES if lang != "en"]
        share, remainder = divmod(TOTAL_ROWS[split] - ENGLISH_ROWS[split], len(others))
        counts = {"en": ENGLISH_ROWS[split]} | {lang: share + (i < remainder) for i, lang in enumerate(others)}
        rows[split] = {lang: max(1, round(counts[lang] * scale)) for lang in LANGUAGES}
    return rows


def _type_probabilities(counts: dict[str, int]) -> np.ndarray:
    values = np.array([counts[t] for t in ENTITY_TYPES], dtype=np.float64)
    return values / values.sum()


TYPE_PROBS = {
    "train": _type_probabilities(MULTINERD_TRAIN_B),
    "validation": _type_probabilities(MULTINERD_TRAIN_B),
    "test": _type_probabilities(MULTINERD_TEST_B),
}
I_PER_B = np.array([MULTINERD_TRAIN_I[t] / MULTINERD_TRAIN_B[t] for t in ENTITY_TYPES])
"""Mean number of I- tokens per entity of each type (entity length minus one)."""


def _zipf_cdf(n: int, exponent: float) -> np.ndarray:
    weights = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exponent
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


COMMON_CDF, NAME_CDF = _zipf_cdf(COMMON_WORDS, COMMON_ZIPF), _zipf_cdf(NAME_WORDS, NAME_ZIPF)


def vocabulary(language: str, seed: int) -> pa.StringArray:
    """JSON-quoted words of one language: COMMON_WORDS lower-case ones (``,`` first), NAME_WORDS capitalised, ``.``."""
    rng = np.random.default_rng([seed, 1000 + LANGUAGES.index(language)])
    n = COMMON_WORDS + NAME_WORDS
    if language == "zh":
        chars = rng.integers(0x4E00, 0x9FA6, size=(n, 3))
        sizes = rng.choice([1, 2, 3], size=n, p=[0.2, 0.6, 0.2])
        words = ["".join(map(chr, row[:size])) for row, size in zip(chars.tolist(), sizes.tolist(), strict=True)]
    else:
        consonants, vowels = SCRIPTS[language]
        syllables = [c + v for c in consonants for v in vowels] + [
            c + v + d for c in consonants for v in vowels for d in consonants[:6]
        ]
        picks = rng.integers(0, len(syllables), size=(n, 4))
        sizes = rng.choice([1, 2, 3, 4], size=n, p=[0.25, 0.4, 0.25, 0.1])
        words = [
            "".join(syllables[i] for i in row[:size]) for row, size in zip(picks.tolist(), sizes.tolist(), strict=True)
        ]
        words[COMMON_WORDS:] = [word.capitalize() for word in words[COMMON_WORDS:]]
    words[0] = ","
    words.append(".")
    return pc.binary_join_element_wise('"', pa.array(words, pa.string()), '"', "")  # no quotes or backslashes


def sentence_lengths(rng: np.random.Generator, n: int) -> np.ndarray:
    lengths = np.rint(np.exp(rng.normal(LENGTH_MU, LENGTH_SIGMA, size=n)))
    return np.clip(lengths, LENGTH_MIN, LENGTH_MAX).astype(np.int64)


def tag_stream(rng: np.random.Generator, n_tokens: int, type_probs: np.ndarray) -> np.ndarray:
    """Tag ids of alternating O-runs and whole entities (valid BIO).

    At least ``1.02 * n_tokens + 1000`` of them: slack for sentence ends moved past entities.
    """
    mean_pair = O_RUN_MEAN + float(type_probs @ (1 + I_PER_B))
    pairs = int(n_tokens / mean_pair * 1.05) + 64
    while True:
        o_len = rng.geometric(1 / O_RUN_MEAN, size=pairs)
        types = rng.choice(len(ENTITY_TYPES), size=pairs, p=type_probs)
        e_len = np.minimum(rng.geometric(1 / (1 + I_PER_B[types])), ENTITY_MAX)
        if o_len.sum() + e_len.sum() >= 1.02 * n_tokens + 1000:
            break
        pairs *= 2
    seg_len = np.empty(2 * pairs, dtype=np.int64)
    seg_len[0::2], seg_len[1::2] = o_len, e_len
    seg_tag = np.zeros(2 * pairs, dtype=np.int8)
    seg_tag[1::2] = 2 * types + 1  # B-X; I-X is B-X + 1
    seg_start = np.cumsum(seg_len) - seg_len
    tags = np.repeat(seg_tag, seg_len)
    inside = np.arange(len(tags)) > np.repeat(seg_start, seg_len)
    return np.where(inside & (tags > 0), tags + 1, tags).astype(np.int8)


def chunk_tags(rng: np.random.Generator, n_rows: int, type_probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Flat tags and int64 sentence offsets (``n_rows + 1``) for one chunk."""
    lengths = sentence_lengths(rng, n_rows)
    tags = tag_stream(rng, int(lengths.sum()), type_probs)
    is_inside = (tags > 0) & (tags % 2 == 0)
    breaks = np.append(np.flatnonzero(~is_inside), len(tags))  # positions where a sentence may end (and start)
    next_break = array("q", breaks[np.searchsorted(breaks, np.arange(len(tags) + 1))].tobytes())
    # Each sentence takes its drawn length, then runs on to the end of an entity it would cut; the next
    # sentence starts there. Sequential, but one array lookup per sentence.
    try:
        offsets = np.fromiter(
            accumulate(lengths.tolist(), lambda end, length: next_break[end + length], initial=0),
            dtype=np.int64,
            count=n_rows + 1,
        )
    except IndexError:
        raise RuntimeError("tag stream too short for the chunk; raise the slack in tag_stream") from None
    tags = tags[: offsets[-1]]
    return tags, offsets


def chunk_tokens(rng: np.random.Generator, tags: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Vocabulary indices for the tags: common words for O, names for entities, ``.`` ending O-final sentences."""
    is_o = tags == 0
    index = np.empty(len(tags), dtype=np.int64)
    index[is_o] = np.searchsorted(COMMON_CDF, rng.random(int(is_o.sum())), side="right")
    index[~is_o] = COMMON_WORDS + np.searchsorted(NAME_CDF, rng.random(int((~is_o).sum())), side="right")
    last = offsets[1:] - 1
    index[last[is_o[last]]] = COMMON_WORDS + NAME_WORDS  # "."
    return index


TAG_TEXT = pa.array([str(i) for i in range(len(MULTINERD_LABELS))], pa.string())


def jsonl_bytes(
    vocab: pa.StringArray, token_index: np.ndarray, tags: np.ndarray, offsets: np.ndarray, language: str
) -> memoryview:
    """The chunk's JSONL text, built by Arrow kernels (same separators as ``json.dumps``)."""
    list_offsets = pa.array(offsets.astype(np.int32))
    tokens = pc.binary_join(pa.ListArray.from_arrays(list_offsets, vocab.take(pa.array(token_index))), ", ")
    tag_text = pc.binary_join(pa.ListArray.from_arrays(list_offsets, TAG_TEXT.take(pa.array(tags))), ", ")
    lines = pc.binary_join_element_wise(
        '{"tokens": [', tokens, '], "ner_tags": [', tag_text, f'], "lang": "{language}"}}\n', ""
    )
    line_offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
    return memoryview(lines.buffers()[2])[line_offsets[0] : line_offsets[-1]]


def write_file(
    path: Path,
    split: str,
    language: str,
    n_rows: int,
    seed: int,
    chunk_rows: int,
    vocab: pa.StringArray,
    progress: tqdm,
) -> np.ndarray:
    """Write one language file of a split in chunks; return its tag counts (31 ids)."""
    counts = np.zeros(len(MULTINERD_LABELS), dtype=np.int64)
    tmp = path.with_suffix(".jsonl.tmp")
    with tmp.open("wb") as out:
        for chunk, start in enumerate(range(0, n_rows, chunk_rows)):
            rows = min(chunk_rows, n_rows - start)
            rng = np.random.default_rng([seed, SPLITS.index(split), LANGUAGES.index(language), chunk])
            tags, offsets = chunk_tags(rng, rows, TYPE_PROBS[split])
            token_index = chunk_tokens(rng, tags, offsets)
            out.write(jsonl_bytes(vocab, token_index, tags, offsets, language))
            counts += np.bincount(tags, minlength=len(MULTINERD_LABELS))
            progress.update(rows)
    tmp.replace(path)
    return counts


def generate(out: Path, seed: int = 0, scale: float = 1.0, chunk_rows: int = CHUNK_ROWS, quiet: bool = False) -> dict:
    """Write the stand-in under ``out`` (replacing the split folders) and return its summary."""
    if scale <= 0:
        raise ValueError("--scale must be positive")
    rows = split_rows(scale)
    out.mkdir(parents=True, exist_ok=True)
    vocabs = {language: vocabulary(language, seed) for language in LANGUAGES}
    summary = {
        "seed": seed,
        "scale": scale,
        "chunk_rows": chunk_rows,
        "rows": rows,
        "length_model": {"mu": LENGTH_MU, "sigma": LENGTH_SIGMA, "min": LENGTH_MIN, "max": LENGTH_MAX},
        "tag_counts": {},
        "tokens": {},
    }
    total = sum(sum(split.values()) for split in rows.values())
    with tqdm(total=total, unit="row", unit_scale=True, desc="Writing stand-in", disable=quiet) as progress:
        for split in SPLITS:
            folder = out / FOLDERS[split]
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir()
            summary["tag_counts"][split], summary["tokens"][split] = {}, {}
            for language in LANGUAGES:
                path = folder / f"{FOLDERS[split]}_{language}.jsonl"
                counts = write_file(
                    path, split, language, rows[split][language], seed, chunk_rows, vocabs[language], progress
                )
                summary["tag_counts"][split][language] = dict(zip(MULTINERD_LABELS, counts.tolist(), strict=True))
                summary["tokens"][split][language] = int(counts.sum())
    (out / "STANDIN.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    return summary


def report(summary: dict) -> str:
    """English train tag counts next to MultiNERD's (scaled), and the mean sentence lengths."""
    scale = summary["scale"]
    counts = summary["tag_counts"]["train"]["en"]
    reference = (
        {"O": MULTINERD_TRAIN_O}
        | {f"B-{t}": n for t, n in MULTINERD_TRAIN_B.items()}
        | {f"I-{t}": n for t, n in MULTINERD_TRAIN_I.items()}
    )
    lines = [f"{'tag':8} {'stand-in':>10} {'MultiNERD x scale':>14} {'ratio':>6}"]
    for label in sorted(reference, key=lambda label: -reference[label]):
        expected = reference[label] * scale
        lines.append(f"{label:8} {counts[label]:>10,} {expected:>14,.0f} {counts[label] / expected:>6.3f}")
    for split in SPLITS:
        rows = sum(summary["rows"][split].values())
        tokens = sum(summary["tokens"][split].values())
        en = summary["tokens"][split]["en"] / summary["rows"][split]["en"]
        lines.append(f"{split}: {rows:,} rows, {tokens:,} tokens, mean length {tokens / rows:.2f} (en {en:.2f})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/multinerd-standin"), help="output folder")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the real row counts (default 1.0)")
    parser.add_argument("--chunk-rows", type=int, default=CHUNK_ROWS, help="rows generated and written at a time")
    parser.add_argument("--quiet", action="store_true", help="no progress bar or report")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    summary = generate(args.out, args.seed, args.scale, args.chunk_rows, args.quiet)
    elapsed = time.perf_counter() - started
    if not args.quiet:
        print(report(summary))
    size = sum(path.stat().st_size for path in args.out.rglob("*.jsonl"))
    print(f"wrote {args.out} ({size / 2**30:.2f} GiB) in {elapsed:.1f} s")


if __name__ == "__main__":
    main()
