"""Result names and files: one place that writes and reads them back."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.evaluation import results


@pytest.mark.parametrize(
    ("result", "name", "metrics", "interval_key"),
    [
        (results.system("A"), "A", "reports/metrics/A.json", ("systems", "A")),
        (
            results.baseline("A-tail"),
            "baseline_A-tail",
            "reports/metrics/baseline_A-tail.json",
            ("baselines", "A-tail"),
        ),
        (results.int8("B"), "int8_B", "reports/metrics/int8_B.json", ("int8", "B")),
        (
            results.comparison("B", "A"),
            "A_on_B_types",
            "reports/metrics/comparisons/A_on_B_types.json",
            ("comparisons", "A_on_B_types"),
        ),
    ],
)
def test_every_result_with_headline_scores_reads_back_from_its_metrics_file(result, name, metrics, interval_key):
    assert (result.name, result.metrics_file.as_posix(), result.interval_key) == (name, metrics, interval_key)
    assert results.from_metrics_path(metrics) == result


def test_scores_and_predictions_files_follow_the_name():
    assert results.languages("A").scores_file == Path("reports/scores/languages_A.json")
    assert results.baseline("B").predictions_file == Path("data/predictions/baseline_B.parquet")
    assert results.external("B").scores_file == Path("reports/external/B.json")
    assert results.external_metrics_file("B", "conll", of_baseline=True) == Path(
        "reports/metrics/external_B/baseline_conll.json"
    )
    with pytest.raises(ValueError, match="comparisons.json"):
        _ = results.comparison("B", "A").scores_file


@pytest.mark.parametrize(
    "path",
    [
        "reports/metrics/languages_A.json",
        "reports/metrics/audit_x.json",
        "reports/metrics/external_A/conll.json",
        "reports/scores/A.json",
        "reports/metrics/comparisons/A_vs_B.json",
        "reports/metrics/A.csv",
    ],
)
def test_other_files_are_no_headline_result(path):
    assert results.from_metrics_path(path) is None
