"""Stage ``analyze``: comparisons on shared types, span-level error analysis and the long-tail view, for every
system of ``params.yaml``.

Reads the test predictions of each system's runs (one per seed of ``train.seeds``; the first seed's run is the
system's reference run) and its prepared training data, and writes

- ``reports/metrics/comparisons/X_on_S_types.json`` (DVC metrics), for every system ``S`` and every system ``X`` of
  ``systems.S.compare``: X's micro precision, recall and F1 once every type outside the types both keep is
  mapped to ``O`` in its gold and predicted tags, the mean over seeds (run ``i`` of X beside run ``i`` of S);
- ``reports/scores/comparisons.json``: the per-type detail of each comparison's reference runs, both sides scored on
  the same restricted gold tags;
- ``reports/errors/summary.json`` (confusion counts and the most frequent errors per system) and
  ``reports/errors/examples.json`` (the first test sentences of each of the most frequent confusions);
- ``reports/scores/tail.json``: each system's per-type test scores (reference run) against the type's training
  frequency and its oversampling repeat factor;
- ``reports/scores/intervals.json``: 95% paired-bootstrap confidence intervals (``evaluate.bootstrap_*``) of the
  micro precision, recall and F1, overall and per type, of every system, baseline and compared system (``X_on_S_types``
  under ``comparisons``), of each system's int8 ONNX graph (under ``int8``, when the ``int8`` stage scored one), and
  of the F1 differences the report discusses: each system − its baseline, each comparison (declaring system − other
  system on the types both keep) and each int8 graph − its system, each marked significant when its interval
  excludes 0; per run, its intervals (``runs``); the spread over seeds of every system's and comparison's scores
  (``seeds``); and which test judges each difference (``tests``): Almost Stochastic Order over the per-seed F1 where
  either side has several seeds, else the paired bootstrap
  (:mod:`pipeline.evaluation.stochastic_order`);
- ``reports/scores/seen_unseen.json``: each system's test scores (reference run) on mentions (words and type) seen
  as entities of its training split and on the unseen ones, overall and per type;
- figures: ``reports/figures/confusion/<system>.png`` (reference run) and ``reports/figures/long_tail_f1.png``.

Oversampling against no oversampling is a comparison like any other: declare a second system with the same
types, ``train: {oversample_threshold: ...}`` and ``compare: [<the plain one>]`` (``docs/parameters.md``, *Systems*).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from pipeline.core.atomic import atomic_path, write_json
from pipeline.core.exceptions import DataError
from pipeline.core.params import EvaluateParams, TrainParams, all_systems, read_params
from pipeline.core.paths import (
    COMPARISONS_FILE,
    CONFUSION_FIGURES_DIR,
    ERRORS_FILE,
    EXAMPLES_FILE,
    FIGURES_DIR,
    INTERVALS_FILE,
    SEEN_UNSEEN_FILE,
    TAIL_FILE,
)
from pipeline.core.stage import no_arguments, run_stage
from pipeline.data.labels import restrict_tags
from pipeline.data.splits import entity_counts, load_info, load_split, training_settings
from pipeline.data.tail import type_presence, type_repeat_factors
from pipeline.evaluation import results
from pipeline.evaluation.bootstrap import paired_intervals, resampled_totals, score_intervals, sentence_counts
from pipeline.evaluation.entities import tag_strings
from pipeline.evaluation.memorisation import seen_unseen, training_mentions
from pipeline.evaluation.results import Result
from pipeline.evaluation.seeds import headline_spread
from pipeline.evaluation.span_errors import confusion_examples, error_summary, span_confusion, top_confusions
from pipeline.evaluation.stochastic_order import aso_test, uses_aso
from pipeline.reporting.figures import plot_confusion, plot_long_tail, save
from pipeline.tagging.metrics import HEADLINE_KEYS, entity_scores, headline, per_type, per_type_f1

logger = logging.getLogger(__name__)
EXAMPLE_CONFUSIONS = 3
"""Most frequent confusions of each system shown with example sentences."""
EXAMPLES_PER_CONFUSION = 2
"""Test sentences shown for each of them."""

Tags = tuple[list[list[str]], list[list[str]]]
"""Gold and predicted BIO tags of a system's test sentences."""


def load_predictions(result: Result) -> Tags:
    """Gold and predicted BIO tags of the test sentences in ``result``'s predictions file (no rows when there is no
    baseline or int8 graph)."""
    table = pq.read_table(result.predictions_file, columns=["gold", "predicted"])
    return table["gold"].to_pylist(), table["predicted"].to_pylist()


