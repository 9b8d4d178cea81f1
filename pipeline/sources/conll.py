"""Read NER test sets in the CoNLL layout their publishers use (CoNLL-2003, WikiGold, WikiNEuRal, WikiANN, ...).

The layout: one token a line, its fields separated by tabs or spaces, the token and its BIO tag in given columns
(WikiNEuRal's ``index<TAB>token<TAB>tag``; CoNLL-2003's ``token POS chunk tag``); a blank line between sentences;
``-DOCSTART-`` lines (CoNLL-2003's document breaks) end a sentence and are skipped. Files are UTF-8; a leading
byte-order mark and Windows line ends are accepted. Reading is vectorised with Arrow: the lines are split into
fields by one regular-expression kernel and the columns taken by index, so no Python loop runs over the lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.core.exceptions import DataError
from pipeline.sources.tag_map import first_bad_tag

DOCSTART = "-DOCSTART-"
IGNORED_NAMES = ("README", "LICENSE", "LICENCE")
"""Files of a folder that are not read as data: names starting with ``.`` and these stems (any case, any
extension), and ``*.md`` files."""


@dataclass(frozen=True)
class Columns:
    """One CoNLL file's tokens and BIO tags, flat (one entry per token line), with ``offsets`` (sentences + 1,
    int64) delimiting sentences and ``lines``, the 1-based file line of every token."""

    tokens: pa.Array
    tags: pa.Array
    offsets: np.ndarray
    lines: np.ndarray


def conll_files(path: Path) -> list[Path]:
    """The files a set's ``path`` names: the file itself, or a folder's files (not its subfolders) in name order,
    without hidden files, ``*.md`` and README or LICENSE files. Raises :class:`DataError` when the path does not
    exist or a folder holds no such file."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise DataError(f"{path}: file or folder not found")
    files = [
        item
        for item in sorted(path.iterdir())
        if item.is_file()
        and not item.name.startswith(".")
        and item.suffix.lower() != ".md"
        and item.name.split(".")[0].upper() not in IGNORED_NAMES
    ]
    if not files:
        raise DataError(f"{path}: no CoNLL file in the folder (hidden files, *.md, README and LICENSE are skipped)")
    return files


def _text_lines(path: Path) -> pa.Array:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise DataError(f"{path}: line {line}: not UTF-8 text ({error.reason})") from None
    return pc.utf8_trim(pa.array(text.split("\n"), pa.string()), characters=" \t\r")


def read_conll(path: Path, token_column: int, tag_column: int) -> Columns:
    """Tokens and tags of one CoNLL file; ``tag_column`` < 0 counts from the end of each line.

    Raises :class:`DataError` naming the file and the line: not UTF-8, fewer fields on a token line than the two
    columns need, a tag that is not ``O``, ``B-<type>`` or ``I-<type>`` (a wrong ``tag_column`` shows as that),
    or no token line at all.
    """
    lines = _text_lines(path)
    fields = pc.split_pattern_regex(lines, r"[ \t]+")
    width = pc.list_value_length(fields).to_numpy(zero_copy_only=False)
    blank = pc.equal(lines, "").to_numpy(zero_copy_only=False)
    boundary = blank | pc.equal(pc.list_element(fields, 0), DOCSTART).to_numpy(zero_copy_only=False)
    data = np.flatnonzero(~boundary)
    if not len(data):
        raise DataError(f"{path}: no token line (one token a line, a blank line between sentences)")
    needed = max(token_column + 1, tag_column + 1 if tag_column >= 0 else -tag_column)
    short = width[data] < needed
    if short.any():
        line = int(data[short][0])
        raise DataError(
            f"{path}: line {line + 1}: {width[line]} column(s), but token_column {token_column} and "
            f"tag_column {tag_column} need {needed}; check the columns of the set in params.yaml"
        )
    starts = fields.offsets.to_numpy()[:-1][data].astype(np.int64)
    values = fields.flatten()
    tag_index = starts + (tag_column if tag_column >= 0 else width[data] + tag_column)
    tokens, tags = values.take(pa.array(starts + token_column)), values.take(pa.array(tag_index))
    bad = first_bad_tag(tags)
    if bad is not None:
        raise DataError(
            f"{path}: line {int(data[bad]) + 1}: tag {tags[bad].as_py()!r} in column {tag_column} is "
            "not a BIO tag (O, B-<type> or I-<type>); check tag_column of the set in params.yaml"
        )
    sentence = np.cumsum(boundary)[data]
    begins = np.flatnonzero(np.concatenate(([True], sentence[1:] != sentence[:-1])))
    return Columns(tokens, tags, np.concatenate((begins, [len(data)])).astype(np.int64), data + 1)
