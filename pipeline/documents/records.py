"""What is tagged and what comes back: sentences and documents, and their output records.

A sentence record (one per sentence given, as the predict command has always written it)::

    {"text": "Angela Merkel visited Paris.", "entities": [{"text": "Angela Merkel", "type": "PER",
     "word_start": 0, "word_end": 2, "char_start": 0, "char_end": 13, "score": 0.98}, ...]}

A document record adds the sentences the document was split into, and each entity the sentence it came from;
``word_start``/``word_end`` index that sentence's words, ``char_start``/``char_end`` the document::

    {"text": "...", "sentences": [{"char_start": 0, "char_end": 28}, ...],
     "entities": [{"sentence": 0, "text": ..., "type": ..., "word_start": ..., "word_end": ...,
                   "char_start": ..., "char_end": ..., "score": ...}, ...]}

``word_end`` and ``char_end`` are exclusive. Character offsets index the text as given (before NFC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipeline.data.words import split_words
from pipeline.documents.sentences import split_sentences


@dataclass(frozen=True)
class Sentence:
    """One sentence to tag: its text, its words with their ``(start, end)`` character offsets in the text,
    and the fields its output record starts with (``--jsonl`` input: the passed-through keys and tokens)."""

    text: str
    words: list[str]
    offsets: list[tuple[int, int]]
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    """A document to tag: its text, its sentences (:class:`Sentence`, offsets into the sentence's own text), the
    character offset in the document where each sentence starts, and the fields its record starts with."""

    text: str
    sentences: list[Sentence]
    starts: list[int]
    fields: dict[str, Any] = field(default_factory=dict)


def sentence_of_text(text: str, language: str = "en") -> Sentence:
    """The sentence of plain ``text``, split into words by :func:`pipeline.data.words.split_words`."""
    words = split_words(text, language)
    return Sentence(text, [word for word, _, _ in words], [(start, end) for _, start, end in words])


def join_tokens(tokens: list[str], fields: dict[str, Any]) -> Sentence:
    """The sentence of pre-tokenised ``tokens``: its text is the tokens joined by single spaces."""
    offsets, start = [], 0
    for token in tokens:
        offsets.append((start, start + len(token)))
        start += len(token) + 1
    return Sentence(" ".join(tokens), list(tokens), offsets, {**fields, "tokens": list(tokens)})


def document_of_text(text: str, language: str = "en", fields: dict[str, Any] | None = None) -> Document:
    """The document of plain ``text``: its sentences by :func:`pipeline.documents.sentences.split_sentences`,
    each split into words by :func:`sentence_of_text`. A text without a visible character has no sentence."""
    bounds = split_sentences(text, language)
    return Document(
        text,
        [sentence_of_text(text[start:end], language) for start, end in bounds],
        [start for start, _ in bounds],
        dict(fields or {}),
    )


def entity_spans(sentence: Sentence, entities: list[dict[str, Any]], shift: int = 0) -> list[dict[str, Any]]:
    """SpanMarker's ``entities`` of ``sentence`` (word indices into ``sentence.words``) as output entities, their
    character offsets moved by ``shift`` (the sentence's start in its document)."""
    spans = []
    for entity in entities:
        word_start, word_end = entity["word_start_index"], entity["word_end_index"]
        char_start, char_end = sentence.offsets[word_start][0], sentence.offsets[word_end - 1][1]
        spans.append(
            {
                "text": sentence.text[char_start:char_end],
                "type": entity["label"],
                "word_start": word_start,
                "word_end": word_end,
                "char_start": char_start + shift,
                "char_end": char_end + shift,
                "score": entity["score"],
            }
        )
    return spans


def sentence_record(sentence: Sentence, entities: list[dict[str, Any]]) -> dict[str, Any]:
    """The output record of a sentence and its SpanMarker entities (word indices into ``sentence.words``)."""
    return {**sentence.fields, "text": sentence.text, "entities": entity_spans(sentence, entities)}


def document_record(document: Document, entities: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """The output record of a document and its sentences' SpanMarker entities (one list per sentence)."""
    found: list[dict[str, Any]] = []
    for index, (sentence, start, own) in enumerate(zip(document.sentences, document.starts, entities, strict=True)):
        found.extend({"sentence": index, **span} for span in entity_spans(sentence, own, start))
    return {
        **document.fields,
        "text": document.text,
        "sentences": [
            {"char_start": start, "char_end": start + len(sentence.text)}
            for sentence, start in zip(document.sentences, document.starts, strict=True)
        ],
        "entities": found,
    }