def intervals(
    systems: dict[str, list[str]],
    tags: dict[str, Tags],
    baselines: dict[str, Tags],
    compared: dict[str, dict[str, Any]],
    resamples: int,
    seed: int,
    int8: dict[str, Tags] | None = None,
) -> dict[str, Any]:
    """``reports/scores/intervals.json``: per system (``types`` keyed by system), its scores with intervals and
    its baseline's (None without one); per comparison (keyed as ``compared``), the other system's scores on the
    shared types; per system of ``int8`` (its int8 ONNX graph's test tags), the int8 scores; then every
    difference (keys of :mod:`pipeline.evaluation.results`), each a paired bootstrap of its own pair of sentence
    sets (the same sentences on both sides), from the same seed. Raises :class:`DataError` when an int8 graph was
    scored on other gold tags than its system."""
    result: dict[str, Any] = {
        "resamples": resamples,
        "seed": seed,
        "sentences": {},
        "systems": {},
        "baselines": {},
        "comparisons": {},
        "int8": {},
        "differences": {},
    }
    for system, types in systems.items():
        counts = sentence_counts(*tags[system], types)
        result["sentences"][system] = len(counts)
        baseline = baselines.get(system)
        if baseline is None:
            result["systems"][system] = score_intervals(counts, types, resampled_totals([counts], resamples, seed)[0])
            result["baselines"][system] = None
            continue
        result["systems"][system], result["baselines"][system], difference = paired_intervals(
            counts, sentence_counts(*baseline, types), types, resamples, seed
        )
        result["differences"][results.baseline_difference(system)] = difference
    for name, detail in compared.items():
        system, other, types = detail["system"], detail["other"], detail["types"]
        gold = restrict_tags(tags[system][0], set(types))
        mine = sentence_counts(gold, restrict_tags(tags[system][1], set(types)), types)
        theirs = sentence_counts(gold, restrict_tags(tags[other][1], set(types)), types)
        _, result["comparisons"][name], difference = paired_intervals(mine, theirs, types, resamples, seed)
        result["differences"][results.comparison_difference(system, other)] = difference
    for system, quantised in (int8 or {}).items():
        if quantised[0] != tags[system][0]:
            raise DataError(
                f"{results.int8(system).name} was scored on other test sentences than {system}; rerun "
                f"the int8 stage for {system}"
            )
        counts, int8_counts = (sentence_counts(*found, systems[system]) for found in (tags[system], quantised))
        result["int8"][system], _, difference = paired_intervals(int8_counts, counts, systems[system], resamples, seed)
        result["differences"][results.int8_difference(system)] = difference
    return result


def seed_sections(
    systems: dict[str, list[str]],
    run_tags: dict[str, dict[int, Tags]],
    baselines: dict[str, Tags],
    compared: dict[str, dict[str, Any]],
    bootstrap: EvaluateParams,
    known: dict[str, dict[int, dict[str, Any]]],
) -> dict[str, Any]:
    """The seed view of ``intervals.json``, from the test tags of every run (``run_tags``: ``{system: {seed: tags}}``,
    seeds in ``train.seeds`` order, the same seeds for every system):

    - ``runs``: ``{system: {seed: overall intervals}}``, each run's bootstrap intervals (as ``systems`` holds the
      reference run's); those in ``known`` (``{system: {seed: overall intervals}}``, the reference run's from
      :func:`intervals`) are taken as given, not resampled again;
    - ``seeds``: ``{name: spread}`` for every system and comparison (:func:`pipeline.evaluation.seeds.headline_spread`
      of its per-seed headline scores; a comparison's are the other system's on the shared types);
    - ``tests``: ``{difference: test}`` for every system − baseline and comparison difference: Almost Stochastic
      Order on the per-seed F1 where either side has several seeds (a baseline, untrained, is its one score), else
      ``{"test": "paired bootstrap"}`` (:mod:`pipeline.evaluation.stochastic_order`).
    """
    resamples, seed = bootstrap.bootstrap_resamples, bootstrap.bootstrap_seed

    def judged(mine: list[float], theirs: list[float]) -> dict[str, Any]:
        if not uses_aso(mine, theirs):
            return {"test": "paired bootstrap", "seeds": [len(mine), len(theirs)]}
        return aso_test(mine, theirs, bootstrap.aso_alpha, bootstrap.aso_threshold, resamples, seed)

    runs: dict[str, dict[str, Any]] = {}
    spreads: dict[str, dict[str, Any]] = {}
    tests: dict[str, dict[str, Any]] = {}
    for system, types in systems.items():
        runs[system] = {}
        for run_seed, found in run_tags[system].items():
            if run_seed in known.get(system, {}):
                runs[system][str(run_seed)] = known[system][run_seed]
                continue
            counts = sentence_counts(*found, types)
            totals = resampled_totals([counts], resamples, seed)[0]
            runs[system][str(run_seed)] = score_intervals(counts, types, totals)["overall"]
        spreads[system] = headline_spread(
            {key: headline(entity_scores(*found)) for key, found in run_tags[system].items()}
        )
        if system in baselines:
            theirs = [headline(entity_scores(*baselines[system]))["f1"]]
            tests[results.baseline_difference(system)] = judged(spreads[system]["values"]["f1"], theirs)
    for name, detail in compared.items():
        system, other, shared = detail["system"], detail["other"], set(detail["types"])
        own: dict[int, dict[str, float]] = {}
        others: dict[int, dict[str, float]] = {}
        for run_seed, found in run_tags[system].items():
            gold = restrict_tags(found[0], shared)
            own[run_seed] = headline(entity_scores(gold, restrict_tags(found[1], shared)))
            others[run_seed] = headline(entity_scores(gold, restrict_tags(run_tags[other][run_seed][1], shared)))
        spreads[name] = headline_spread(others)
        tests[results.comparison_difference(system, other)] = judged(
            headline_spread(own)["values"]["f1"], spreads[name]["values"]["f1"]
        )
    return {"runs": runs, "seeds": spreads, "tests": tests}


