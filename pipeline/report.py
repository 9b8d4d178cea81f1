"""Stage ``report``: regenerate ``reports/README.md`` from the files this run of the pipeline wrote.

Every number in the report is read from a metrics or analysis file of the run; nothing is typed in.
"""

from __future__ import annotations

import json
import logging
import subprocess
from pathlib import Path
from typing import Any

import yaml

from pipeline.atomic import atomic_path
from pipeline.evaluate import METRICS_DIR
from pipeline.metrics import per_type
from pipeline.params import SYSTEMS, load_params, train_params
from pipeline.stage import run_stage

logger = logging.getLogger(__name__)
REPORT = Path("reports/README.md")
ERRORS_FILE = Path("reports/errors/summary.json")
A_VS_B_FILE = METRICS_DIR / "A_vs_B.json"
FIGURES = "figures"  # relative to reports/
INPUTS = ("pipeline", "dvc.yaml", "params.yaml", "data/sample", "requirements.txt")
"""What decides a run's results; changes to them since the commit are flagged in the report."""


def percent(value: float) -> str:
    return f"{100 * value:.2f}%"


def scores_table(metrics: dict[str, Any], prefix: str = "test_") -> list[str]:
    """A per-type table in the layout of the original project's result tables, plus the overall row."""
    lines = ["| Category | Number | Precision | Recall | F1 Score |", "|---|---:|---:|---:|---:|"]
    for entity_type, score in sorted(per_type(metrics, prefix).items()):
        lines.append(f"| {entity_type} | {score['number']:,} | {percent(score['precision'])} | "
                     f"{percent(score['recall'])} | {percent(score['f1'])} |")
    lines.append(f"| **Overall** | - | **{percent(metrics[prefix + 'overall_precision'])}** | "
                 f"**{percent(metrics[prefix + 'overall_recall'])}** | **{percent(metrics[prefix + 'overall_f1'])}** |")
    return lines


def comparison_table(a_vs_b: dict[str, Any]) -> list[str]:
    """System A restricted to System B's types beside System B, per type and overall."""
    a, b = a_vs_b["A_on_B_types"], a_vs_b["B"]
    lines = ["| Category | Number | A F1 | B F1 | B − A |", "|---|---:|---:|---:|---:|"]
    for entity_type in sorted(set(per_type(a, "")) | set(per_type(b, ""))):
        fa, fb = a.get(entity_type, {}).get("f1", 0.0), b.get(entity_type, {}).get("f1", 0.0)
        number = b.get(entity_type, a.get(entity_type, {})).get("number", 0)
        lines.append(f"| {entity_type} | {number:,} | {percent(fa)} | {percent(fb)} | {100 * (fb - fa):+.2f} |")
    fa, fb = a["overall_f1"], b["overall_f1"]
    lines.append(f"| **Overall** | - | **{percent(fa)}** | **{percent(fb)}** | **{100 * (fb - fa):+.2f}** |")
    return lines


def baseline_section(system: str, baseline: dict[str, Any], tuned: dict[str, Any]) -> list[str]:
    if not baseline.get("available"):
        return [f"- System {system}: {baseline['reason']}."]
    lines = [f"System {system}, `{baseline['model']}` before fine-tuning vs after:", "",
             "| Category | Before F1 | After F1 | Gain |", "|---|---:|---:|---:|"]
    before, after = per_type(baseline), per_type(tuned)
    for entity_type in sorted(set(before) | set(after)):
        fb, fa = before.get(entity_type, {}).get("f1", 0.0), after.get(entity_type, {}).get("f1", 0.0)
        lines.append(f"| {entity_type} | {percent(fb)} | {percent(fa)} | {100 * (fa - fb):+.2f} |")
    fb, fa = baseline["test_overall_f1"], tuned["test_overall_f1"]
    lines.append(f"| **Overall** | **{percent(fb)}** | **{percent(fa)}** | **{100 * (fa - fb):+.2f}** |")
    return lines + [""]


def confusion_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| Gold | Predicted | Kind | Count |", "|---|---|---|---:|"]
    lines += [f"| {row['gold']} | {row['predicted']} | {row['kind']} | {row['count']} |" for row in rows]
    return lines


