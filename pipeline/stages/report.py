"""Stage ``report``: regenerate ``reports/README.md`` from the files this run of the pipeline wrote.

Every number in the report is read from a metrics, scores or analysis file of the run; nothing is typed in.
Each section has its own function returning Markdown lines; :func:`render` puts them in order.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from pipeline.core.atomic import atomic_path
from pipeline.core.params import PUBLISHED_F1, ModelParams, TrainParams, read_params, system_names
from pipeline.core.paths import (
    AUDIT_FILE,
    COMPARISONS_FILE,
    ERRORS_FILE,
    EXAMPLES_FILE,
    INTERVALS_FILE,
    REPORT_FILE,
    SEEN_UNSEEN_FILE,
    SPLITS,
    TAIL_FILE,
)
from pipeline.core.stage import no_arguments, run_stage
from pipeline.data.splits import load_info, training_settings
from pipeline.evaluation import results
from pipeline.model.model_card import data_source, percent, starting_model, table
from pipeline.reporting.markdown import marked_sentence, scores_table
from pipeline.reporting.published import MBERT_LANGUAGE_F1
from pipeline.tagging.metrics import HEADLINE_KEYS, overall, per_type

logger = logging.getLogger(__name__)
FIGURES = "figures"  # relative to reports/
TAIL_TYPES = 5
"""The rarest types (fewest training entities) the long-tail section's warning counts: BIO INST VEHI MYTH CEL."""


def provenance(
    info: dict[str, Any], model: ModelParams, hp: dict[str, TrainParams], scores: dict[str, dict]
) -> list[str]:
    """Data, starting model and each system's hyperparameters (one column per system of ``hp``)."""
    systems = list(hp)
    lines = [
        "## Provenance",
        "",
        f"- Data: {data_source(info['source'])}, training languages "
        f"{', '.join(f'`{code}`' for code in info['languages'])}.",
        f"- Starting model: {starting_model(model)}.",
        "- Code, data and models: the content hashes of every input and output of this run are in `dvc.lock` "
        "of the commit that holds this report.",
    ]
    rows = [[name, *(setting(getattr(hp[system], name)) for system in systems)] for name in TrainParams.model_fields]
    ran = ", ".join(f"{system} {scores[system]['epoch']}" for system in systems)
    lines += [
        "",
        *table(["Hyperparameter", *(f"System {system}" for system in systems)], rows),
        "",
        f"Epochs that actually ran: {ran}.",
        "",
    ]
    return lines


def setting(value: Any) -> Any:
    """A hyperparameter's value for a table: a list (``seeds``) as its items joined by commas."""
    return ", ".join(str(item) for item in value) if isinstance(value, tuple) else value


def test_scores(system: str, types: list[str], scores: dict[str, Any]) -> list[str]:
    seeds = scores["seeds"]["seeds"]
    over = [f"Means over the {len(seeds)} training seeds; their spread: *Training seeds* below.", ""]
    return [
        f"## System {system}: test set ({', '.join(types)})",
        "",
        *(over if len(seeds) > 1 else []),
        *scores_table(per_type(scores), overall(scores, "test_")),
        "",
    ]


def reference_f1(scores: dict[str, Any]) -> float:
    """A system's test F1 in its reference run (the first seed), from its scores file."""
    runs = scores["seeds"]
    return runs["runs"][str(runs["seeds"][0])]["f1"]


def mean_std(entry: dict[str, Any]) -> str:
    """A spread over seeds in percent: ``80.35 ± 1.20 [78.90, 81.60]`` (``± n/a`` for one seed)."""
    std = "n/a" if entry["std"] is None else f"{100 * entry['std']:.2f}"
    return f"{100 * entry['mean']:.2f} ± {std} [{100 * entry['min']:.2f}, {100 * entry['max']:.2f}]"