def compare_on_types(system: str, tags: Tags, other: str, other_tags: Tags, types: set[str]) -> dict[str, Any]:
    """``system`` and ``other`` scored on the same gold tags, every type outside ``types`` (those both keep)
    mapped to ``O`` in gold and predictions: ``{"system": system, "other": other, "types": sorted types,
    "scores": {system: scores, other: scores}}``, scores in seqeval's layout
    (:func:`pipeline.tagging.metrics.entity_scores`). Raises :class:`DataError` when the two gold sequences
    differ once restricted (the systems were prepared from different test data)."""
    gold = restrict_tags(tags[0], types)
    if gold != restrict_tags(other_tags[0], types):
        raise DataError(
            f"the test sets of {system} and {other} differ once restricted to the types both keep "
            f"({', '.join(sorted(types))}); rerun prepare for both"
        )
    return {
        "system": system,
        "other": other,
        "types": sorted(types),
        "scores": {
            system: entity_scores(gold, restrict_tags(tags[1], types)),
            other: entity_scores(gold, restrict_tags(other_tags[1], types)),
        },
    }


def comparisons(
    declared: dict[str, tuple[str, ...]], types: dict[str, list[str]], tags: dict[str, Tags]
) -> dict[str, dict[str, Any]]:
    """Every declared comparison, keyed by its result's name (``<other>_on_<system>_types``): for each system ``S``
    and each ``X`` in ``declared[S]``, :func:`compare_on_types` of S and X on the types both keep."""
    return {
        results.comparison(system, other).name: compare_on_types(
            system, tags[system], other, tags[other], set(types[system]) & set(types[other])
        )
        for system, others in declared.items()
        for other in others
    }


def tail_table(
    scores: dict[str, Any],
    train_entities: dict[str, int],
    train_sentences: dict[str, int],
    repeat_factors: dict[str, float],
) -> dict[str, dict[str, Any]]:
    """Per type, most training entities first: training entities and sentences, the oversampling repeat
    factor, test entities and test precision/recall/F1.

    ``scores`` is a scores file (``test_<TYPE>`` keys); a type missing from the test split has 0 test entities
    and scores of 0.
    """
    now = per_type(scores)
    empty = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "number": 0}
    rows = {}
    for entity_type in sorted(set(train_entities) | set(now), key=lambda t: (-train_entities.get(t, 0), t)):
        score: dict[str, Any] = dict(now.get(entity_type, empty))
        rows[entity_type] = {
            "train_entities": train_entities.get(entity_type, 0),
            "train_sentences": train_sentences.get(entity_type, 0),
            "repeat_factor": repeat_factors.get(entity_type, 1.0),
            "test_entities": score["number"],
            **{key: score[key] for key in HEADLINE_KEYS},
        }
    return rows


def tail_analysis(system: str, scores: dict[str, Any], hp: TrainParams) -> dict[str, Any]:
    """One system's entry of ``reports/scores/tail.json``: its oversampling settings, overall test F1 and
    :func:`tail_table`."""
    labels = load_info(system)["labels"]
    presence, types = type_presence(load_split(system, "train").data.table["ner_tags"], labels)
    threshold = hp.oversample_threshold if hp.oversample_threshold > 0 else 0.0
    factors = type_repeat_factors(presence, threshold)
    rows = tail_table(
        scores,
        entity_counts(system),
        dict(zip(types, presence.sum(axis=0).tolist(), strict=True)),
        dict(zip(types, np.round(factors, 4).tolist(), strict=True)),
    )
    return {
        "oversampling": {"threshold": threshold, "cap": hp.oversample_cap if threshold > 0 else 1},
        "overall_f1": scores["test_overall_f1"],
        "types": rows,
    }


