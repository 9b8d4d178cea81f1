"""Stage ``report``: regenerate ``reports/README.md`` from the files this run of the pipeline wrote.

Every number in the report is read from a metrics, scores or analysis file of the run; nothing is typed in.
Each section has its own function returning Markdown lines; :func:`render` puts them in order.
"""

from __future__ import annotations

import json
import logging
from dataclasses import fields
from pathlib import Path
from typing import Any

from pipeline.core.atomic import atomic_path
from pipeline.data.splits import load_info
from pipeline.reporting.markdown import data_source, marked_sentence, percent, scores_table, starting_model, table
from pipeline.evaluation.metrics import overall, per_type
from pipeline.core.params import ModelParams, TrainParams, read_params
from pipeline.core.paths import ERRORS_FILE, EXAMPLES_FILE, REPORT_FILE, SYSTEMS, TAIL_FILE, scores_file
from pipeline.core.stage import run_stage

logger = logging.getLogger(__name__)
FIGURES = "figures"  # relative to reports/
TAIL_TYPES = 5
"""The rarest types (fewest training entities) the long-tail section's warning counts: BIO INST VEHI MYTH CEL."""


def provenance(info: dict[str, Any], model: ModelParams, hp: dict[str, TrainParams],
               scores: dict[str, dict]) -> list[str]:
    lines = ["## Provenance", "",
             f"- Data: {data_source(info['source'])}, training languages "
             f"{', '.join(f'`{code}`' for code in info['languages'])}.",
             f"- Starting model: {starting_model(model)}.",
             "- Code, data and models: the content hashes of every input and output of this run are in `dvc.lock` "
             "of the commit that holds this report."]
    rows = [[f.name, getattr(hp["A"], f.name), getattr(hp["B"], f.name)] for f in fields(hp["A"])]
    lines += ["", *table(["Hyperparameter", "System A", "System B"], rows), "",
              f"Epochs that actually ran: A {scores['A']['epoch']}, B {scores['B']['epoch']}.", ""]
    return lines


def test_scores(system: str, types: list[str], scores: dict[str, Any]) -> list[str]:
    return [f"## System {system}: test set ({', '.join(types)})", "",
            *scores_table(per_type(scores), overall(scores, "test_")), ""]


def comparison(a_vs_b: dict[str, Any], b_types: list[str]) -> list[str]:
    """System A restricted to System B's types beside System B, per type and overall."""
    a, b = a_vs_b["A_on_B_types"], a_vs_b["B"]
    rows = []
    for entity_type in sorted(set(per_type(a, "")) | set(per_type(b, ""))):
        fa, fb = a.get(entity_type, {}).get("f1", 0.0), b.get(entity_type, {}).get("f1", 0.0)
        number = b.get(entity_type, a.get(entity_type, {})).get("number", 0)
        rows.append([entity_type, f"{number:,}", percent(fa), percent(fb), f"{100 * (fb - fa):+.2f}"])
    fa, fb = a["overall_f1"], b["overall_f1"]
    rows.append(["**Overall**", "-", f"**{percent(fa)}**", f"**{percent(fb)}**", f"**{100 * (fb - fa):+.2f}**"])
    return ["## System A vs System B on the same types", "",
            f"System A's test predictions with every type outside {', '.join(b_types)} mapped to `O` (in gold and "
            "predictions), beside System B on the same gold data.", "",
            *table(["Category", "Number", "A F1", "B F1", "B − A"], rows, "lrrrr"), ""]


