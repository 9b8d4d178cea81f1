"""Property-based check of download validation + prepare on random valid and invalid rows."""

from __future__ import annotations

import re

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.data.labels import MULTINERD_LABELS, labels_for_types
from pipeline.data.text import word_pieces
from pipeline.data.validation import DataError, validate_table
from pipeline.stages.prepare import prepare_split

B_TYPES = ["PER", "ORG", "LOC", "DIS", "ANIM"]
ERROR = re.compile(
    r"^src: (no rows|row \d+: (\d+ tokens but \d+ ner_tags|tag id -?\d+ outside 0-30)"
    r"|no rows with lang == 'en' .*|no row has a visible word .*)"
)


@st.composite
def row(draw: st.DrawFn) -> tuple[list[str], list[int], str]:
    """A row that is mostly valid; one in ten has a length mismatch, one in ten a tag id out of range."""
    tokens = draw(st.lists(st.text(min_size=1, max_size=4), max_size=6))
    tags = draw(st.lists(st.integers(min_value=0, max_value=30), min_size=len(tokens), max_size=len(tokens)))
    corruption = draw(st.integers(min_value=0, max_value=9))
    if corruption == 0:
        tags = tags + [0]
    elif corruption == 1 and tags:
        tags[draw(st.integers(0, len(tags) - 1))] = draw(st.sampled_from([-1, 31, 127]))
    return tokens, tags, draw(st.sampled_from(["en", "de"]))


def expected_words(tokens: list[str], tags: list[int]) -> tuple[list[str], list[int]]:
    """Reference: each token replaced by its pieces; later pieces of a B-X token tagged I-X."""
    words, word_tags = [], []
    for token, tag in zip(tokens, tags, strict=True):
        for index, piece in enumerate(word_pieces(token)):
            words.append(piece)
            word_tags.append(tag + 1 if index and tag % 2 else tag)
    return words, word_tags


def expected_b_tags(tags: list[int]) -> list[str]:
    """Reference: repair I-X that does not continue X to B-X, then drop the types System B lacks."""
    names: list[str] = []
    for tag in tags:
        name = MULTINERD_LABELS[tag]
        if name.startswith("I-") and (not names or names[-1][2:] != name[2:]):
            name = "B-" + name[2:]
        names.append(name)
    return [name if name == "O" or name[2:] in B_TYPES else "O" for name in names]


@settings(max_examples=300, deadline=None)
@given(st.lists(row(), max_size=8))
def test_prepare_gives_consistent_output_or_the_documented_error(rows):
    table = pa.table(
        {
            "tokens": pa.array([r[0] for r in rows], pa.list_(pa.string())),
            "ner_tags": pa.array([r[1] for r in rows], pa.list_(pa.int64())),
            "lang": pa.array([r[2] for r in rows], pa.string()),
        }
    )
    try:
        prepared = prepare_split(validate_table(table, "src"), ["en"], B_TYPES, "src")
    except DataError as error:
        assert ERROR.match(str(error)), str(error)
        valid = rows and all(len(t) == len(g) and all(0 <= x <= 30 for x in g) for t, g, _ in rows)
        visible = [lang for tokens, tags, lang in rows if expected_words(tokens, tags)[0]] if valid else []
        assert not visible or all(lang != "en" for lang in visible)
        return
    english = [expected_words(tokens, tags) for tokens, tags, lang in rows if lang == "en"]
    english = [(tokens, tags) for tokens, tags in english if tokens]
    labels = labels_for_types(B_TYPES)
    assert prepared["tokens"].to_pylist() == [tokens for tokens, _ in english]
    assert [[labels[t] for t in tags] for tags in prepared["ner_tags"].to_pylist()] == [
        expected_b_tags(tags) for _, tags in english
    ]
