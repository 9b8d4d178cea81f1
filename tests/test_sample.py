"""Checks of the shipped MultiNERD-format sample in data/sample, and that its generator reproduces it."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from pipeline.data.labels import ENTITY_TYPES, MULTINERD_LABELS

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE = REPO_ROOT / "data" / "sample"
GENERATOR = SAMPLE / "generate.py"
LANGUAGES = ("de", "en", "es", "fr", "it", "nl", "pl", "pt", "ru", "zh")
SPLITS = ("train", "val", "test")
ENGLISH_SIZES = {"train": 480, "val": 100, "test": 100}
EXPECTED_FILES = sorted(f"{split}/{split}_{lang}.jsonl" for split in SPLITS for lang in LANGUAGES)


def jsonl_files(root: Path) -> list[str]:
    return sorted(path.relative_to(root).as_posix() for path in root.rglob("*.jsonl"))


@pytest.fixture(scope="module")
def rows() -> dict[str, list[dict]]:
    """Parsed rows of every sample file, keyed by its path relative to data/sample."""
    return {
        name: [json.loads(line) for line in (SAMPLE / name).read_text(encoding="utf-8").splitlines()]
        for name in EXPECTED_FILES
    }


def bio_error(tags: list[int]) -> str | None:
    """The first I-X that continues neither B-X nor I-X, or None if the sequence is valid BIO."""
    previous = "O"
    for position, tag in enumerate(tags):
        label = MULTINERD_LABELS[tag]
        if label.startswith("I-") and previous[2:] != label[2:]:
            return f"{label} at token {position} follows {previous}"
        previous = label
    return None


def test_layout_matches_the_hub_dataset():
    assert jsonl_files(SAMPLE) == EXPECTED_FILES


def test_rows_have_the_multinerd_schema(rows):
    for name, file_rows in rows.items():
        lang = name.rsplit("_", 1)[1].removesuffix(".jsonl")
        assert file_rows, f"{name}: empty"
        for index, row in enumerate(file_rows):
            where = f"{name} row {index}"
            assert set(row) == {"tokens", "ner_tags", "lang"}, where
            assert row["lang"] == lang, where
            assert isinstance(row["tokens"], list) and row["tokens"], where
            assert all(isinstance(token, str) and token.strip() == token != "" for token in row["tokens"]), where
            assert isinstance(row["ner_tags"], list), where
            assert all(type(tag) is int for tag in row["ner_tags"]), where


def test_tags_align_with_tokens_and_are_valid_bio(rows):
    for name, file_rows in rows.items():
        for index, row in enumerate(file_rows):
            where = f"{name} row {index}"
            assert len(row["tokens"]) == len(row["ner_tags"]), where
            assert all(0 <= tag < len(MULTINERD_LABELS) for tag in row["ner_tags"]), where
            assert bio_error(row["ner_tags"]) is None, f"{where}: {bio_error(row['ner_tags'])}"


@pytest.mark.parametrize("tags, valid", [([1, 2, 0, 5], True), ([0, 2], False), ([1, 6], False), ([2], False)])
def test_bio_check_catches_orphan_inside_tags(tags, valid):
    assert (bio_error(tags) is None) == valid


def test_sizes(rows):
    english = {split: len(rows[f"{split}/{split}_en.jsonl"]) for split in SPLITS}
    other = sum(len(file_rows) for name, file_rows in rows.items() if not name.endswith("_en.jsonl"))
    assert english == ENGLISH_SIZES
    assert sum(english.values()) >= 600
    assert other >= 150
    for lang in LANGUAGES:
        assert all(rows[f"{split}/{split}_{lang}.jsonl"] for split in SPLITS), lang


@pytest.mark.parametrize("split", SPLITS)
def test_every_entity_type_begins_in_every_english_split(rows, split):
    begins = Counter(
        MULTINERD_LABELS[tag][2:]
        for row in rows[f"{split}/{split}_en.jsonl"]
        for tag in row["ner_tags"]
        if MULTINERD_LABELS[tag].startswith("B-")
    )
    assert set(begins) == set(ENTITY_TYPES)
    assert min(begins.values()) >= (4 if split == "train" else 2), begins


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_test_split_holds_20_sentences_with_per_org_and_loc(rows, lang):
    test_rows = rows[f"test/test_{lang}.jsonl"]
    begins = {
        MULTINERD_LABELS[tag][2:]
        for row in test_rows
        for tag in row["ner_tags"]
        if MULTINERD_LABELS[tag].startswith("B-")
    }
    assert len(test_rows) >= 20
    assert {"PER", "ORG", "LOC"} <= begins, begins


def test_val_and_test_do_not_copy_train(rows):
    for lang in LANGUAGES:
        train = {tuple(row["tokens"]) for row in rows[f"train/train_{lang}.jsonl"]}
        for split in ("val", "test"):
            copied = [row["tokens"] for row in rows[f"{split}/{split}_{lang}.jsonl"] if tuple(row["tokens"]) in train]
            assert not copied, f"{split}_{lang} repeats train sentences: {copied[:2]}"


def test_generator_reproduces_the_shipped_files(tmp_path):
    subprocess.run([sys.executable, str(GENERATOR), "--out", str(tmp_path)], check=True, cwd=tmp_path)
    assert jsonl_files(tmp_path) == EXPECTED_FILES
    for name in EXPECTED_FILES:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name
    ood = Path("ood") / "test_en.conll"
    assert (tmp_path / ood).read_bytes() == (SAMPLE / ood).read_bytes()


def entity_names(tokens: list[str], tags: list[str]) -> set[str]:
    """The words of every entity of one BIO tag sequence (valid BIO, as the checks above hold)."""
    names = set()
    for position, tag in enumerate(tags):
        if tag.startswith("B-"):
            end = position + 1
            while end < len(tags) and tags[end] == f"I-{tag[2:]}":
                end += 1
            names.add(" ".join(tokens[position:end]))
    return names


def test_the_out_of_domain_set_uses_other_names_than_the_sample():
    """The synthetic out-of-domain set (``ood/test_en.conll``) is read as the ``external`` stage reads it, holds
    PER, ORG, LOC and MISC, and shares no entity name with the English sample: it tests transfer, not recall."""
    from pipeline.sources.conll import read_conll

    columns = read_conll(SAMPLE / "ood" / "test_en.conll", 1, -1)
    assert len(columns.offsets) - 1 == 60
    tags = columns.tags.to_pylist()
    assert {tag[2:] for tag in tags if tag != "O"} == {"PER", "ORG", "LOC", "MISC"}
    names = entity_names(columns.tokens.to_pylist(), tags)
    sample_names = set()
    for split in ("train", "val", "test"):
        for line in (SAMPLE / split / f"{split}_en.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            sample_names |= entity_names(row["tokens"], [MULTINERD_LABELS[tag] for tag in row["ner_tags"]])
    assert len(names) > 30 and not names & sample_names, sorted(names & sample_names)
