"""A system's scores over its training seeds, and the test that judges a difference between two systems."""

from __future__ import annotations

import statistics

import pytest

from pipeline.core.params import EvaluateParams
from pipeline.evaluation.seeds import spread, summarise
from pipeline.evaluation.stochastic_order import aso_test, uses_aso
from pipeline.stages.analyze import seed_sections


def run_scores(f1: float, per: float, epoch: float = 2.0) -> dict:
    return {
        "test_PER": {"precision": per, "recall": per, "f1": per, "number": 7},
        "test_overall_precision": f1,
        "test_overall_recall": f1,
        "test_overall_f1": f1,
        "test_overall_accuracy": 0.9,
        "epoch": epoch,
        "runtime": "torch",
    }


def test_spread_is_the_sample_statistics_and_one_value_has_no_deviation():
    values = [0.81, 0.84, 0.78]
    found = spread(values)
    assert found["mean"] == pytest.approx(statistics.mean(values))
    assert found["std"] == pytest.approx(statistics.stdev(values))  # n − 1, as reported over seeds
    assert (found["min"], found["max"]) == (0.78, 0.84)
    assert spread([0.1 + 0.2]) == {"mean": 0.1 + 0.2, "std": None, "min": 0.1 + 0.2, "max": 0.1 + 0.2}


def test_a_system_over_seeds_keeps_the_scores_layout_with_means_and_the_spread():
    summary = summarise({7: run_scores(0.8, 0.6, epoch=1.0), 8: run_scores(0.9, 1.0)})
    assert summary["test_overall_f1"] == pytest.approx(0.85) and summary["test_PER"]["f1"] == pytest.approx(0.8)
    assert summary["test_PER"]["number"] == 7 and (summary["epoch"], summary["runtime"]) == (1.0, "torch")
    assert summary["seeds"]["seeds"] == [7, 8]
    assert summary["seeds"]["runs"]["8"] == {"precision": 0.9, "recall": 0.9, "f1": 0.9, "epoch": 2.0}
    assert summary["seeds"]["types"]["PER"]["f1"]["min"] == 0.6
    assert summary["seeds"]["overall"]["recall"]["std"] == pytest.approx(statistics.stdev([0.8, 0.9]))


def test_one_seed_gives_that_runs_scores_bit_for_bit():
    run = run_scores(0.1 + 0.7, 0.3)
    summary = summarise({42: run})
    assert {key: value for key, value in summary.items() if key != "seeds"} == run


def test_runs_of_other_types_are_refused():
    other = run_scores(0.8, 0.6)
    other["test_LOC"] = other.pop("test_PER")
    with pytest.raises(ValueError, match="seed 2: other entity types than seed 1"):
        summarise({1: run_scores(0.8, 0.6), 2: other})


@pytest.mark.slow  # each ASO call takes seconds
def test_aso_decides_for_the_side_whose_seeds_all_score_higher_and_not_for_overlapping_ones():
    clear = aso_test([0.90, 0.91, 0.92], [0.80, 0.81, 0.82], alpha=0.05, threshold=0.2, iterations=200, seed=1)
    assert clear["decision"] == "better" and clear["epsilon_min"] < 0.2 < clear["epsilon_min_reverse"]
    assert clear["seeds"] == [3, 3] and clear["test"] == "aso"
    reverse = aso_test([0.80, 0.81, 0.82], [0.90, 0.91, 0.92], alpha=0.05, threshold=0.2, iterations=200, seed=1)
    assert reverse["decision"] == "worse"
    mixed = aso_test([0.80, 0.90, 0.85], [0.84, 0.86, 0.83], alpha=0.05, threshold=0.2, iterations=200, seed=1)
    assert mixed["decision"] == "undecided"
    again = aso_test([0.80, 0.90, 0.85], [0.84, 0.86, 0.83], alpha=0.05, threshold=0.2, iterations=200, seed=1)
    assert again == mixed  # reproducible from its seed


def test_aso_judges_only_where_a_side_has_several_seeds():
    assert not uses_aso([0.8], [0.7]) and uses_aso([0.8, 0.9], [0.7]) and uses_aso([0.8], [0.7, 0.6])


def tags(correct: int, total: int = 4) -> tuple[list[list[str]], list[list[str]]]:
    """Gold and predicted tags of ``total`` one-word sentences, each a PER, ``correct`` of them found."""
    return [["B-PER"]] * total, [["B-PER"]] * correct + [["O"]] * (total - correct)


@pytest.mark.slow
def test_seed_sections_give_each_runs_interval_the_spread_and_the_test_of_each_difference():
    bootstrap = EvaluateParams.read(
        {"evaluate": {"bootstrap_resamples": 50, "bootstrap_seed": 1, "aso_alpha": 0.05, "aso_threshold": 0.2}},
        "bootstrap_resamples",
        "bootstrap_seed",
        "aso_alpha",
        "aso_threshold",
    )
    run_tags = {"A": {1: tags(1), 2: tags(2)}, "B": {1: tags(4), 2: tags(4)}}
    compared = {"A_on_B_types": {"system": "B", "other": "A", "types": ["PER"]}}
    given = {"B": {1: {"f1": "as given"}}}
    found = seed_sections({"A": ["PER"], "B": ["PER"]}, run_tags, {"A": tags(0)}, compared, bootstrap, given)
    assert set(found["runs"]["A"]) == {"1", "2"} and found["runs"]["B"]["2"]["f1"]["score"] == 1.0
    assert found["runs"]["B"]["1"] == {"f1": "as given"}  # the reference run's intervals are not resampled again
    assert found["seeds"]["A"]["values"]["f1"] == pytest.approx([0.4, 2 / 3])  # 1 and 2 of 4 found
    assert found["seeds"]["A_on_B_types"]["values"]["f1"] == found["seeds"]["A"]["values"]["f1"]
    assert found["tests"]["B − A on B's types"]["decision"] == "better"
    assert found["tests"]["A − baseline"]["test"] == "aso" and found["tests"]["A − baseline"]["seeds"] == [2, 1]
    single = seed_sections({"A": ["PER"]}, {"A": {1: tags(1)}}, {"A": tags(0)}, {}, bootstrap, {})
    assert single["tests"] == {"A − baseline": {"test": "paired bootstrap", "seeds": [1, 1]}}
