"""The report's sections hold the numbers of the files they are given, in the original project's table layout."""

from pathlib import Path

import yaml

from pipeline.core.params import ModelParams
from pipeline.data.labels import labels_for_types
from pipeline.evaluation.seeds import summarise
from pipeline.stages import report
from tests.conftest import declared_settings

REPO_ROOT = Path(__file__).resolve().parents[1]


def run_scores(f1: float, **types: float) -> dict:
    """One run's scores file, as the evaluate stage writes it."""
    per_type = {
        f"test_{name}": {"precision": value, "recall": value, "f1": value, "number": 10}
        for name, value in types.items()
    }
    return {
        **per_type,
        "test_overall_precision": f1,
        "test_overall_recall": f1,
        "test_overall_f1": f1,
        "test_overall_accuracy": 0.9,
        "epoch": 2.0,
        "runtime": "torch",
    }


def scores(f1: float, **types: float) -> dict:
    """A system's scores file of one seed, as the seeds stage writes it."""
    return summarise({42: run_scores(f1, **types)})


def info(types: list[str]) -> dict:
    labels = labels_for_types(types)
    return {"labels": labels, "types": types, "languages": ["en"], "source": {"source": "sample"}}


def overall_only(f1: float, **types: float) -> dict:
    return {
        **{name: {"precision": v, "recall": v, "f1": v, "number": 10} for name, v in types.items()},
        "overall_precision": f1,
        "overall_recall": f1,
        "overall_f1": f1,
        "overall_accuracy": 0.9,
    }


def test_render_reads_every_number_from_its_inputs():
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    params["systems"]["C"] = {"types": ["PER"], "train": {"learning_rate": 1e-4}}
    b_scores = scores(0.8, PER=0.9, LOC=0.7)
    compared = {
        "A_on_B_types": {
            "system": "B",
            "other": "A",
            "types": ["LOC", "PER"],
            "scores": {"A": overall_only(0.5, PER=0.5), "B": overall_only(0.9, PER=0.9)},
        },
        "C_on_B_types": {
            "system": "B",
            "other": "C",
            "types": ["PER"],
            "scores": {"C": overall_only(0.3, PER=0.3), "B": overall_only(0.95, PER=0.95)},
        },
    }
    baseline = {"available": False, "reason": "model.name 'x' is a plain encoder"}
    summary = {"gold_entities": 20, "predicted_entities": 18, "correct": 15}
    systems = ("A", "B", "C")
    errors = {
        system: {"summary": summary, "top": [{"gold": "LOC", "predicted": "ORG", "kind": "exact", "count": 3}]}
        for system in systems
    }
    text = report.render(
        {"A": info(["PER", "LOC", "FOOD"]), "B": info(["PER", "LOC"]), "C": info(["PER"])},
        ModelParams.read(params),
        {system: declared_settings(params, system) for system in systems},
        {
            "A": scores(0.6, PER=0.8, FOOD=0.2),
            "B": b_scores,
            "C": scores(0.4, PER=0.4),
            **{f"baseline_{system}": baseline for system in systems},
            "comparisons": compared,
        },
        errors,
    )
    assert "| PER | 10 | 90.00% | 90.00% | 90.00% |" in text  # B's per-type row
    assert "| **Overall** | - | **80.00%** | **80.00%** | **80.00%** |" in text
    assert "| FOOD | 10 | 20.00% | 20.00% | 20.00% |" in text  # A's tail type
    assert "## System A vs System B on B's types" in text and "## System C vs System B on B's types" in text
    assert "| PER | 10 | 50.00% | 90.00% | +40.00 |" in text  # A on B's types vs B
    assert "the types both keep (PER; B also scored only on these)" in text  # C keeps fewer types than B
    assert "| PER | 10 | 30.00% | 95.00% | +65.00 |" in text
    assert "| Hyperparameter | System A | System B | System C |" in text
    assert "| learning_rate | 0.0003 | 0.0003 | 0.0001 |" in text and "BLOCK" not in text
    assert "Epochs that actually ran: A 2.0, B 2.0, C 2.0." in text
    assert "- System C: model.name 'x' is a plain encoder." in text
    assert "### System C" in text and "figures/confusion/C.png" in text
    assert "| 20 | 18 | 15 |" in text and "| LOC | ORG | exact | 3 |" in text
    assert "the embedded synthetic sample" in text and "`dvc.lock`" in text


def test_baseline_section_compares_before_and_after():
    before = {**scores(0.5, PER=0.4), "available": True, "model": "span-marker-x"}
    lines = report.baseline("B", before, scores(0.7, PER=0.9))
    assert "System B, `span-marker-x` before fine-tuning vs after:" in lines
    assert "| PER | 40.00% | 90.00% | +50.00 |" in lines
    assert "| **Overall** | **50.00%** | **70.00%** | **+20.00** |" in lines


