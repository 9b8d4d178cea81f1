"""Unicode rules for words: which characters are visible, and the words a raw token stands for.

A BERT-style tokenizer deletes whitespace, control and format characters (zero-width ones included),
combining marks when it strips accents, and U+FFFD; a word made only of such characters gives it no
sub-word, which SpanMarker cannot handle. Every other character gives at least one sub-word (``[UNK]``
at worst), so a word with one visible character is safe for any such tokenizer.
"""

from __future__ import annotations

import unicodedata

INVISIBLE_CATEGORIES = ("Z", "C", "M")
"""Unicode general categories (first letter) of characters without a visible form of their own:
separators (whitespace), control, format (zero-width), private-use, unassigned, and combining marks."""
REPLACEMENT_CHARACTER = "\ufffd"


def is_visible(char: str) -> bool:
    """Whether one character shows on its own: not whitespace, control, format, a combining mark or U+FFFD."""
    return unicodedata.category(char)[0] not in INVISIBLE_CATEGORIES and char != REPLACEMENT_CHARACTER


def _trim(piece: str) -> str:
    """``piece`` without leading and trailing whitespace, control and format characters."""
    start, end = 0, len(piece)
    while start < end and unicodedata.category(piece[start])[0] in "ZC":
        start += 1
    while end > start and unicodedata.category(piece[end - 1])[0] in "ZC":
        end -= 1
    return piece[start:end]


def word_pieces(token: str) -> list[str]:
    """The words a raw token stands for: NFC-normalised, split at inner whitespace, ends trimmed.

    Pieces without a visible character are left out, so the result may be empty (the token is dropped),
    hold the token itself (the usual case) or several words (``"New York"`` gives ``["New", "York"]``).
    Inner zero-width characters are kept (they join emoji and Persian words); only the ends are trimmed.
    """
    pieces = (_trim(piece) for piece in unicodedata.normalize("NFC", token).split())
    return [piece for piece in pieces if any(is_visible(char) for char in piece)]
