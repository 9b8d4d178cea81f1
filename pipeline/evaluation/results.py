"""The name and the files of every result the pipeline writes, in one place.

A result is one model's scores on one test set. The stages that write results, those that read them (plots,
analyze, report) and the verdict command ask this module for names and files; no other module builds a result's
name or parses one back out of a file name.

==============  ================================  =========  ====================================================
kind            name                              stage      files
==============  ================================  =========  ====================================================
``run``         ``<system>/seed-<seed>``          evaluate   scores, predictions (one run: the system trained
                                                             with one seed of ``train.seeds``)
``system``      ``<system>``                      seeds      metrics and scores: the mean over the system's runs,
                                                             and their spread
``baseline``    ``baseline_<system>``             baseline   metrics, scores, predictions
``int8``        ``int8_<system>``                 int8       metrics, scores, predictions
``languages``   ``languages_<system>``            languages  scores
``comparison``  ``<other>_on_<system>_types``     analyze    metrics (in ``reports/metrics/comparisons/``)
``external``    ``external_<system>``             external   a metrics folder (``<set>.json``,
                                                             ``baseline_<set>.json``) and scores
                                                             (``reports/external/<system>.json``)
==============  ================================  =========  ====================================================

Metrics files (``reports/metrics/``) hold the headline micro precision, recall and F1 (the DVC metrics); scores
files (``reports/scores/``) the per-type detail; predictions files (``data/predictions/``) the gold and predicted
BIO tags of every test sentence. System names hold no underscore (:data:`pipeline.core.params.SYSTEM_NAME`), so
every name reads back unambiguously (:func:`from_metrics_path`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from pipeline.core.params import SYSTEM_NAME
from pipeline.core.paths import METRICS_DIR, PREDICTIONS_DIR, REPORTS_DIR, SCORES_DIR, run_folder

Kind = Literal["run", "system", "baseline", "int8", "languages", "comparison", "external"]
PREFIXES: dict[str, str] = {
    "baseline": "baseline_",
    "int8": "int8_",
    "languages": "languages_",
    "external": "external_",
}
"""The prefix of each kind's name before the system's (none for ``system`` and ``comparison``)."""
INTERVAL_SECTIONS: dict[str, str] = {
    "system": "systems",
    "baseline": "baselines",
    "int8": "int8",
    "comparison": "comparisons",
}
"""The key of ``reports/scores/intervals.json`` under which each kind with headline scores has its intervals."""
COMPARISON_METRICS_DIR = METRICS_DIR / "comparisons"
"""``analyze``: ``<other>_on_<system>_types.json``, the headline scores of each comparison (DVC metrics)."""
EXTERNAL_SCORES_DIR = REPORTS_DIR / "external"
"""``external``: ``<system>.json``, the per-set detail (outside :data:`SCORES_DIR`, so that a change of the external
sets reruns no stage that reads that folder but the report)."""
COMPARISON = re.compile(r"([A-Za-z0-9-]+)_on_([A-Za-z0-9-]+)_types")


@dataclass(frozen=True)
class Result:
    """One result: its ``kind``, the ``system`` it belongs to, for a comparison the ``other`` system scored on
    ``system``'s types, and for a run its training ``seed``."""

    kind: Kind
    system: str
    other: str = ""
    seed: int | None = None

    @property
    def name(self) -> str:
        """The name of its files, e.g. ``A``, ``baseline_A``, ``A_on_B_types``, ``A/seed-42`` (a run's, in a folder
        of the system's runs)."""
        if self.kind == "run":
            return run_folder(self.system, self.seed or 0).as_posix()
        if self.kind == "comparison":
            return f"{self.other}_on_{self.system}_types"
        return PREFIXES.get(self.kind, "") + self.system

    @property
    def metrics_file(self) -> Path:
        """Its headline scores: ``reports/metrics/<name>.json`` (a comparison's in ``comparisons/``; an external
        result's is the folder ``reports/metrics/external_<system>/``, see :func:`external_metrics_file`). A run has
        none: its headline scores are in its scores file, and the system's metrics are the mean over its runs."""
        if self.kind == "run":
            raise ValueError(f"{self.name}: a run's headline scores are in its scores file, not a DVC metrics file")
        if self.kind == "comparison":
            return COMPARISON_METRICS_DIR / f"{self.name}.json"
        return METRICS_DIR / self.name if self.kind == "external" else METRICS_DIR / f"{self.name}.json"

    @property
    def scores_file(self) -> Path:
        """Its per-type detail: ``reports/scores/<name>.json``, or ``reports/external/<system>.json``. A comparison
        has none of its own: its detail is an entry of ``reports/scores/comparisons.json``."""
        if self.kind == "comparison":
            raise ValueError(f"{self.name}: a comparison's detail is an entry of comparisons.json, not a file")
        return (
            EXTERNAL_SCORES_DIR / f"{self.system}.json"
            if self.kind == "external"
            else (SCORES_DIR / f"{self.name}.json")
        )

    @property
    def predictions_file(self) -> Path:
        """The gold and predicted tags of its test sentences: ``data/predictions/<name>.parquet``."""
        return PREDICTIONS_DIR / f"{self.name}.parquet"

    @property
    def interval_key(self) -> tuple[str, str]:
        """Where ``intervals.json`` holds its intervals: the section (:data:`INTERVAL_SECTIONS`) and the key in it
        (the system's name, or the comparison's)."""
        return INTERVAL_SECTIONS[self.kind], self.name if self.kind == "comparison" else self.system