def languages(trained: dict, before: dict | None) -> dict:
    """A ``languages_<system>`` scores file: the system's overall F1 per language, and its baseline's (None: none)."""
    baseline = (
        {"available": False, "reason": "model.name 'x' is a plain encoder"}
        if before is None
        else {lang: scores(f1) for lang, f1 in before.items()}
    )
    return {
        "system": {lang: scores(f1) for lang, f1 in trained.items()},
        "baseline": baseline,
        "sentences": {lang: 24 for lang in trained},
    }


def test_languages_table_shows_each_language_with_the_change_from_the_baseline():
    lines = report.languages_section(
        {"A": languages({"de": 0.3, "en": 0.9}, {"de": 0.5, "en": 0.8}), "B": languages({"de": 0.4, "en": 0.95}, None)},
        ["en"],
    )
    assert "| `de` | 24 | 50.00% | 30.00% | -20.00 | n/a | 40.00% | n/a | 94.76% |" in lines
    assert "| `en` (trained) | 24 | 80.00% | 90.00% | +10.00 | n/a | 95.00% | n/a | 95.18% |" in lines
    assert any(line.startswith("No baseline: model.name 'x' is a plain encoder") for line in lines)


def test_languages_table_gives_the_published_mbert_figure_of_every_language_labelled_as_such():
    ten = ["de", "en", "es", "fr", "it", "nl", "pl", "pt", "ru", "zh"]
    lines = report.languages_section({"A": languages(dict.fromkeys(ten, 0.5), None)}, ["en"])
    header = next(line for line in lines if line.startswith("| Language |"))
    assert header.endswith("| System A | Change | Published (mBERT, all languages) |")
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines if line.startswith("| `")]
    assert {cells[0].split()[0].strip("`"): cells[-1] for cells in rows} == {
        "de": "94.76%",
        "en": "95.18%",
        "es": "91.53%",
        "fr": "91.92%",
        "it": "92.59%",
        "nl": "93.27%",
        "pl": "92.66%",
        "pt": "92.86%",
        "ru": "93.39%",
        "zh": "87.02%",
    }
    note = next(line for line in lines if line.startswith("*Published*"))
    assert "model card of `tomaarsen/span-marker-mbert-base-multinerd`" in note
    assert "(92.48% over all ten)" in note and "fine-tuned on all ten MultiNERD languages" in note
    assert "not a like-for-like comparison with the systems beside it, fine-tuned on `en` only" in note


def tail_row(train: int, test: int, f1: float) -> dict:
    return {
        "train_entities": train,
        "train_sentences": train,
        "repeat_factor": 1.0 if train > 50 else 3.0,
        "test_entities": test,
        "precision": f1,
        "recall": f1,
        "f1": f1,
    }


def test_tail_section_has_a_table_per_system_and_warns_about_the_sample():
    rare = {name: tail_row(4 + i, 2 + i, 0.5) for i, name in enumerate(["BIO", "CEL", "INST", "MYTH", "VEHI"])}
    tail = {
        "A": {
            "oversampling": {"threshold": 0.1, "cap": 4},
            "overall_f1": 0.7,
            "types": {"LOC": tail_row(500, 57, 0.9), **rare},
        },  # as JSON: by name
        "B": {
            "oversampling": {"threshold": 0.0, "cap": 1},
            "overall_f1": 0.8,
            "types": {"LOC": tail_row(500, 57, 0.95)},
        },
    }
    lines = report.tail_section(tail, {"source": "sample"})
    assert "### System A (oversampling threshold 0.1, cap 4)" in lines and "### System B (no oversampling)" in lines
    assert [line.split(" | ")[0] for line in lines if line.startswith(("| LOC", "| BIO"))] == [
        "| LOC",
        "| BIO",
        "| LOC",
    ]
    assert "| LOC | 500 | 1.00 | 57 | 90.00% | 90.00% |" in lines  # A
    assert "| LOC | 500 | 1.00 | 57 | 95.00% | 95.00% |" in lines  # B
    assert "| BIO | 4 | 3.00 | 2 | 50.00% | 50.00% |" in lines
    warnings = [line for line in lines if "are noise" in line]
    assert len(warnings) == 1 and "have 2 to 6 test entities" in warnings[0]  # A's five rarest types only
    assert any("compare: [A]" in line and "oversample_threshold=0.1" in line for line in lines)
    assert not any("are noise" in line for line in report.tail_section(tail, {"source": "hub"}))


