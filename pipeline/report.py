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

from pipeline.atomic import atomic_path
from pipeline.data import load_info
from pipeline.markdown import data_source, percent, scores_table, starting_model, table
from pipeline.metrics import overall, per_type
from pipeline.params import ModelParams, TrainParams, read_params
from pipeline.paths import ERRORS_FILE, REPORT_FILE, SYSTEMS, scores_file
from pipeline.stage import run_stage

logger = logging.getLogger(__name__)
FIGURES = "figures"  # relative to reports/


def provenance(info: dict[str, Any], model: ModelParams, hp: dict[str, TrainParams],
               scores: dict[str, dict]) -> list[str]:
    lines = ["## Provenance", "",
             f"- Data: {data_source(info['source'])}, language `{info['language']}`.",
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
             f"- Per-type F1 against training frequency (the long tail): ![Long tail]({FIGURES}/long_tail_f1.png)"]
    return lines + [f"- Label distribution, {split}: ![{split}]({FIGURES}/label_distribution_{split}.png)"
                    for split in ("train", "validation", "test")]


def render(info: dict[str, dict], model: ModelParams, hp: dict[str, TrainParams], scores: dict[str, dict],
           errors: dict[str, Any]) -> str:
    """The whole report. ``info``, ``hp`` and ``scores`` are keyed by system (``scores`` also by
    ``baseline_<system>`` and ``A_vs_B``)."""
    lines = ["# MultiNERD × SpanMarker: results of the last `dvc repro`", "",
             "Generated by `pipeline/report.py`; every number below was computed by this run.", "",
             *provenance(info["A"], model, hp, scores)]
    for system in SYSTEMS:
        lines += test_scores(system, info[system]["types"], scores[system])
    lines += comparison(scores["A_vs_B"], info["B"]["types"])
    lines += ["## Before and after fine-tuning", ""]
    for system in SYSTEMS:
        lines += baseline(system, scores[f"baseline_{system}"], scores[system])
    return "\n".join([*lines, *errors_section(errors), *figures()]) + "\n"


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def main() -> None:
    params = read_params()
    names = [*SYSTEMS, *(f"baseline_{system}" for system in SYSTEMS), "A_vs_B"]
    text = render({system: load_info(system) for system in SYSTEMS}, ModelParams.read(params),
                  {system: TrainParams.read(params, system) for system in SYSTEMS},
                  {name: read_json(scores_file(name)) for name in names}, read_json(ERRORS_FILE))
    with atomic_path(REPORT_FILE) as tmp:
        tmp.write_text(text, encoding="utf-8")
    logger.info("wrote %s", REPORT_FILE)


if __name__ == "__main__":
    run_stage(main)