def baseline(system: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The starting checkpoint's per-type F1 beside the fine-tuned system's, or why there is none."""
    if not before.get("available"):
        return [f"- System {system}: {before['reason']}.", ""]
    was, now = per_type(before), per_type(after)
    rows = []
    for entity_type in sorted(set(was) | set(now)):
        fb, fa = was.get(entity_type, {}).get("f1", 0.0), now.get(entity_type, {}).get("f1", 0.0)
        rows.append([entity_type, percent(fb), percent(fa), f"{100 * (fa - fb):+.2f}"])
    fb, fa = before["test_overall_f1"], after["test_overall_f1"]
    rows.append(["**Overall**", f"**{percent(fb)}**", f"**{percent(fa)}**", f"**{100 * (fa - fb):+.2f}**"])
    return [f"System {system}, `{before['model']}` before fine-tuning vs after:", "",
            *table(["Category", "Before F1", "After F1", "Gain"], rows, "lrrr"), ""]


def signed(points: float) -> str:
    """A difference of two ratios in percentage points, signed: ``+1.25``."""
    return f"{100 * points:+.2f}"


def languages_section(by_system: dict[str, dict[str, Any]], training_languages: list[str]) -> list[str]:
    """Language × {baseline, system} overall test F1 with the change from the baseline, and the figure.

    ``by_system`` holds each system's ``languages_<system>`` scores file. A baseline without scores (a plain
    encoder) shows ``n/a`` and no change.
    """
    systems = list(by_system)
    languages = list(by_system[systems[0]]["system"])
    header, rows = ["Language", "Sentences"], []
    for system in systems:
        header += [f"Baseline ({system}'s types)", f"System {system}", "Change"]
    for language in languages:
        row = [f"`{language}`" + (" (trained)" if language in training_languages else ""),
               by_system[systems[0]]["sentences"][language]]
        for system in systems:
            scores = by_system[system]
            after = scores["system"][language]["test_overall_f1"]
            start = scores["baseline"]
            before = None if start.get("available") is False else start[language]["test_overall_f1"]
            row += ["n/a" if before is None else percent(before), percent(after),
                    "n/a" if before is None else signed(after - before)]
        rows.append(row)
    unavailable = [system for system in systems if by_system[system]["baseline"].get("available") is False]
    note = ([f"No baseline: {by_system[unavailable[0]]['baseline']['reason']}; the real run's mBERT SpanMarker "
             "checkpoint, trained on all ten languages, fills these columns.", ""] if unavailable else [])
    return ["## Languages", "",
            "Overall entity-level test F1 of the starting checkpoint (restricted to each system's types) and of each "
            f"fine-tuned system on the test split of every evaluation language; the systems were trained on "
            f"{', '.join(f'`{code}`' for code in training_languages)}. Change: system − baseline, in points.", "",
            *table(header, rows, "lr" + "rrr" * len(systems)), "", *note,
            f"![Test F1 per language]({FIGURES}/language_f1.png)", ""]


def tail_section(tail: dict[str, Any], source: dict[str, Any]) -> list[str]:
    """Per-type recall and F1 against training frequency; beside the reference run's when it ran with other
    oversampling settings (the tail types' gain and the head types' cost), else how to run that comparison."""
    system, reference, rows = tail["system"], tail["reference"], []
    mine = tail["oversampling"]
    setting = (f"oversampling threshold {mine['threshold']:g}, cap {mine['cap']}" if mine["threshold"] > 0
               else "no oversampling")
    ordered = sorted(tail["types"].items(), key=lambda item: (-item[1]["train_entities"], item[0]))
    for entity_type, row in ordered:  # most training entities first (JSON files keep keys sorted by name)
        cells = [entity_type, f"{row['train_entities']:,}", f"{row['repeat_factor']:.2f}", f"{row['test_entities']:,}"]
        if reference is None:
            cells += [percent(row["recall"]), percent(row["f1"])]
        else:
            was = row["reference"]
            cells += [percent(was["recall"]), percent(row["recall"]), signed(row["recall"] - was["recall"]),
                      percent(was["f1"]), percent(row["f1"]), signed(row["f1"] - was["f1"])]
        rows.append(cells)
    lines = ["## The long tail", "",
             f"System {system} ({setting}), one row per type, most training entities first. *Repeat* is the "
             "type's oversampling factor `max(1, sqrt(threshold / share of training sentences))` for the threshold "
             "of this run (a sentence is repeated by its types' largest factor, rounded, capped); *Test* is the "
             "number of gold test entities each score rests on.", ""]
    if reference is None:
        lines += [*table(["Type", "Train entities", "Repeat", "Test", "Recall", "F1"], rows, "lrrrrr"), "",
                  "To measure oversampling against this run, commit it and run, e.g., "
                  f"`dvc exp run -S '+systems.{system}.train.oversample_threshold=0.1'`: that run's report puts "
                  "its scores beside the committed ones, type by type.", ""]
    else:
        was = reference["oversampling"]
        before = (f"threshold {was['threshold']:g}, cap {was['cap']}" if was["threshold"] > 0 else "no oversampling")
        lines += [f"Beside the committed reference run (git `HEAD`, {before}): overall F1 "
                  f"{percent(reference['overall_f1'])} then, {percent(tail['overall_f1'])} now.", "",
                  *table(["Type", "Train entities", "Repeat", "Test", "Recall before", "Recall now", "Change",
                          "F1 before", "F1 now", "Change"], rows, "lrrrrrrrrr"), ""]
    tail_tests = [row["test_entities"] for _, row in ordered[-TAIL_TYPES:]]
    if source.get("source") == "sample" and tail_tests:
        low, high = min(tail_tests), max(tail_tests)
        swing = f"{100 / max(high, 1):.0f} to {100 / max(low, 1):.0f}" if low != high else f"{100 / max(low, 1):.0f}"
        lines += [f"On the embedded sample these per-type numbers are noise: the {len(tail_tests)} rarest types "
                  f"have {low} to {high} test entities each (column *Test*), so one entity more or less found moves "
                  f"their recall by {swing} points.", ""]
    return lines + [f"![Long tail]({FIGURES}/long_tail_f1.png)", ""]


def examples_section(examples: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The first test sentences of each system's most frequent confusions, gold and predicted spans marked."""
    lines = ["## Examples of the most frequent errors", "",
             "For each system's most frequent confusions, the first test sentences (in test order) where each "
             "occurs: entities are `[bracketed]` with their type below, the confused pair in bold.", ""]
    for system, rows in examples.items():
        lines += [f"### System {system}", ""]
        if not rows:
            lines += ["No errors.", ""]
        for row in rows:
            lines += [f"**{row['gold']} → {row['predicted']}** ({row['kind']}, {row['count']} in the test set)", ""]
            for example in row["examples"]:
                focus = example["focus"]
                lines += [f"- Sentence {example['sentence']}",
                          f"  - gold: {marked_sentence(example['tokens'], example['gold'], focus['gold'])}",
                          "  - predicted: "
                          f"{marked_sentence(example['tokens'], example['predicted'], focus['predicted'])}"]
            lines.append("")
    return lines