def test_examples_mark_gold_and_predicted_spans():
    example = {
        "sentence": 7,
        "tokens": ["Anna", "visited", "Paris"],
        "gold": [["PER", 0, 0], ["LOC", 2, 2]],
        "predicted": [["PER", 0, 0], ["ORG", 2, 2]],
        "focus": {"gold": ["LOC", 2, 2], "predicted": ["ORG", 2, 2]},
    }
    lines = report.examples_section(
        {"A": [{"kind": "exact", "gold": "LOC", "predicted": "ORG", "count": 3, "examples": [example]}], "B": []}
    )
    assert "**LOC → ORG** (exact, 3 in the test set)" in lines
    assert "  - gold: [Anna]<sub>PER</sub> visited **[Paris]**<sub>LOC</sub>" in lines
    assert "  - predicted: [Anna]<sub>PER</sub> visited **[Paris]**<sub>ORG</sub>" in lines
    assert "No errors." in lines


def test_trust_section_gives_intervals_and_marks_significant_differences():
    def entry(score: float, low: float, high: float) -> dict:
        return {"score": score, "interval": [low, high]}

    def scores(f1: float) -> dict:
        return {"overall": {m: entry(f1, f1 - 0.05, f1 + 0.04) for m in ("precision", "recall", "f1")}, "types": {}}

    intervals = {
        "resamples": 1000,
        "seed": 42,
        "sentences": {"A": 100, "B": 100},
        "systems": {"A": scores(0.8), "B": scores(0.97)},
        "baselines": {"A": None, "B": scores(0.9)},
        "differences": {
            "B − baseline": {"difference": 0.07, "interval": [0.03, 0.11], "significant": True},
            "B − A on B's types": {"difference": 0.01, "interval": [-0.02, 0.04], "significant": False},
        },
    }
    lines = report.trust_section(intervals)
    assert "| System A | 100 | 80.00% [75.00, 84.00] | 80.00% [75.00, 84.00] | 80.00% [75.00, 84.00] |" in lines
    assert (
        "| Baseline (B's types) | 100 | 90.00% [85.00, 94.00] | 90.00% [85.00, 94.00] | 90.00% [85.00, 94.00] |"
        in lines
    )
    assert not any(line.startswith("| Baseline (A's types)") for line in lines)
    assert "| B − baseline | +7.00 | [+3.00, +11.00] | **yes** |" in lines
    assert "| B − A on B's types | +1.00 | [-2.00, +4.00] | no |" in lines
    assert any("1,000 resamples, seed 42" in line for line in lines)


def test_int8_section_gives_both_f1_and_the_interval_of_the_difference():
    found = {
        "A": summarise({7: run_scores(0.8161), 8: run_scores(0.9)}),  # the reference run (seed 7) is int8's
        "int8_A": {"test_overall_f1": 0.7989},
        "B": scores(0.9),
        "int8_B": {"available": False, "reason": "onnx.export is false"},
    }
    intervals = {
        "differences": {"A int8 − A": {"difference": -0.0172, "interval": [-0.035, -0.002], "significant": True}}
    }
    lines = report.int8_section(["A", "B"], found, intervals)
    assert "| System A | 81.61% | 79.89% | -1.72 | [-3.50, -0.20] | **yes** |" in lines
    assert "- System B: onnx.export is false." in lines
    assert not any(line.startswith("| System B") for line in lines)


def seed_intervals(f1: dict[str, list[float]], tests: dict) -> dict:
    """An ``intervals.json`` of the seed view: per-seed F1 and its spread, each run's interval, the tests."""
    from pipeline.evaluation.seeds import headline_spread

    seeds = [1, 2, 3][: len(next(iter(f1.values())))]
    spreads = {
        name: headline_spread(
            {seed: {"precision": v, "recall": v, "f1": v} for seed, v in zip(seeds, values, strict=True)}
        )
        for name, values in f1.items()
    }
    entry = {"score": 0.9, "interval": [0.85, 0.95]}
    runs = {
        name: {str(seed): {key: entry for key in ("precision", "recall", "f1")} for seed in seeds}
        for name in f1
        if "_on_" not in name
    }
    differences = {name: {"difference": 0.05, "interval": [0.01, 0.09], "significant": True} for name in tests}
    return {"seeds": spreads, "runs": runs, "tests": tests, "differences": differences}