def run(name: str, seed: int) -> Result:
    """The evaluate stage's scores of system ``name`` trained with ``seed``."""
    return Result("run", name, seed=seed)


def system(name: str) -> Result:
    """System ``name``'s scores over its runs (the ``seeds`` stage)."""
    return Result("system", name)


def baseline(name: str) -> Result:
    """The starting model's scores on system ``name``'s types."""
    return Result("baseline", name)


def int8(name: str) -> Result:
    """System ``name``'s int8 ONNX graph's scores."""
    return Result("int8", name)


def languages(name: str) -> Result:
    """System ``name``'s and its baseline's scores on every evaluation language."""
    return Result("languages", name)


def comparison(system_name: str, other: str) -> Result:
    """System ``other`` scored on the types it shares with ``system_name`` (declared by
    ``systems.<system_name>.compare``)."""
    return Result("comparison", system_name, other)


def external(name: str) -> Result:
    """System ``name``'s scores on every external test set."""
    return Result("external", name)


def external_metrics_file(system_name: str, test_set: str, of_baseline: bool = False) -> Path:
    """``reports/metrics/external_<system>/<set>.json`` (``baseline_<set>.json`` for the baseline's scores)."""
    return external(system_name).metrics_file / f"{'baseline_' if of_baseline else ''}{test_set}.json"


def from_metrics_path(path: str | PurePosixPath) -> Result | None:
    """The system, baseline, int8 or comparison result whose :attr:`~Result.metrics_file` is ``path`` (POSIX, from
    the repository root), or None for any other path."""
    path = PurePosixPath(path)
    if path.suffix != ".json":
        return None
    if path.parent == PurePosixPath(COMPARISON_METRICS_DIR.as_posix()):
        match = COMPARISON.fullmatch(path.stem)
        return comparison(match[2], match[1]) if match else None
    if path.parent != PurePosixPath(METRICS_DIR.as_posix()):
        return None
    prefixed = [kind for kind in INTERVAL_SECTIONS if kind in PREFIXES]  # the other kinds with a metrics file here
    kind, name = next(
        ((kind, path.stem.removeprefix(PREFIXES[kind])) for kind in prefixed if path.stem.startswith(PREFIXES[kind])),
        ("system", path.stem),
    )
    return Result(kind, name) if SYSTEM_NAME.fullmatch(name) else None  # type: ignore[arg-type]


def baseline_difference(system_name: str) -> str:
    """The key in ``intervals.json``'s ``differences`` of the F1 of ``system_name`` minus its baseline's."""
    return f"{system_name} − baseline"


def comparison_difference(system_name: str, other: str) -> str:
    """The key of the F1 of ``system_name`` minus ``other``'s, both on ``system_name``'s types."""
    return f"{system_name} − {other} on {system_name}'s types"


def int8_difference(system_name: str) -> str:
    """The key of the F1 of ``system_name``'s int8 graph minus ``system_name``'s."""
    return f"{system_name} int8 − {system_name}"
