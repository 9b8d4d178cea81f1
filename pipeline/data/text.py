"""Unicode rules for words: which characters are visible, and the words a raw token stands for.

A BERT-style tokenizer deletes whitespace, control and format characters (zero-width ones included),
combining marks when it strips accents, and U+FFFD; a word made only of such characters gives it no
sub-word, which SpanMarker cannot handle. Every other character gives at least one sub-word (``[UNK]``
at worst), so a word with one visible character is safe for any such tokenizer.
"""

from __future__ import annotations

import unicodedata

SPACE_OR_CONTROL = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Co", "Cs"})
"""Unicode general categories of whitespace, control, format (zero-width), private-use and surrogate
characters. Unassigned code points (``Cn``: characters newer than this Python's Unicode tables) are
not among them: tokenizers read them as an unknown token."""
INVISIBLE = SPACE_OR_CONTROL | {"Mn", "Mc", "Me"}
"""The categories above and combining marks: characters without a visible form of their own."""
REPLACEMENT_CHARACTER = "\ufffd"


def is_visible(char: str) -> bool:
    """Whether one character shows on its own: not in :data:`INVISIBLE`, and not U+FFFD."""
    return unicodedata.category(char) not in INVISIBLE and char != REPLACEMENT_CHARACTER


def _trim(piece: str) -> str:
    """``piece`` without leading and trailing characters of :data:`SPACE_OR_CONTROL`."""
    start, end = 0, len(piece)
    while start < end and unicodedata.category(piece[start]) in SPACE_OR_CONTROL:
        start += 1
    while end > start and unicodedata.category(piece[end - 1]) in SPACE_OR_CONTROL:
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