def test_seeds_section_gives_the_spread_each_run_and_the_aso_decision():
    aso = {
        "test": "aso",
        "epsilon_min": 0.0,
        "epsilon_min_reverse": 1.0,
        "alpha": 0.05,
        "threshold": 0.2,
        "decision": "better",
        "seeds": [3, 3],
    }
    intervals = seed_intervals(
        {"A": [0.80, 0.82, 0.84], "B": [0.90, 0.91, 0.92], "A_on_B_types": [0.85, 0.86, 0.87]},
        {"B − A on B's types": aso},
    )
    runs = {
        system: {s: run_scores(f, PER=f) for s, f in zip([1, 2, 3], v, strict=True)}
        for system, v in (("A", [0.80, 0.82, 0.84]), ("B", [0.90, 0.91, 0.92]))
    }
    text = "\n".join(report.seeds_section(["A", "B"], {s: summarise(r) for s, r in runs.items()}, intervals))
    assert "trained once per seed of `train.seeds` (1, 2, 3)" in text
    assert "| A | 3 | 82.00 ± 2.00 [80.00, 84.00] | 82.00 ± 2.00 [80.00, 84.00] | 82.00 ± 2.00 [80.00, 84.00] |" in text
    assert "| System B | 2 | 90.00% [85.00, 95.00] |" in text
    assert "| PER | 82.00 ± 2.00 [80.00, 84.00] | 91.00 ± 1.00 [90.00, 92.00] |" in text
    assert (
        "| B − A on B's types | Almost Stochastic Order (α = 0.05, τ = 0.2) | 3 vs 3 seed(s) | "
        "ε_min 0.000 (reverse 1.000): **B better** |"
    ) in text


def test_seeds_section_with_one_seed_says_the_bootstrap_judges_and_why():
    intervals = seed_intervals({"B": [0.9]}, {"B − baseline": {"test": "paired bootstrap", "seeds": [1, 1]}})
    text = "\n".join(report.seeds_section(["B"], {"B": scores(0.9)}, intervals))
    assert "Each system was trained once, with seed 1 (`train.seeds`)" in text
    assert "not on another training run" in text and "train.seeds=[1,2,3]" in text
    assert (
        "| B − baseline | paired bootstrap over test sentences | one seed on each side | **+5.00 [+1.00, +9.00]** |"
        in text
    )


def test_seen_unseen_section_reads_its_numbers():
    def group(p: float, r: float, f1: float, gold: int, predicted: int) -> dict:
        return {"precision": p, "recall": r, "f1": f1, "gold": gold, "predicted": predicted, "true_positives": 0}

    lines = report.seen_unseen_section(
        {"A": {"seen": group(0.9, 0.8, 0.85, 1200, 1100), "unseen": group(0.5, 0.4, 0.44, 30, 25), "types": {}}}
    )
    assert "| System A | seen | 1,200 | 1,100 | 90.00% | 80.00% | 85.00% |" in lines
    assert "| System A | unseen | 30 | 25 | 50.00% | 40.00% | 44.00% |" in lines


def test_audit_section_shows_the_training_languages_and_the_deduplication_used():
    audit = {
        "languages": {
            "en": {
                "train": {"rows": 262560, "distinct": 131280, "repeated": 131280, "conflicting": 3},
                "test": {"rows": 32908, "distinct": 16454, "repeated": 16454, "conflicting": 0, "in_train": 12},
            },
            "de": {"train": {"rows": 5, "distinct": 5, "repeated": 0, "conflicting": 0}},
        }
    }
    kept = report.audit_section(audit, {"languages": ["en"], "deduplicate": False, "dropped": {}})
    rows = [line.split(" | ")[1] for line in kept if line.startswith("| `en`")]
    assert rows == ["train", "test"]  # split order, not the JSON file's sorted keys
    assert "| `en` | train | 262,560 | 131,280 | 131,280 | 3 | - |" in kept
    assert "| `en` | test | 32,908 | 16,454 | 16,454 | 0 | 12 |" in kept
    assert not any("`de`" in line for line in kept) and any("is off, as in the original" in line for line in kept)
    dropped = report.audit_section(
        audit, {"languages": ["en"], "deduplicate": True, "dropped": {"train": 131280, "validation": 10, "test": 16466}}
    )
    assert any("rows dropped: train 131,280, validation 10, test 16,466" in line for line in dropped)


def test_provenance_lists_each_systems_checkpoint_selection_and_the_seeds():
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    hp = {system: declared_settings(params, system) for system in ("A", "B")}
    both = {"A": scores(0.5), "B": scores(0.5)}
    text = "\n".join(report.provenance(info(["PER"]), ModelParams.read(params), hp, both))
    assert "| keep | last | last |" in text and "| seeds | 42 | 42 |" in text
    params["systems"]["B"]["train"] = {"keep": "best", "eval_steps": 10}
    hp["B"] = declared_settings(params, "B")
    text = "\n".join(report.provenance(info(["PER"]), ModelParams.read(params), hp, both))
    assert "| keep | last | best |\n| eval_steps | 0 | 10 |\n| early_stopping_patience | 0 | 0 |" in text
