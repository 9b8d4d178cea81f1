"""Words that no tokenizer can read are dropped, split or normalised at download, with one warning."""

from __future__ import annotations

import json
import logging

import pyarrow as pa
import pytest

from pipeline.data.text import word_pieces
from pipeline.data.validation import DataError, validate_table
from pipeline.sources.readers import load_local
from tests.test_validation import GOOD, layout


@pytest.mark.parametrize(
    "token, pieces",
    [
        ("Paris", ["Paris"]),
        ("", []),
        (" ", []),
        ("\u00a0", []),
        ("\u200b\u200d\ufeff", []),
        ("\x00\x1f", []),
        ("\u0308", []),
        ("\ufffd", []),
        ("Zoe\u0308", ["Zo\u00eb"]),
        ("\u200bParis\u00a0", ["Paris"]),
        ("New York", ["New", "York"]),
        ("\U0001f468\u200d\U0001f469", ["\U0001f468\u200d\U0001f469"]),
        ("\u0645\u0631\u062d\u0628\u0627", ["\u0645\u0631\u062d\u0628\u0627"]),
    ],
)
def test_word_pieces(token, pieces):
    assert word_pieces(token) == pieces


def table_of(*rows: tuple[list[str], list[int]]) -> pa.Table:
    return pa.table(
        {
            "tokens": pa.array([r[0] for r in rows], pa.list_(pa.string())),
            "ner_tags": pa.array([r[1] for r in rows], pa.list_(pa.int64())),
            "lang": ["en"] * len(rows),
        }
    )


def test_empty_and_whitespace_rows_are_dropped_and_counted(tmp_path, caplog):
    lines = [
        json.dumps(GOOD),
        json.dumps({"tokens": [], "ner_tags": [], "lang": "en"}),
        json.dumps({"tokens": ["\u00a0"], "ner_tags": [0], "lang": "en"}),
    ]
    with caplog.at_level(logging.WARNING):
        train = load_local(layout(tmp_path, lines))["train"]
    assert train["tokens"].to_pylist() == [GOOD["tokens"]]
    assert "train_en.jsonl: dropped 1 token(s) without a visible character" in caplog.text
    assert "dropped 2 row(s) left without a word; first row 1" in caplog.text


def test_space_token_is_dropped_and_tags_stay_aligned():
    table = table_of((["Paris", " ", "is", "in", "France", "."], [5, 0, 0, 0, 5, 0]))
    cleaned = validate_table(table, "src")
    assert cleaned["tokens"].to_pylist() == [["Paris", "is", "in", "France", "."]]
    assert cleaned["ner_tags"].to_pylist() == [[5, 0, 0, 5, 0]]


def test_dropped_entity_start_is_repaired_and_split_tokens_continue_the_entity():
    table = table_of((["\u200b", "Tokyo", "New York", "\u00a0", "City"], [5, 6, 5, 6, 6]))
    cleaned = validate_table(table, "src")
    assert cleaned["tokens"].to_pylist() == [["Tokyo", "New", "York", "City"]]
    assert cleaned["ner_tags"].to_pylist() == [[5, 5, 6, 6]]


def test_decomposed_tokens_are_normalised_to_nfc():
    cleaned = validate_table(table_of((["Mu\u0308nchen"], [5])), "src")
    assert cleaned["tokens"].to_pylist() == [["M\u00fcnchen"]]


def test_a_file_without_any_visible_word_is_rejected():
    with pytest.raises(DataError, match=r"^src: no row has a visible word"):
        validate_table(table_of(([], []), (["\u200b"], [0])), "src")


def test_a_file_of_empty_rows_gets_the_visible_word_error(tmp_path):
    lines = [json.dumps({"tokens": [], "ner_tags": [], "lang": "en"})] * 2
    with pytest.raises(DataError, match=r"train_en\.jsonl: no row has a visible word"):
        load_local(layout(tmp_path, lines))
