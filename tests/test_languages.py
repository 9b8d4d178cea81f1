"""The languages stage's inputs: each evaluation language's test split, and an error for a missing one."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.core.exceptions import DataError
from pipeline.stages import languages, plots


def write_tests(root, system: str, codes: list[str]) -> None:
    (root / system).mkdir(parents=True)
    for code in codes:
        pq.write_table(pa.table({"tokens": [[code]], "ner_tags": [[0]]}), root / system / f"{code}.parquet")


def test_load_language_tests_reads_them_in_the_order_asked(tmp_path, monkeypatch):
    monkeypatch.setattr(languages, "LANGUAGE_TESTS_DIR", tmp_path)
    write_tests(tmp_path, "A", ["de", "en", "zh"])
    tests = languages.load_language_tests("A", ("zh", "de"))
    assert list(tests) == ["zh", "de"] and tests["zh"]["tokens"] == [["zh"]]


def test_a_language_without_test_rows_is_an_error_naming_it(tmp_path, monkeypatch):
    monkeypatch.setattr(languages, "LANGUAGE_TESTS_DIR", tmp_path)
    write_tests(tmp_path, "A", ["de", "en"])
    with pytest.raises(DataError, match=r"evaluate.languages: no test rows in \['fr'\].*\['de', 'en'\]"):
        languages.load_language_tests("A", ("en", "fr"))


def test_language_columns_of_the_figure():
    def overall(f1: float) -> dict:
        return {"test_overall_f1": f1}

    by_system = {
        "A": {"system": {"de": overall(0.2), "en": overall(0.9)}, "baseline": {"de": overall(0.6), "en": overall(0.7)}},
        "B": {
            "system": {"de": overall(0.3), "en": overall(0.8)},
            "baseline": {"available": False, "reason": "plain encoder"},
        },
    }
    assert plots.language_f1(by_system) == {
        "baseline (A's types)": {"de": 0.6, "en": 0.7},
        "System A": {"de": 0.2, "en": 0.9},
        "baseline (B's types)": {"de": None, "en": None},
        "System B": {"de": 0.3, "en": 0.8},
    }


def test_the_figure_marks_the_mbert_figures_published_for_the_languages_it_shows():
    marks = plots.published_language_f1(["de", "zh"])
    assert list(marks) == [plots.PUBLISHED_LABEL] and "mBERT" in plots.PUBLISHED_LABEL
    assert "not like-for-like" in plots.PUBLISHED_LABEL
    assert marks[plots.PUBLISHED_LABEL] == {"de": pytest.approx(0.9476), "zh": pytest.approx(0.8702)}
