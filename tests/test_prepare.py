import pyarrow as pa
import pytest

from pipeline.data.labels import MULTINERD_LABELS, labels_for_types
from pipeline.data.validation import RAW_SCHEMA, DataError
from pipeline.stages.prepare import filter_languages, prepare_split, split_by_language, types_without_entities

B_TYPES = ["PER", "ORG", "LOC", "DIS", "ANIM"]
ID = {label: index for index, label in enumerate(MULTINERD_LABELS)}


def raw(rows: list[tuple[list[str], list[str], str]]) -> pa.Table:
    """A raw table from (tokens, BIO tag names, lang) rows."""
    return pa.table(
        {
            "tokens": [tokens for tokens, _, _ in rows],
            "ner_tags": [[ID[tag] for tag in tags] for _, tags, _ in rows],
            "lang": [lang for _, _, lang in rows],
        },
        schema=RAW_SCHEMA,
    )


def names(table: pa.Table, types: list[str]) -> list[list[str]]:
    labels = labels_for_types(types)
    return [[labels[tag] for tag in sentence] for sentence in table["ner_tags"].to_pylist()]


def test_filter_keeps_only_the_language_in_order():
    table = raw([(["a"], ["O"], "de"), (["b"], ["O"], "en"), (["c"], ["O"], "fr"), (["d"], ["O"], "en")])
    kept = filter_languages(table, ["en"], "raw.parquet")
    assert kept["tokens"].to_pylist() == [["b"], ["d"]]


def test_filter_keeps_several_languages_in_their_original_order():
    rows = [
        (["a"], ["O"], "de"),
        (["b"], ["O"], "en"),
        (["c"], ["O"], "fr"),
        (["d"], ["O"], "en"),
        (["e"], ["O"], "de"),
        (["f"], ["O"], "zh"),
    ]
    kept = filter_languages(raw(rows), ["en", "de"], "raw.parquet")  # the list's order does not reorder rows
    assert kept["tokens"].to_pylist() == [["a"], ["b"], ["d"], ["e"]]
    assert kept["lang"].to_pylist() == ["de", "en", "en", "de"]
    assert filter_languages(raw(rows), ["de", "en", "fr", "zh"], "r").num_rows == len(rows)


def test_split_without_the_language_is_an_error_naming_the_source():
    with pytest.raises(DataError, match=r"raw/test.parquet: no rows with lang == 'en'.*\['de'\]"):
        filter_languages(raw([(["a"], ["O"], "de")]), ["en"], "raw/test.parquet")


def test_each_missing_training_language_is_named():
    table = raw([(["a"], ["O"], "de"), (["b"], ["O"], "en")])
    with pytest.raises(DataError, match=r"no rows with lang == 'fr' or 'pl' \(languages present: \['de', 'en'\]\)"):
        filter_languages(table, ["en", "fr", "pl"], "raw/train.parquet")


def test_split_by_language_splits_the_test_set_by_language_with_system_tags():
    rows = [
        (["Anna"], ["B-PER"], "en"),
        (["Hund"], ["B-ANIM"], "de"),
        (["Brot"], ["B-FOOD"], "de"),
        (["Oslo"], ["B-LOC"], "en"),
    ]
    tests = split_by_language(raw(rows), B_TYPES, "raw/test.parquet")
    assert list(tests) == ["de", "en"]
    assert tests["de"]["tokens"].to_pylist() == [["Hund"], ["Brot"]]
    assert names(tests["de"], B_TYPES) == [["B-ANIM"], ["O"]]  # FOOD is not one of B's types
    assert names(tests["en"], B_TYPES) == [["B-PER"], ["B-LOC"]]


def test_system_b_remap_edge_cases():
    rows = [
        ([], [], "en"),  # empty sentence
        (["just", "words"], ["O", "O"], "en"),  # all O
        (["Paris", "is", "Anna", "Berg"], ["B-LOC", "O", "B-PER", "I-PER"], "en"),  # entities at both ends
        (["ate", "apple", "pie", "flu"], ["O", "B-FOOD", "I-FOOD", "B-DIS"], "en"),  # I- of a dropped type
        (["Star", "Wars", "Day"], ["B-MEDIA", "I-MEDIA", "I-MEDIA"], "en"),  # dropped type at the end
        (["Hund"], ["B-ANIM"], "de"),  # other language: removed
    ]
    prepared = prepare_split(raw(rows), ["en"], B_TYPES, "raw.parquet")
    assert prepared.column_names == ["tokens", "ner_tags"]
    assert prepared["tokens"].to_pylist() == [tokens for tokens, _, lang in rows if lang == "en"]
    assert names(prepared, B_TYPES) == [
        [],
        ["O", "O"],
        ["B-LOC", "O", "B-PER", "I-PER"],
        ["O", "O", "O", "B-DIS"],
        ["O", "O", "O"],
    ]
    # Ids index System B's own 11-label list: B-DIS is 9 there, not MultiNERD's 13.
    assert prepared["ner_tags"].to_pylist()[3] == [0, 0, 0, 9]


def test_system_a_keeps_every_tag():
    rows = [(["x", "y", "z"], ["B-BIO", "I-BIO", "B-VEHI"], "en"), (["Anna"], ["B-PER"], "en")]
    prepared = prepare_split(raw(rows), ["en"], list(dict.fromkeys(t[2:] for t in MULTINERD_LABELS[1:])), "r")
    assert prepared["ner_tags"].to_pylist() == [[ID["B-BIO"], ID["I-BIO"], ID["B-VEHI"]], [ID["B-PER"]]]


def test_prepare_works_on_sliced_chunked_input():
    table = raw([(["a", "b"], ["B-PER", "I-PER"], "en")] * 3 + [(["c"], ["B-FOOD"], "en")] * 2)
    chunked = pa.concat_tables([table.slice(0, 2), table.slice(2)])
    prepared = prepare_split(chunked.slice(1), ["en"], B_TYPES, "r")
    assert names(prepared, B_TYPES) == [["B-PER", "I-PER"]] * 2 + [["O"]] * 2


def test_types_without_entities_in_the_data_are_named():
    # Real data need not hold every type of a system: WikiNEuRal has only PER, ORG and LOC.
    table = raw(
        [
            (["Anna", "Smith", "in", "Oslo"], ["B-PER", "I-PER", "O", "B-LOC"], "en"),
            (["the", "UN"], ["O", "B-ORG"], "en"),
            ([], [], "en"),
        ]
    )
    assert types_without_entities(prepare_split(table, ["en"], B_TYPES, "raw"), B_TYPES) == ["ANIM", "DIS"]
    assert types_without_entities(prepare_split(table, ["en"], ["PER", "LOC"], "raw"), ["PER", "LOC"]) == []
    only_inside = raw([(["x", "y"], ["O", "I-DIS"], "en")])  # validation repairs such a tag; an I- alone is no entity
    assert "DIS" in types_without_entities(prepare_split(only_inside, ["en"], B_TYPES, "raw"), B_TYPES)