def test_verdict(name: str, test: dict[str, Any], difference: dict[str, Any]) -> list[str]:
    """One row of the tests table: the difference, the test that judges it, why, and its outcome."""
    if test["test"] == "paired bootstrap":
        return [name, "paired bootstrap over test sentences", "one seed on each side", signed_interval(difference)]
    winner, loser = name.split(" − ")[0], name.split(" − ")[1].split(" on ")[0]
    outcome = {
        "better": f"{winner} better",
        "worse": f"{loser} better",
        "undecided": "no decision",
    }[test["decision"]]
    return [
        name,
        f"Almost Stochastic Order (α = {test['alpha']}, τ = {test['threshold']})",
        f"{test['seeds'][0]} vs {test['seeds'][1]} seed(s)",
        f"ε_min {test['epsilon_min']:.3f} (reverse {test['epsilon_min_reverse']:.3f}): **{outcome}**",
    ]


def seeds_section(systems: list[str], scores: dict[str, dict], intervals: dict[str, Any]) -> list[str]:
    """The spread of every system's test scores over its training seeds (mean ± sample standard deviation, min,
    max), each run's scores with its bootstrap intervals, per-type F1 over seeds, and which test judges each
    difference and why (:mod:`pipeline.evaluation.stochastic_order`)."""
    seeds = intervals["seeds"][systems[0]]["seeds"]
    listed = ", ".join(str(seed) for seed in seeds)
    lines = ["## Training seeds", ""]
    if len(seeds) == 1:
        lines += [
            f"Each system was trained once, with seed {listed} (`train.seeds`). The intervals above resample the "
            "test sentences: they say how far a score would move on another test set, not on another training run, "
            "which for a fine-tuned transformer often moves test F1 by more (Reimers and Gurevych, EMNLP 2017). "
            "Train several seeds (`dvc exp run -S 'train.seeds=[1,2,3]'`) for the spread over seeds, and "
            "differences judged by Almost Stochastic Order over them.",
            "",
        ]
    else:
        spread_rows = [
            [name, str(len(seeds)), *(mean_std(intervals["seeds"][name][key]) for key in HEADLINE_KEYS)]
            for name in intervals["seeds"]
        ]
        run_rows = [
            [
                f"System {system}",
                str(seed),
                *(with_interval(intervals["runs"][system][str(seed)][key]) for key in HEADLINE_KEYS),
            ]
            for system in systems
            for seed in seeds
        ]
        types = sorted({t for system in systems for t in scores[system]["seeds"]["types"]})
        type_rows = [
            [
                t,
                *(
                    mean_std(scores[s]["seeds"]["types"][t]["f1"]) if t in scores[s]["seeds"]["types"] else ""
                    for s in systems
                ),
            ]
            for t in types
        ]
        lines += [
            f"Each system was trained once per seed of `train.seeds` ({listed}); every score above is the mean over "
            "them. Mean ± sample standard deviation (n − 1) [min, max] over seeds, in percent (a comparison's row is "
            "the other system's scores on the shared types):",
            "",
            *table(["Scored", "Seeds", "Precision", "Recall", "F1"], spread_rows, "lrrrr"),
            "",
            "Each run, with the 95% bootstrap intervals over test sentences of its scores:",
            "",
            *table(["System", "Seed", "Precision [95% CI]", "Recall [95% CI]", "F1 [95% CI]"], run_rows, "lrrrr"),
            "",
            "Per-type test F1 over seeds:",
            "",
            *table(["Type", *(f"System {s} F1" for s in systems)], type_rows, "l" + "r" * len(systems)),
            "",
        ]
    tests = [
        test_verdict(name, intervals["tests"][name], difference)
        for name, difference in intervals["differences"].items()
        if name in intervals["tests"]
    ]
    if tests:
        lines += [
            "Which test judges each difference: with one seed a side, the paired bootstrap over test sentences "
            "(significant when its 95% interval excludes 0); with several seeds on either side, Almost Stochastic "
            "Order over the per-seed F1 (Dror et al., ACL 2019; the `deepsig` package), which says whether one "
            "side's scores over seeds are better than the other's: ε_min below τ decides for the first side, the "
            "reverse ε_min below τ for the second.",
            "",
            *table(["Difference", "Test", "Why", "Outcome"], tests),
            "",
        ]
    return lines


