"""The report's sections hold the numbers of the files they are given, in the original project's table layout."""

from pathlib import Path

import yaml

from pipeline.stages import report
from pipeline.data.labels import labels_for_types
from pipeline.core.params import ModelParams, TrainParams

REPO_ROOT = Path(__file__).resolve().parents[1]


def scores(f1: float, **types: float) -> dict:
    per_type = {f"test_{name}": {"precision": value, "recall": value, "f1": value, "number": 10}
                for name, value in types.items()}
    return {**per_type, "test_overall_precision": f1, "test_overall_recall": f1, "test_overall_f1": f1,
            "test_overall_accuracy": 0.9, "epoch": 2.0}


def info(types: list[str]) -> dict:
    labels = labels_for_types(types)
    return {"labels": labels, "types": types, "languages": ["en"], "source": {"source": "sample"}}


def test_render_reads_every_number_from_its_inputs():
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    b_scores = scores(0.8, PER=0.9, LOC=0.7)
    a_vs_b = {"A_on_B_types": {"PER": {"precision": 0.5, "recall": 0.5, "f1": 0.5, "number": 10},
                               "overall_precision": 0.5, "overall_recall": 0.5, "overall_f1": 0.5,
                               "overall_accuracy": 0.9},
              "B": {"PER": {"precision": 0.9, "recall": 0.9, "f1": 0.9, "number": 10},
                    "overall_precision": 0.9, "overall_recall": 0.9, "overall_f1": 0.9, "overall_accuracy": 0.9}}
    baseline = {"available": False, "reason": "model.name 'x' is a plain encoder"}
    summary = {"gold_entities": 20, "predicted_entities": 18, "correct": 15}
    errors = {system: {"summary": summary, "top": [{"gold": "LOC", "predicted": "ORG", "kind": "exact", "count": 3}]}
              for system in ("A", "B")}
    text = report.render({"A": info(["PER", "LOC", "FOOD"]), "B": info(["PER", "LOC"])}, ModelParams.read(params),
                         {system: TrainParams.read(params, system) for system in ("A", "B")},
                         {"A": scores(0.6, PER=0.8, FOOD=0.2), "B": b_scores, "baseline_A": baseline,
                          "baseline_B": baseline, "A_vs_B": a_vs_b},
                         errors)
    assert "| PER | 10 | 90.00% | 90.00% | 90.00% |" in text  # B's per-type row
    assert "| **Overall** | - | **80.00%** | **80.00%** | **80.00%** |" in text
    assert "| FOOD | 10 | 20.00% | 20.00% | 20.00% |" in text  # A's tail type
    assert "| PER | 10 | 50.00% | 90.00% | +40.00 |" in text  # A on B's types vs B
    assert "| learning_rate | 0.0003 | 0.0003 |" in text and "BLOCK" not in text
    assert "Epochs that actually ran: A 2.0, B 2.0." in text
    assert "- System A: model.name 'x' is a plain encoder." in text
    assert "| 20 | 18 | 15 |" in text and "| LOC | ORG | exact | 3 |" in text
    assert "the embedded synthetic sample" in text and "`dvc.lock`" in text


def test_baseline_section_compares_before_and_after():
    before = {**scores(0.5, PER=0.4), "available": True, "model": "span-marker-x"}
    lines = report.baseline("B", before, scores(0.7, PER=0.9))
    assert "System B, `span-marker-x` before fine-tuning vs after:" in lines
    assert "| PER | 40.00% | 90.00% | +50.00 |" in lines
    assert "| **Overall** | **50.00%** | **70.00%** | **+20.00** |" in lines


def test_languages_table_shows_each_language_with_the_change_from_the_baseline():
    def languages(trained: dict, before: dict | None) -> dict:
        baseline = ({"available": False, "reason": "model.name 'x' is a plain encoder"} if before is None
                    else {lang: scores(f1) for lang, f1 in before.items()})
        return {"system": {lang: scores(f1) for lang, f1 in trained.items()}, "baseline": baseline,
                "sentences": {lang: 24 for lang in trained}}

    lines = report.languages_section({"A": languages({"de": 0.3, "en": 0.9}, {"de": 0.5, "en": 0.8}),
                                      "B": languages({"de": 0.4, "en": 0.95}, None)}, ["en"])
    assert "| `de` | 24 | 50.00% | 30.00% | -20.00 | n/a | 40.00% | n/a |" in lines
    assert "| `en` (trained) | 24 | 80.00% | 90.00% | +10.00 | n/a | 95.00% | n/a |" in lines
    assert any(line.startswith("No baseline: model.name 'x' is a plain encoder") for line in lines)


def tail_row(train: int, test: int, f1: float, reference: float | None = None) -> dict:
    row = {"train_entities": train, "train_sentences": train, "repeat_factor": 1.0 if train > 50 else 3.0,
           "test_entities": test, "precision": f1, "recall": f1, "f1": f1}
    if reference is not None:
        row["reference"] = {"precision": reference, "recall": reference, "f1": reference}
    return row


def test_tail_section_compares_with_the_reference_and_warns_about_the_sample():
    tail = {"system": "A", "oversampling": {"threshold": 0.1, "cap": 4}, "overall_f1": 0.7,
            "reference": {"oversampling": {"threshold": 0.0, "cap": 1}, "overall_f1": 0.72},
            "types": {"BIO": tail_row(4, 2, 0.5, 0.0), "LOC": tail_row(500, 57, 0.9, 0.92)}}  # as JSON: by name
    lines = report.tail_section(tail, {"source": "sample"})
    assert [line.split(" | ")[0] for line in lines if line.startswith(("| LOC", "| BIO"))] == ["| LOC", "| BIO"]
    assert "| LOC | 500 | 1.00 | 57 | 92.00% | 90.00% | -2.00 | 92.00% | 90.00% | -2.00 |" in lines
    assert "| BIO | 4 | 3.00 | 2 | 0.00% | 50.00% | +50.00 | 0.00% | 50.00% | +50.00 |" in lines
    assert any("no oversampling): overall F1 72.00% then, 70.00% now" in line for line in lines)
    assert any("are noise" in line for line in lines)
    alone = report.tail_section({**tail, "reference": None, "oversampling": {"threshold": 0.0, "cap": 1},
                                 "types": {"BIO": tail_row(4, 2, 0.5)}}, {"source": "hub"})
    assert "| BIO | 4 | 3.00 | 2 | 50.00% | 50.00% |" in alone
    assert not any("are noise" in line for line in alone)
    assert any("oversample_threshold=0.1" in line for line in alone)


def test_examples_mark_gold_and_predicted_spans():
    example = {"sentence": 7, "tokens": ["Anna", "visited", "Paris"], "gold": [["PER", 0, 0], ["LOC", 2, 2]],
               "predicted": [["PER", 0, 0], ["ORG", 2, 2]],
               "focus": {"gold": ["LOC", 2, 2], "predicted": ["ORG", 2, 2]}}
    lines = report.examples_section({"A": [{"kind": "exact", "gold": "LOC", "predicted": "ORG", "count": 3,
                                            "examples": [example]}], "B": []})
    assert "**LOC → ORG** (exact, 3 in the test set)" in lines
    assert "  - gold: [Anna]<sub>PER</sub> visited **[Paris]**<sub>LOC</sub>" in lines
    assert "  - predicted: [Anna]<sub>PER</sub> visited **[Paris]**<sub>ORG</sub>" in lines
    assert "No errors." in lines
