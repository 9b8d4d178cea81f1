"""Plain text split into sentences: offsets into the text as given, MultiNERD's ten languages, known limits."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.core.paths import LANGUAGES
from pipeline.documents.sentences import split_sentences

TWO_SENTENCES = {
    "de": ("Angela Merkel besuchte Paris.", "Sie traf dort den Präsidenten."),
    "en": ("Angela Merkel visited Paris.", "She met the president there."),
    "es": ("Angela Merkel visitó París.", "Allí se reunió con el presidente."),
    "fr": ("Angela Merkel a visité Paris.", "Elle y a rencontré le président."),
    "it": ("Angela Merkel ha visitato Parigi.", "Lì ha incontrato il presidente."),
    "nl": ("Angela Merkel bezocht Parijs.", "Ze ontmoette daar de president."),
    "pl": ("Angela Merkel odwiedziła Paryż.", "Spotkała się tam z prezydentem."),
    "pt": ("Angela Merkel visitou Paris.", "Ela encontrou-se lá com o presidente."),
    "ru": ("Ангела Меркель посетила Париж.", "Там она встретилась с президентом."),
    "zh": ("默克尔访问了巴黎。", "她在那里会见了总统。"),
}


def sentences(text: str, language: str = "en") -> list[str]:
    return [text[start:end] for start, end in split_sentences(text, language)]


def test_every_language_of_multinerd_is_accepted_and_split():
    assert set(TWO_SENTENCES) == set(LANGUAGES)
    for language, (first, second) in TWO_SENTENCES.items():
        separator = "" if language == "zh" else " "
        assert sentences(first + separator + second, language) == [first, second], language


def test_offsets_reproduce_the_sentences():
    text = "Angela Merkel visited Paris. She met the president! Did they talk?  Yes, for an hour."
    spans = split_sentences(text)
    assert spans == [(0, 28), (29, 51), (52, 66), (68, 85)]
    assert [text[start:end] for start, end in spans] == [
        "Angela Merkel visited Paris.",
        "She met the president!",
        "Did they talk?",
        "Yes, for an hour.",
    ]


def test_abbreviations_do_not_end_a_sentence():
    assert sentences("Dr. Smith went to Washington D.C. on Monday. He left.") == [
        "Dr. Smith went to Washington D.C. on Monday.",
        "He left.",
    ]
    assert sentences("He served in the U.S. Navy. Mr. Jones did not.") == [
        "He served in the U.S. Navy.",
        "Mr. Jones did not.",
    ]
    assert sentences("Prof. Dr. Müller kam z. B. gestern. Er ging.", "de") == [
        "Prof. Dr. Müller kam z. B. gestern.",
        "Er ging.",
    ]
    assert sentences("El Sr. García llegó a EE. UU. en 1990. Se fue.", "es") == [
        "El Sr. García llegó a EE. UU. en 1990.",
        "Se fue.",
    ]


def test_known_limits_are_as_documented():
    """What the module docstring says the splitter gets wrong: kept here so that a new version that changes them
    is noticed (and the docstring updated)."""
    # A German sentence that starts with a number stays with the one before it (read as a date: "am 13. März").
    assert sentences("Er zog nach Berlin. 1983 übernahm er das Amt.", "de") == [
        "Er zog nach Berlin. 1983 übernahm er das Amt."
    ]
    # Some abbreviations before a number or a lowercase word are split after.
    assert sentences("Il est né le 3 déc. 1999 à Paris.", "fr") == ["Il est né le 3 déc.", "1999 à Paris."]
    assert sentences("Hij zag o.a. dhr. Jansen.", "nl") == ["Hij zag o.a.", "dhr. Jansen."]


def test_newlines_one_does_not_end_a_sentence_an_empty_line_does():
    assert sentences("A sentence that goes on\nafter a line break. Next.") == [
        "A sentence that goes on\nafter a line break.",
        "Next.",
    ]
    assert sentences("A title without a full stop\n\nThe text.") == ["A title without a full stop", "The text."]


def test_blank_text_gives_no_sentence():
    for text in ("", " ", "\n\t \r\n", "\u00a0\u3000"):
        assert split_sentences(text) == []
        assert split_sentences(text, "zh") == []


def test_surrounding_whitespace_is_excluded_and_offsets_index_the_original_text():
    text = "\n  Angela Merkel visited Paris.\n\n   She met the president.  \n"
    spans = split_sentences(text)
    assert spans == [(3, 31), (36, 58)]
    assert [text[start:end] for start, end in spans] == ["Angela Merkel visited Paris.", "She met the president."]


def test_offsets_count_characters_not_bytes():
    text = "Zoe\u0308 lives in Mu\u0308nchen 😀. Она живёт в Берлине. 她很好。"
    assert sentences(text, "en") == ["Zoe\u0308 lives in Mu\u0308nchen 😀.", "Она живёт в Берлине.", "她很好。"]


def test_a_text_without_final_punctuation_is_one_sentence():
    assert split_sentences("no full stop here") == [(0, 17)]


def test_a_language_outside_multinerd_is_refused_with_the_allowed_ones():
    with pytest.raises(ValueError, match=r"^language 'ja' is not one of MultiNERD's languages; allowed: de, en, es,"):
        split_sentences("日本語の文です。", "ja")
    with pytest.raises(ValueError, match=r"'EN'"):
        split_sentences("Upper case.", "EN")


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("ab A.!?。 \n\t\u00a0\"')(1")), max_size=60),
    st.sampled_from(LANGUAGES),
)
def test_sentences_are_ordered_stripped_and_cover_every_visible_character(text, language):
    spans = split_sentences(text, language)
    covered = set()
    previous_end = 0
    for start, end in spans:
        assert previous_end <= start < end <= len(text)
        piece = text[start:end]
        assert piece == piece.strip() and piece
        covered.update(range(start, end))
        previous_end = end
    assert {index for index, char in enumerate(text) if not char.isspace()} <= covered