def memorisation(system: str, types: list[str], tags: Tags, seed: int) -> dict[str, Any]:
    """One system's entry of ``reports/scores/seen_unseen.json``: the test scores of its run ``seed`` (``tags``) on
    mentions seen in its training split and on the others (:func:`pipeline.evaluation.memorisation.seen_unseen`)."""
    train = load_split(system, "train").data.table
    labels = load_info(system)["labels"]
    seen = training_mentions(
        train["tokens"].combine_chunks(), tag_strings(train["ner_tags"].combine_chunks(), labels), types
    )
    return seen_unseen(seen, load_tokens(system, seed), *tags, types)


def load_tokens(system: str, seed: int) -> list[list[str]]:
    """The words of a system's test sentences, in test order (from its run ``seed``'s predictions file)."""
    return pq.read_table(results.run(system, seed).predictions_file, columns=["tokens"])["tokens"].to_pylist()


def main() -> None:
    no_arguments("analyze")
    params = read_params()
    systems = all_systems(params)
    bootstrap = EvaluateParams.read(params, "bootstrap_resamples", "bootstrap_seed", "aso_alpha", "aso_threshold")
    hps = {system: training_settings(params, system) for system in systems}
    seeds = next(iter(hps.values())).seeds  # train.seeds, which no system overrides
    reference = seeds[0]
    types = {system: load_info(system)["types"] for system in systems}
    run_tags = {system: {seed: load_predictions(results.run(system, seed)) for seed in seeds} for system in systems}
    tags = {system: run_tags[system][reference] for system in systems}
    compared = comparisons({system: entry.compare for system, entry in systems.items()}, types, tags)
    write_json(COMPARISONS_FILE, compared)
    baselines = {system: load_predictions(results.baseline(system)) for system in systems}
    with_baseline = {system: found for system, found in baselines.items() if found[0]}
    int8 = {system: load_predictions(results.int8(system)) for system in systems}
    found = intervals(
        types,
        tags,
        with_baseline,
        compared,
        bootstrap.bootstrap_resamples,
        bootstrap.bootstrap_seed,
        {system: found for system, found in int8.items() if found[0]},
    )
    known = {system: {reference: found["systems"][system]["overall"]} for system in systems}
    seed_view = seed_sections(types, run_tags, with_baseline, compared, bootstrap, known)
    with atomic_path(results.COMPARISON_METRICS_DIR) as folder:
        folder.mkdir()
        for name, detail in compared.items():
            write_json(
                folder / results.comparison(detail["system"], detail["other"]).metrics_file.name,
                {key: seed_view["seeds"][name][key]["mean"] for key in HEADLINE_KEYS},
            )

    errors, examples = {}, {}
    for system in systems:
        rows = span_confusion(*tags[system])
        top = top_confusions(rows, n=10)
        errors[system] = {"summary": error_summary(rows), "top": top, "rows": rows}
        examples[system] = confusion_examples(
            load_tokens(system, reference), *tags[system], top[:EXAMPLE_CONFUSIONS], k=EXAMPLES_PER_CONFUSION
        )
        save(
            plot_confusion(rows, types[system], f"System {system}: test-set span errors"),
            CONFUSION_FIGURES_DIR / f"{system}.png",
        )
    write_json(ERRORS_FILE, errors)
    write_json(EXAMPLES_FILE, examples)

    scores = {
        system: {f"test_{key}": value for key, value in entity_scores(*tags[system]).items()} for system in systems
    }
    write_json(TAIL_FILE, {system: tail_analysis(system, scores[system], hps[system]) for system in systems})
    write_json(
        SEEN_UNSEEN_FILE,
        {system: memorisation(system, types[system], tags[system], reference) for system in systems},
    )
    found["tests"] = seed_view["tests"] | {
        key: {"test": "paired bootstrap", "seeds": [1, 1]}
        for key in found["differences"]
        if key not in seed_view["tests"]
    }
    write_json(INTERVALS_FILE, found | {"runs": seed_view["runs"], "seeds": seed_view["seeds"]})
    counts: dict[str, int] = {}
    for system in systems:  # a type's training entities are the same in every system that keeps it
        counts |= entity_counts(system)
    save(
        plot_long_tail({system: per_type_f1(scores[system]) for system in systems}, counts),
        FIGURES_DIR / "long_tail_f1.png",
    )
    logger.info("%d comparison(s) written to %s; errors to %s", len(compared), COMPARISONS_FILE, ERRORS_FILE)


if __name__ == "__main__":
    run_stage(main)
