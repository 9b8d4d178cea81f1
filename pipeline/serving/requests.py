"""The body of ``POST /predict``: read, checked against the limits, and turned into sentences and documents.

The body is a JSON object with exactly one of three keys, each a list of the texts to tag, and optionally the
language whose rules split them (``en`` by default; one of MultiNERD's ten):

- ``"sentences"``: strings, one sentence each (as the predict command's TEXT arguments and ``--file``);
- ``"documents"``: strings, each split into sentences (as ``--documents``);
- ``"tokens"``: lists of strings, one sentence each, tagged as given (as ``--jsonl`` lines with ``tokens``).

Nothing else may be named: no file path and no model (an unknown key is refused). Every failure is a
:class:`RequestError` with the HTTP status to answer and a one-line message.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from pipeline.core.paths import LANGUAGES
from pipeline.documents.records import document_of_text, join_tokens, sentence_of_text
from pipeline.documents.tagger import Item

KINDS = ("sentences", "documents", "tokens")
"""The keys a request names its texts with."""


class RequestError(ValueError):
    """A request that cannot be tagged: ``status`` is the HTTP status to answer (400 unreadable, 413 over a limit,
    422 readable but not a request this server takes), the message one line."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Limits:
    """What one request may hold: ``max_texts`` texts, each of at most ``max_chars`` characters (a ``tokens``
    entry: its tokens joined by spaces)."""

    max_texts: int
    max_chars: int

    @property
    def max_bytes(self) -> int:
        """The largest body read: every text at its longest, in JSON escaped as it may be (12 bytes a character
        at worst: a surrogate pair ``\\ud83d\\ude00``), plus 64 bytes a text and 4 KiB for the rest of the
        object (quotes, commas, the indentation of a ``tokens`` list)."""
        return self.max_texts * (self.max_chars * 12 + 64) + 4096


def decode_body(body: bytes) -> dict[str, Any]:
    """The JSON object of ``body``; raises :class:`RequestError` (400) for invalid UTF-8 or JSON, (422) for JSON
    that is not an object."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise RequestError(
            400, f"the body is not valid UTF-8 (byte 0x{body[error.start]:02x} at offset {error.start})"
        ) from error
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise RequestError(
            400, f"the body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from error
    except (ValueError, RecursionError) as error:  # an integer past Python's digit limit, nesting past the stack
        raise RequestError(400, f"the body is not JSON this server reads: {type(error).__name__}") from error
    if not isinstance(value, dict):
        raise RequestError(422, f"the body must be a JSON object with one of {', '.join(KINDS)}")
    return value


def _text_of(kind: str, index: int, value: Any) -> str:
    """The text of entry ``index`` of ``kind`` (tokens joined by spaces); raises :class:`RequestError` (422)."""
    where = f"{kind}[{index}]"
    if kind == "tokens":
        if not isinstance(value, list) or not all(isinstance(token, str) for token in value):
            raise RequestError(422, f"{where}: expected a list of strings")
        return " ".join(value)
    if not isinstance(value, str):
        raise RequestError(422, f"{where}: expected a string")
    return value


def parse_request(body: bytes, limits: Limits) -> list[Item]:
    """The sentences or documents of a ``POST /predict`` body, in order. Raises :class:`RequestError`: 400 for
    invalid UTF-8 or JSON; 413 for a body over :attr:`Limits.max_bytes`, more than ``max_texts`` texts or a text
    over ``max_chars``; 422 for any other shape (not exactly one of :data:`KINDS`, an unknown key or language, an
    empty list, a blank text, an entry of the wrong type)."""
    if len(body) > limits.max_bytes:
        raise RequestError(413, f"the body has {len(body)} bytes; at most {limits.max_bytes}")
    request = decode_body(body)
    unknown = sorted(set(request) - {*KINDS, "language"})
    if unknown:
        raise RequestError(422, f"unknown key {unknown[0]!r}; allowed: {', '.join(KINDS)} and language")
    given = [kind for kind in KINDS if kind in request]
    if len(given) != 1:
        raise RequestError(422, f"give exactly one of {', '.join(KINDS)}; got {len(given)}")
    kind = given[0]
    language = request.get("language", "en")
    if language not in LANGUAGES:
        raise RequestError(422, f"language: got {language!r}; allowed: {', '.join(LANGUAGES)}")
    entries = request[kind]
    if not isinstance(entries, list):
        raise RequestError(422, f"{kind}: expected a list")
    if not entries:
        raise RequestError(422, f"{kind}: empty; give at least one")
    if len(entries) > limits.max_texts:
        raise RequestError(413, f"{kind}: {len(entries)} texts; at most {limits.max_texts} a request")
    texts = [_text_of(kind, index, entry) for index, entry in enumerate(entries)]
    for index, text in enumerate(texts):
        if len(text) > limits.max_chars:
            raise RequestError(413, f"{kind}[{index}]: {len(text)} characters; at most {limits.max_chars}")
        if not text.strip():
            raise RequestError(422, f"{kind}[{index}]: blank")
    if kind == "tokens":
        return [join_tokens(tokens, {}) for tokens in entries]
    if kind == "documents":
        return [document_of_text(text, language) for text in texts]
    return [sentence_of_text(text.strip(), language) for text in texts]