def comparison(detail: dict[str, Any], system_types: list[str], seeds: int = 1) -> list[str]:
    """One comparison of ``reports/scores/comparisons.json``: the other system beside the declaring one on the
    types both keep, per type and overall, in their reference runs; ``system_types`` are the declaring system's
    types, ``seeds`` the number of training seeds (with several, the table says whose runs it shows)."""
    system, other, types = detail["system"], detail["other"], detail["types"]
    mine, theirs = detail["scores"][system], detail["scores"][other]
    rows = []
    for entity_type in sorted(set(per_type(mine, "")) | set(per_type(theirs, ""))):
        fo, fs = theirs.get(entity_type, {}).get("f1", 0.0), mine.get(entity_type, {}).get("f1", 0.0)
        number = mine.get(entity_type, theirs.get(entity_type, {})).get("number", 0)
        rows.append([entity_type, f"{number:,}", percent(fo), percent(fs), signed(fs - fo)])
    fo, fs = theirs["overall_f1"], mine["overall_f1"]
    rows.append(["**Overall**", "-", f"**{percent(fo)}**", f"**{percent(fs)}**", f"**{signed(fs - fo)}**"])
    scope = (
        f"{system}'s types"
        if set(types) == set(system_types)
        else f"the types both keep ({', '.join(types)}; {system} also scored only on these)"
    )
    return [
        f"## System {other} vs System {system} on {system}'s types",
        "",
        f"System {other}'s test predictions with every type outside {scope} mapped to `O` (in gold and "
        f"predictions), beside System {system} on the same gold data (declared by `systems.{system}.compare`)."
        + (
            " Both sides are their reference runs (the first training seed); *Training seeds* judges them over all "
            f"{seeds} seeds."
            if seeds > 1
            else ""
        ),
        "",
        *table(["Category", "Number", f"{other} F1", f"{system} F1", f"{system} − {other}"], rows, "lrrrr"),
        "",
    ]


