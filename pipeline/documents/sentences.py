"""Split plain text into sentences, with character offsets into the text as given.

The splitter is Wikimedia's rule-based ``sentencex`` (pinned in ``requirements.txt``), through its offset API
``get_sentence_boundaries``. It has rules and abbreviation lists of its own for nine of MultiNERD's ten languages
and splits Chinese at ``。``, ``！`` and ``？``; it needs no model and no download, and is released often.

It was chosen by ``python -m benchmarks.bench_sentence_splitter --data ../shared/data/wikineural``: the 14,290
WikiNEuRal sentences there (11,590 English, 900 each German, Spanish and Dutch), detokenized and joined five at a
time into pseudo-paragraphs, then split again. Boundary F1 over all four languages, share of paragraphs split
exactly right, and time per 1000 sentences on one core of an AMD EPYC (``cpu family`` 25):

| splitter | version | F1 de / en / es / nl | F1 all | exact paragraphs | ms / 1000 sentences |
|---|---|---|---:|---:|---:|
| sentencex | 1.0.32 | .889 / .988 / .988 / .983 | .982 | 89.6 % | 2.0 |
| blingfire | 0.1.8 | .947 / .986 / .977 / .987 | .983 | 87.8 % | 22 |
| pysbd | 0.3.4 | .964 / .987 / .990 / .992 | .986 | 93.3 % | 600 |
| spaCy `sentencizer` | 3.8.18 | .941 / .971 / .958 / .980 | .969 | 85.3 % | 98 |

Bling Fire (one model for every language; last release 2021-09) agrees as much overall, splits fewer
paragraphs exactly right and is ten times slower; pySBD (last release 2021-02) agrees a little more but has no
Portuguese and is 300 times slower; spaCy's rule-based ``sentencizer`` (a blank pipeline, no model) splits at every
final punctuation mark and agrees least. sentencex's latest release is from 2026-09. Precision is 0.995 or more
for the first three: nearly every disagreement is a boundary left out. The lines of the data are not always
consecutive sentences of an article, and the gold sentences carry the mistakes of WikiNEuRal's own splitting: most
of sentencex's German misses come before a "sentence" that starts with a month name (61 gold boundaries, 59
missed: fragments cut after ``am 13.``, where not splitting is right in running text) or with a year (44, all
missed, by Bling Fire too: ``… im südlichen Afrika. 1983 übernahm er …`` stays one sentence). Only these four
languages were measured; the tests check short examples of all ten.

Known limits, beyond the rules of a splitter without a model: a German sentence that starts with a number is kept
with the sentence before it; some abbreviations followed by a number or a lowercase word are split after (French
``déc. 1999``, Polish ``ok. 1990 r.``, Dutch ``o.a.``, Russian ``т. е.``); one newline does not end a sentence, an
empty line does.
"""

from __future__ import annotations

import re

from sentencex import get_sentence_boundaries

from pipeline.core.paths import LANGUAGES

LANGUAGE = "en"
NON_SPACE = re.compile(r"\S")


def split_sentences(text: str, language: str = LANGUAGE) -> list[tuple[int, int]]:
    """The ``(start, end)`` character offsets (end exclusive) of each sentence of ``text``, in order.

    Offsets index ``text`` as given. Each sentence has no whitespace at either end; sentences do not overlap, and
    together they cover every non-whitespace character of ``text`` (a blank text has none). ``language`` is one of
    MultiNERD's language codes (:data:`~pipeline.core.paths.LANGUAGES`); any other raises ``ValueError``.
    """
    if language not in LANGUAGES:
        raise ValueError(f"language {language!r} is not one of MultiNERD's languages; allowed: {', '.join(LANGUAGES)}")
    first = NON_SPACE.search(text)
    if first is None:
        return []
    # Where each sentence starts: the first non-whitespace character of each piece of the library. Each sentence
    # then runs to the next one's start, so that no character is left out whatever the pieces cover.
    starts = {first.start()}
    for boundary in get_sentence_boundaries(language, text):
        found = NON_SPACE.search(text, boundary["start_index"], boundary["end_index"])
        if found is not None:
            starts.add(found.start())
    ordered = sorted(starts)
    spans = []
    for start, end in zip(ordered, [*ordered[1:], len(text)], strict=True):
        spans.append((start, start + len(text[start:end].rstrip())))
    return spans