def errors_section(errors: dict[str, Any]) -> list[str]:
    lines = ["## Errors", "",
             "Span-level matching of gold and predicted entities: *exact* spans with a different type are type "
             "errors; overlapping spans with other boundaries are boundary errors; gold entities with no "
             "overlapping prediction are *missed*, predictions with no gold entity are *spurious* (`O`).", ""]
    for system in SYSTEMS:
        summary, top = errors[system]["summary"], errors[system]["top"]
        lines += [f"### System {system}", "", *table(list(summary), [list(summary.values())], "r" * len(summary)),
                  "", "Most frequent errors:", "",
                  *table(["Gold", "Predicted", "Kind", "Count"],
                         [[row["gold"], row["predicted"], row["kind"], row["count"]] for row in top], "lllr"),
                  "", f"![Confusion of System {system}]({FIGURES}/confusion_{system}.png)", ""]
    return lines


def figures() -> list[str]:
    lines = ["## Figures", "",
             f"- Training curves: ![Training curves]({FIGURES}/training_curves.png)",
             f"- Per-type test F1, A beside B: ![Per-type F1]({FIGURES}/per_type_f1.png)",
             f"- Per-type F1 against training frequency (the long tail): ![Long tail]({FIGURES}/long_tail_f1.png)",
             f"- Overall test F1 per language: ![Languages]({FIGURES}/language_f1.png)"]
    return lines + [f"- Label distribution, {split}: ![{split}]({FIGURES}/label_distribution_{split}.png)"
                    for split in ("train", "validation", "test")]


def render(info: dict[str, dict], model: ModelParams, hp: dict[str, TrainParams], scores: dict[str, dict],
           errors: dict[str, Any], examples: dict[str, list[dict[str, Any]]] | None = None) -> str:
    """The whole report. ``info``, ``hp`` and ``scores`` are keyed by system (``scores`` also by
    ``baseline_<system>``, ``A_vs_B``, ``languages_<system>`` and ``tail``, the last three optional);
    ``examples`` is the analyze stage's ``examples.json``."""
    lines = ["# MultiNERD × SpanMarker: results of the last `dvc repro`", "",
             "Generated by `pipeline/stages/report.py`; every number below was computed by this run.", "",
             *provenance(info["A"], model, hp, scores)]
    for system in SYSTEMS:
        lines += test_scores(system, info[system]["types"], scores[system])
    lines += comparison(scores["A_vs_B"], info["B"]["types"])
    lines += ["## Before and after fine-tuning", ""]
    for system in SYSTEMS:
        lines += baseline(system, scores[f"baseline_{system}"], scores[system])
    if all(f"languages_{system}" in scores for system in SYSTEMS):
        lines += languages_section({system: scores[f"languages_{system}"] for system in SYSTEMS},
                                   info["A"]["languages"])
    if "tail" in scores:
        lines += tail_section(scores["tail"], info["A"]["source"])
    lines += errors_section(errors)
    if examples is not None:
        lines += examples_section(examples)
    return "\n".join([*lines, *figures()]) + "\n"


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def main() -> None:
    params = read_params()
    names = [*SYSTEMS, *(f"baseline_{system}" for system in SYSTEMS), "A_vs_B",
             *(f"languages_{system}" for system in SYSTEMS)]
    scores = {name: read_json(scores_file(name)) for name in names} | {"tail": read_json(TAIL_FILE)}
    text = render({system: load_info(system) for system in SYSTEMS}, ModelParams.read(params),
                  {system: TrainParams.read(params, system) for system in SYSTEMS}, scores, read_json(ERRORS_FILE),
                  read_json(EXAMPLES_FILE))
    with atomic_path(REPORT_FILE) as tmp:
        tmp.write_text(text, encoding="utf-8")
    logger.info("wrote %s", REPORT_FILE)


if __name__ == "__main__":
    run_stage(main)