def baseline(system: str, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The starting checkpoint's per-type F1 beside the fine-tuned system's, or why there is none."""
    if not before.get("available"):
        return [f"- System {system}: {before['reason']}.", ""]
    was, now = per_type(before), per_type(after)
    rows = []
    for entity_type in sorted(set(was) | set(now)):
        fb = was[entity_type]["f1"] if entity_type in was else 0.0
        fa = now[entity_type]["f1"] if entity_type in now else 0.0
        rows.append([entity_type, percent(fb), percent(fa), f"{100 * (fa - fb):+.2f}"])
    fb, fa = before["test_overall_f1"], after["test_overall_f1"]
    rows.append(["**Overall**", f"**{percent(fb)}**", f"**{percent(fa)}**", f"**{100 * (fa - fb):+.2f}**"])
    return [
        f"System {system}, `{before['model']}` before fine-tuning vs after:",
        "",
        *table(["Category", "Before F1", "After F1", "Gain"], rows, "lrrr"),
        "",
    ]


def with_interval(entry: dict[str, Any]) -> str:
    """A score and its 95% interval, in percent: ``80.35% [74.10, 85.90]``."""
    low, high = entry["interval"]
    return f"{percent(entry['score'])} [{100 * low:.2f}, {100 * high:.2f}]"


def trust_section(intervals: dict[str, Any]) -> list[str]:
    """Bootstrap intervals of every system's and baseline's micro scores, and of the differences discussed,
    each marked significant when its interval excludes 0."""
    rows = []
    for system, scores in intervals["systems"].items():
        for name, entry in (
            (f"System {system}", scores),
            (f"Baseline ({system}'s types)", intervals["baselines"][system]),
        ):
            if entry is not None:
                rows.append(
                    [
                        name,
                        f"{intervals['sentences'][system]:,}",
                        *(with_interval(entry["overall"][metric]) for metric in HEADLINE_KEYS),
                    ]
                )
    differences = [
        [
            name,
            signed(entry["difference"]),
            f"[{100 * entry['interval'][0]:+.2f}, {100 * entry['interval'][1]:+.2f}]",
            "**yes**" if entry["significant"] else "no",
        ]
        for name, entry in intervals["differences"].items()
    ]
    spreads = intervals.get("seeds") or {}
    seeds: list[int] = next(iter(spreads.values()))["seeds"] if spreads else []
    runs = (
        f" These are each system's reference run (its first training seed, {seeds[0]}); the spread over all "
        "seeds is under *Training seeds*."
        if len(seeds) > 1
        else ""
    )
    lines = [
        "## How far to trust these scores",
        "",
        f"Paired bootstrap over the test sentences ({intervals['resamples']:,} resamples, seed "
        f"{intervals['seed']}): each resample draws as many sentences as the test split holds, with "
        "replacement, and recomputes every score from its true positives, false positives and false negatives; "
        "systems scored on the same sentences share the draws. Intervals are the 2.5th and 97.5th percentiles, "
        f"in percent.{runs}",
        "",
        *table(["Scored", "Sentences", "Precision [95% CI]", "Recall [95% CI]", "F1 [95% CI]"], rows, "lrrrr"),
        "",
    ]
    if differences:
        lines += [
            "Differences of micro F1, in points. *Significant*: the 95% interval of the paired difference excludes 0.",
            "",
            *table(["Difference", "F1 difference", "95% CI", "Significant"], differences, "lrrl"),
            "",
        ]
    else:
        lines += [
            "No differences to test: no baseline (the starting model is a plain encoder) and no comparison declared.",
            "",
        ]
    return lines + [f"The per-type figure draws each type's interval: ![Per-type F1]({FIGURES}/per_type_f1.png)", ""]


def int8_section(systems: list[str], scores: dict[str, dict], intervals: dict[str, Any]) -> list[str]:
    """Each system's test F1 from PyTorch and from its int8 ONNX graph, with the paired bootstrap interval of the
    difference; a system without an int8 graph says why."""
    rows, missing = [], []
    for system in systems:
        quantised = scores[results.int8(system).name]
        if quantised.get("available") is False:
            missing.append(f"- System {system}: {quantised['reason']}.")
            continue
        difference = intervals["differences"][results.int8_difference(system)]
        rows.append(
            [
                f"System {system}",
                percent(reference_f1(scores[system])),
                percent(quantised["test_overall_f1"]),
                signed(difference["difference"]),
                f"[{100 * difference['interval'][0]:+.2f}, {100 * difference['interval'][1]:+.2f}]",
                "**yes**" if difference["significant"] else "no",
            ]
        )
    lines = [
        "## Int8 ONNX graph",
        "",
        "Each system's test F1 from the PyTorch model of its reference run (its first seed) and from that run's "
        "int8 ONNX graph (`graphs/<system>/seed-<seed>/model_int8.onnx`, ONNX Runtime's dynamic quantisation of "
        "the exported float graph), on the same sentences; the difference is int8 − PyTorch in points, with its "
        "95% paired bootstrap interval.",
        "",
    ]
    if rows:
        lines += [
            *table(["System", "PyTorch F1", "Int8 F1", "Difference", "95% CI", "Significant"], rows, "lrrrrl"),
            "",
        ]
    return lines + ([*missing, ""] if missing else [])


def signed_interval(difference: dict[str, Any]) -> str:
    """A paired difference in points with its 95% interval, bold when significant: ``**+1.25 [+0.40, +2.10]**``."""
    text = (
        f"{signed(difference['difference'])} [{100 * difference['interval'][0]:+.2f}, "
        f"{100 * difference['interval'][1]:+.2f}]"
    )
    return f"**{text}**" if difference["significant"] else text


def external_section(systems: list[str], scores: dict[str, dict]) -> list[str]:
    """Set × system: micro F1 with its 95% interval, the baseline's on the same types and sentences, the difference,
    and the MultiNERD paper's published figure where the set declares one; skipped sets say why."""
    rows, skipped, published = [], [], False
    for system in systems:
        found = scores[results.external(system).name]
        for name, entry in found["sets"].items():
            intervals = entry["intervals"]
            difference = intervals["difference"]
            paper = PUBLISHED_F1[entry["published"]] if entry["published"] else None
            published |= paper is not None
            rows.append(
                [
                    f"`{name}`",
                    ", ".join(entry["types"]),
                    f"{entry['sentences']:,}",
                    f"System {system}",
                    with_interval(intervals["system"]["overall"]["f1"]),
                    with_interval(intervals["baseline"]["overall"]["f1"]) if intervals["baseline"] else "n/a",
                    "n/a" if difference is None else signed_interval(difference),
                    f"{paper:.2f}%" if paper is not None else "-",
                ]
            )
        skipped += [
            f"- System {system} was not scored on `{name}`: {reason}." for name, reason in found["skipped"].items()
        ]
    lines = ["## Other test sets", ""]
    if not rows and not skipped:
        return lines + ["No external test set is declared (`external` in `params.yaml`).", ""]
    lines += [
        "Each system scored on test sets other than its own MultiNERD test split (`external` in `params.yaml`), "
        "on the entity types it shares with the set: every other type, the set's unmapped ones (MISC) included, "
        "is `O` in gold and predictions. F1 with its 95% paired-bootstrap interval over the set's sentences; "
        "*Baseline*: the starting checkpoint on the same types and sentences (only when it is a SpanMarker "
        "model); the difference is system − baseline, in points, bold when its interval excludes 0.",
        "",
    ]
    if rows:
        lines += [
            *table(
                [
                    "Set",
                    "Types",
                    "Sentences",
                    "System",
                    "F1 [95% CI]",
                    "Baseline F1 [95% CI]",
                    "System − baseline [95% CI]",
                    "Published",
                ],
                rows,
                "llrlrrrr",
            ),
            "",
        ]
    if published:
        lines += [
            "*Published*: the F1 the MultiNERD paper reports for its own MultiNERD-trained model on that set "
            "with PER, ORG and LOC kept and MISC dropped (Tedeschi and Navigli, Findings of NAACL 2022). It is "
            "a published figure for another model, training run and preprocessing, shown for orientation: not a "
            "like-for-like comparison with the rows beside it.",
            "",
        ]
    return lines + ([*skipped, ""] if skipped else [])


def audit_section(audit: dict[str, Any], info: dict[str, Any]) -> list[str]:
    """Repeats in the raw data of the training languages, per split, and whether ``prepare`` removed them."""
    rows = []
    for language in info["languages"]:
        splits = audit["languages"][language]
        for split, entry in sorted(splits.items(), key=lambda item: SPLITS.index(item[0])):  # JSON keys are sorted
            rows.append(
                [
                    f"`{language}`",
                    split,
                    f"{entry['rows']:,}",
                    f"{entry['distinct']:,}",
                    f"{entry['repeated']:,}",
                    f"{entry['conflicting']:,}",
                    f"{entry['in_train']:,}" if "in_train" in entry else "-",
                ]
            )
    if info["deduplicate"]:
        used = (
            "`prepare.deduplicate` is on: the systems were trained and tested without these repeats (rows dropped: "
            + ", ".join(f"{split} {count:,}" for split, count in info["dropped"].items())
            + ")."
        )
    else:
        used = (
            "`prepare.deduplicate` is off, as in the original project: the systems were trained and tested on the "
            "data as it is, repeats included."
        )
    return [
        "## Data audit",
        "",
        "The raw data of the training languages, per split: *Repeated* rows are rows beyond the first of their "
        "sentence (the same tokens) in the split; *Conflicting* sentences occur with more than one tag sequence; "
        "*In train* rows of validation and test hold a sentence that also occurs in train. Every language is in "
        "`reports/scores/audit.json`, with the totals over languages.",
        "",
        *table(["Language", "Split", "Rows", "Distinct", "Repeated", "Conflicting", "In train"], rows, "llrrrrr"),
        "",
        used,
        "",
    ]


def seen_unseen_section(found: dict[str, Any]) -> list[str]:
    """Each system's precision, recall and F1 on test mentions seen in training and on unseen ones."""
    rows = []
    for system, entry in found.items():
        for group in ("seen", "unseen"):
            scores = entry[group]
            rows.append(
                [
                    f"System {system}",
                    group,
                    f"{scores['gold']:,}",
                    f"{scores['predicted']:,}",
                    percent(scores["precision"]),
                    percent(scores["recall"]),
                    percent(scores["f1"]),
                ]
            )
    return [
        "## Seen and unseen entities",
        "",
        "Test mentions split by whether their words and type occur as an entity of the system's training split "
        "(Augenstein, Derczynski and Bontcheva, 2017): recall over the gold mentions of each group, precision "
        "over the predicted mentions of each group. A high *seen* score beside a low *unseen* one is "
        "memorisation more than generalisation.",
        "",
        *table(["System", "Mentions", "Gold", "Predicted", "Precision", "Recall", "F1"], rows, "llrrrrr"),
        "",
    ]


def signed(points: float) -> str:
    """A difference of two ratios in percentage points, signed: ``+1.25``."""
    return f"{100 * points:+.2f}"


def languages_section(by_system: dict[str, dict[str, Any]], training_languages: list[str]) -> list[str]:
    """Language × {baseline, system} overall test F1 with the change from the baseline, the F1 published for the
    multilingual mBERT checkpoint (:data:`~pipeline.reporting.published.MBERT_LANGUAGE_F1`), and the figure.

    ``by_system`` holds each system's ``languages_<system>`` scores file. A baseline without scores (a plain
    encoder) shows ``n/a`` and no change.
    """
    systems = list(by_system)
    languages = list(by_system[systems[0]]["system"])
    header, rows = ["Language", "Sentences"], []
    trained = ", ".join(f"`{code}`" for code in training_languages)
    for system in systems:
        header += [f"Baseline ({system}'s types)", f"System {system}", "Change"]
    header.append("Published (mBERT, all languages)")
    for language in languages:
        row = [
            f"`{language}`" + (" (trained)" if language in training_languages else ""),
            by_system[systems[0]]["sentences"][language],
        ]
        for system in systems:
            scores = by_system[system]
            after = scores["system"][language]["test_overall_f1"]
            start = scores["baseline"]
            before = None if start.get("available") is False else start[language]["test_overall_f1"]
            row += [
                "n/a" if before is None else percent(before),
                percent(after),
                "n/a" if before is None else signed(after - before),
            ]
        published = MBERT_LANGUAGE_F1.get(language)
        rows.append([*row, "-" if published is None else f"{published:.2f}%"])
    unavailable = [system for system in systems if by_system[system]["baseline"].get("available") is False]
    note = (
        [
            f"No baseline: {by_system[unavailable[0]]['baseline']['reason']}; the real run's mBERT SpanMarker "
            "checkpoint, trained on all ten languages, fills these columns.",
            "",
        ]
        if unavailable
        else []
    )
    return [
        "## Languages",
        "",
        "Overall entity-level test F1 of the starting checkpoint (restricted to each system's types) and of each "
        f"fine-tuned system on the test split of every evaluation language; the systems were trained on "
        f"{trained}. Change: system − baseline, in points.",
        "",
        *table(header, rows, "lr" + "rrr" * len(systems) + "r"),
        "",
        "*Published*: the test F1 that the model card of `tomaarsen/span-marker-mbert-base-multinerd` on the "
        "Hugging Face Hub publishes for the language's whole MultiNERD test split "
        f"({MBERT_LANGUAGE_F1['overall']:.2f}% over all ten): mBERT fine-tuned on all ten MultiNERD languages and "
        "all 15 types. It is a published figure for another, multilingual model, its training data and test set, "
        "shown for orientation: not a like-for-like comparison with the systems beside it, fine-tuned on "
        f"{trained} only from this run's starting model (in the embedded run, a small English encoder trained on "
        "a synthetic sample).",
        "",
        *note,
        f"![Test F1 per language]({FIGURES}/language_f1.png)",
        "",
    ]


def tail_section(tail: dict[str, Any], source: dict[str, Any]) -> list[str]:
    """Per system, per-type recall and F1 against training frequency, and how to measure oversampling."""
    lines = [
        "## The long tail",
        "",
        "One table per system, one row per type, most training entities first. *Repeat* is the type's "
        "oversampling factor `max(1, sqrt(threshold / share of training sentences))` for the system's threshold "
        "(a sentence is repeated by its types' largest factor, rounded, capped); *Test* is the number of gold "
        "test entities each score rests on.",
        "",
    ]
    for system, entry in tail.items():
        mine = entry["oversampling"]
        setting = (
            f"oversampling threshold {mine['threshold']:g}, cap {mine['cap']}"
            if mine["threshold"] > 0
            else "no oversampling"
        )
        ordered = sorted(entry["types"].items(), key=lambda item: (-item[1]["train_entities"], item[0]))
        rows = [
            [
                entity_type,
                f"{row['train_entities']:,}",
                f"{row['repeat_factor']:.2f}",
                f"{row['test_entities']:,}",
                percent(row["recall"]),
                percent(row["f1"]),
            ]
            for entity_type, row in ordered
        ]
        lines += [
            f"### System {system} ({setting})",
            "",
            *table(["Type", "Train entities", "Repeat", "Test", "Recall", "F1"], rows, "lrrrrr"),
            "",
        ]
        tail_tests = [row["test_entities"] for _, row in ordered[-TAIL_TYPES:]]
        if source.get("source") == "sample" and len(ordered) > TAIL_TYPES:
            low, high = min(tail_tests), max(tail_tests)
            swing = (
                f"{100 / max(high, 1):.0f} to {100 / max(low, 1):.0f}" if low != high else f"{100 / max(low, 1):.0f}"
            )
            lines += [
                f"On the embedded sample these per-type numbers are noise: the {len(tail_tests)} rarest types "
                f"have {low} to {high} test entities each (column *Test*), so one entity more or less found "
                f"moves their recall by {swing} points.",
                "",
            ]
    system = next(iter(tail))
    lines += [
        "To measure oversampling, declare a system with the same types in `params.yaml`, e.g. "
        f"`{system}-tail: {{types: [...], train: {{oversample_threshold: 0.1}}, compare: [{system}]}}`: the same "
        f"run then scores {system} beside it on its types, type by type. Or run it as an experiment, "
        f"`dvc exp run -S '+systems.{system}.train.oversample_threshold=0.1'`, and compare with the committed "
        "run by `dvc metrics diff` (overall scores) or `dvc exp show`.",
        "",
    ]
    return lines + [f"![Long tail]({FIGURES}/long_tail_f1.png)", ""]


def examples_section(examples: dict[str, list[dict[str, Any]]]) -> list[str]:
    """The first test sentences of each system's most frequent confusions, gold and predicted spans marked."""
    lines = [
        "## Examples of the most frequent errors",
        "",
        "For each system's most frequent confusions, the first test sentences (in test order) where each "
        "occurs: entities are `[bracketed]` with their type below, the confused pair in bold.",
        "",
    ]
    for system, rows in examples.items():
        lines += [f"### System {system}", ""]
        if not rows:
            lines += ["No errors.", ""]
        for row in rows:
            lines += [f"**{row['gold']} → {row['predicted']}** ({row['kind']}, {row['count']} in the test set)", ""]
            for example in row["examples"]:
                focus = example["focus"]
                lines += [
                    f"- Sentence {example['sentence']}",
                    f"  - gold: {marked_sentence(example['tokens'], example['gold'], focus['gold'])}",
                    f"  - predicted: {marked_sentence(example['tokens'], example['predicted'], focus['predicted'])}",
                ]
            lines.append("")
    return lines


def errors_section(errors: dict[str, Any]) -> list[str]:
    lines = [
        "## Errors",
        "",
        "Span-level matching of gold and predicted entities: *exact* spans with a different type are type "
        "errors; overlapping spans with other boundaries are boundary errors; gold entities with no "
        "overlapping prediction are *missed*, predictions with no gold entity are *spurious* (`O`).",
        "",
    ]
    for system in errors:
        summary, top = errors[system]["summary"], errors[system]["top"]
        lines += [
            f"### System {system}",
            "",
            *table(list(summary), [list(summary.values())], "r" * len(summary)),
            "",
            "Most frequent errors:",
            "",
            *table(
                ["Gold", "Predicted", "Kind", "Count"],
                [[row["gold"], row["predicted"], row["kind"], row["count"]] for row in top],
                "lllr",
            ),
            "",
            f"![Confusion of System {system}]({FIGURES}/confusion/{system}.png)",
            "",
        ]
    return lines


def figures() -> list[str]:
    lines = [
        "## Figures",
        "",
        f"- Training curves: ![Training curves]({FIGURES}/training_curves.png)",
        f"- Per-type test F1 of every system: ![Per-type F1]({FIGURES}/per_type_f1.png)",
        f"- Per-type F1 against training frequency (the long tail): ![Long tail]({FIGURES}/long_tail_f1.png)",
        f"- Overall test F1 per language: ![Languages]({FIGURES}/language_f1.png)",
    ]
    return lines + [
        f"- Label distribution, {split}: ![{split}]({FIGURES}/label_distribution_{split}.png)"
        for split in ("train", "validation", "test")
    ]


def render(
    info: dict[str, dict],
    model: ModelParams,
    hp: dict[str, TrainParams],
    scores: dict[str, dict],
    errors: dict[str, Any],
    examples: dict[str, list[dict[str, Any]]] | None = None,
) -> str:
    """The whole report. ``info`` and ``hp`` are keyed by system, in ``params.yaml`` order; ``scores`` by
    system, ``baseline_<system>``, ``languages_<system>``, ``int8_<system>`` and ``external_<system>`` (optional),
    ``comparisons`` and ``tail`` (the last two optional); ``examples`` is the analyze stage's ``examples.json``."""
    systems = list(hp)
    first = info[systems[0]]
    lines = [
        "# MultiNERD × SpanMarker: results of the last `dvc repro`",
        "",
        "Generated by `pipeline/stages/report.py`; every number below was computed by this run.",
        "",
        *provenance(first, model, hp, scores),
    ]
    for system in systems:
        lines += test_scores(system, info[system]["types"], scores[system])
    seeds = len(scores[systems[0]]["seeds"]["seeds"])
    for detail in scores.get("comparisons", {}).values():
        lines += comparison(detail, info[detail["system"]]["types"], seeds)
    if "audit" in scores:
        lines += audit_section(scores["audit"], first)
    lines += ["## Before and after fine-tuning", ""]
    for system in systems:
        lines += baseline(system, scores[results.baseline(system).name], scores[system])
    if all(results.external(system).name in scores for system in systems):
        lines += external_section(systems, scores)
    if all(results.languages(system).name in scores for system in systems):
        lines += languages_section(
            {system: scores[results.languages(system).name] for system in systems}, first["languages"]
        )
    if "intervals" in scores:
        lines += trust_section(scores["intervals"])
        lines += seeds_section(systems, scores, scores["intervals"])
        if all(results.int8(system).name in scores for system in systems):
            lines += int8_section(systems, scores, scores["intervals"])
    if "seen_unseen" in scores:
        lines += seen_unseen_section(scores["seen_unseen"])
    if "tail" in scores:
        lines += tail_section(scores["tail"], first["source"])
    lines += errors_section(errors)
    if examples is not None:
        lines += examples_section(examples)
    return "\n".join([*lines, *figures()]) + "\n"


def read_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def main() -> None:
    no_arguments("report")
    params = read_params()
    systems = system_names(params)
    read = [
        kind(system)
        for kind in (results.system, results.baseline, results.languages, results.int8, results.external)
        for system in systems
    ]
    scores = {result.name: read_json(result.scores_file) for result in read} | {
        "comparisons": read_json(COMPARISONS_FILE),
        "tail": read_json(TAIL_FILE),
        "intervals": read_json(INTERVALS_FILE),
        "seen_unseen": read_json(SEEN_UNSEEN_FILE),
        "audit": read_json(AUDIT_FILE),
    }
    text = render(
        {system: load_info(system) for system in systems},
        ModelParams.read(params),
        {system: training_settings(params, system) for system in systems},
        scores,
        read_json(ERRORS_FILE),
        read_json(EXAMPLES_FILE),
    )
    with atomic_path(REPORT_FILE) as tmp:
        tmp.write_text(text, encoding="utf-8")
    logger.info("wrote %s", REPORT_FILE)


if __name__ == "__main__":
    run_stage(main)