def revision() -> str:
    """The git commit the run started from, marked when code, parameters or sample data had changed."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", *INPUTS], capture_output=True, text=True,
                               check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"`{commit}`" + (" with uncommitted changes" if dirty else "")


def output_hashes(lock_path: Path = Path("dvc.lock")) -> dict[str, str]:
    """DVC content hashes of the models and predictions this run produced, from ``dvc.lock``."""
    if not lock_path.is_file():
        return {}
    lock = yaml.safe_load(lock_path.read_text(encoding="utf-8")) or {}
    hashes = {}
    for stage in lock.get("stages", {}).values():
        for out in stage.get("outs", []):
            if out["path"].startswith(("models/", "data/prepared/")):
                hashes[out["path"]] = out.get("md5", "?")
    return hashes


def render(params: dict[str, Any], metrics: dict[str, dict], baselines: dict[str, dict], a_vs_b: dict[str, Any],
           errors: dict[str, Any], git_revision: str, hashes: dict[str, str]) -> str:
    download, model = params["download"], params["model"]
    source = {"hub": f"`{download['hub_name']}` at revision `{download['hub_revision']}` (Hugging Face Hub)",
              "local": f"a local copy in `{download['local_path']}`",
              "sample": f"the embedded sample in `{download['sample_path']}` (synthetic, not MultiNERD)"}
    lines = ["# MultiNERD × SpanMarker: results of the last `dvc repro`", "",
             "Generated by `pipeline/report.py`; every number below was computed by this run.", "",
             "## Provenance", "",
             f"- Data: {source[download['source']]}, language `{params['prepare']['language']}`.",
             f"- Starting model: `{model['name']}`" + (f" at revision `{model['revision']}`" if model.get("revision")
                                                      else "") + f"; max sequence length {model['model_max_length']}"
             f" tokens, max entity length {model['entity_max_length']} words, marker max length "
             f"{model['marker_max_length']}.",
             f"- Code: git commit {git_revision}."]
    lines += [f"- `{path}`: DVC md5 `{md5}`" for path, md5 in sorted(hashes.items())]
    lines += ["", "| Hyperparameter | System A | System B |", "|---|---|---|"]
    hp = {system: train_params(params, system) for system in SYSTEMS}
    lines += [f"| {key} | {hp['A'][key]} | {hp['B'][key]} |" for key in hp["A"]]
    lines += ["", f"Epochs that actually ran: A {metrics['A']['epoch']}, B {metrics['B']['epoch']}.", ""]
    for system in SYSTEMS:
        lines += [f"## System {system}: test set ({', '.join(params['systems'][system]['types'])})", ""]
        lines += scores_table(metrics[system]) + [""]
    lines += ["## System A vs System B on the same five types", "",
              f"System A's test predictions with every type outside {', '.join(params['systems']['B']['types'])} "
              "mapped to `O` (in gold and predictions), beside System B on the same gold data.", ""]
    lines += comparison_table(a_vs_b) + [""]
    lines += ["## Before and after fine-tuning", ""]
    for system in SYSTEMS:
        lines += baseline_section(system, baselines[system], metrics[system])
    lines += ["", "## Errors", "",
              "Span-level matching of gold and predicted entities: *exact* spans with a different type are type "
              "errors; overlapping spans with other boundaries are boundary errors; gold entities with no "
              "overlapping prediction are *missed*, predictions with no gold entity are *spurious* (`O`).", ""]
    for system in SYSTEMS:
        summary = errors[system]["summary"]
        lines += [f"### System {system}", "",
                  "| " + " | ".join(summary) + " |", "|" + "---:|" * len(summary),
                  "| " + " | ".join(str(value) for value in summary.values()) + " |", "",
                  "Most frequent errors:", ""]
        lines += confusion_table(errors[system]["top"]) + ["",
                  f"![Confusion of System {system}]({FIGURES}/confusion_{system}.png)", ""]
    lines += ["## Figures", "",
              f"- Training curves: ![Training curves]({FIGURES}/training_curves.png)",
              f"- Per-type test F1, A beside B: ![Per-type F1]({FIGURES}/per_type_f1.png)",
              f"- Per-type F1 against training frequency (the long tail): ![Long tail]({FIGURES}/long_tail_f1.png)"]
    lines += [f"- Label distribution, {split}: ![{split}]({FIGURES}/label_distribution_{split}.png)"
              for split in ("train", "validation", "test")]
    return "\n".join(lines) + "\n"


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def main() -> None:
    params = load_params()
    metrics = {system: read_json(METRICS_DIR / f"{system}.json") for system in SYSTEMS}
    baselines = {system: read_json(METRICS_DIR / f"baseline_{system}.json") for system in SYSTEMS}
    text = render(params, metrics, baselines, read_json(A_VS_B_FILE), read_json(ERRORS_FILE), revision(),
                  output_hashes())
    with atomic_path(REPORT) as tmp:
        tmp.write_text(text, encoding="utf-8")
    logger.info("wrote %s", REPORT)


if __name__ == "__main__":
    run_stage(main)
