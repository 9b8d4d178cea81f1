"""Say whether a reproduction (the results in the working tree after ``dvc repro``) agrees with a revision's.

Usage, from the repository root::

    python -m pipeline.verdict          # the workspace against HEAD
    python -m pipeline.verdict v1.0     # ... against any git revision

Every headline score (precision, recall and F1 of each system, each baseline with scores, each int8 graph and
each comparison in ``reports/metrics/``) of the workspace is judged against the 95% bootstrap interval of the same
score in the revision's ``reports/scores/intervals.json``, read from git alone; where the revision trained several
seeds, a system's or comparison's score (a mean over seeds) is judged against the revision's seed spread instead,
its mean ± :data:`SEED_BAND` sample standard deviations: what another training run could move it by. A table gives
each score; then one line for each score not inside (``outside:``, or ``missing:`` when one side lacks it)
and a ``verdict:`` line.
Exit status 0: every score inside; 1: some score not inside; 2: the revision cannot be read (one line on
stderr). A command, not a stage: it reads git, which no stage may (``tests/test_dvc_contract.py``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from pipeline.core.paths import INTERVALS_FILE, METRICS_DIR
from pipeline.evaluation.results import COMPARISON_METRICS_DIR, INTERVAL_SECTIONS, Result, from_metrics_path
from pipeline.tagging.metrics import HEADLINE_KEYS as METRICS

TOLERANCE = 1e-9
"""Slack of the interval test, so that a score equal to a bound (in its last bits) is inside."""
SEED_BAND = 2.0
"""Half-width, in standard deviations over the revision's seeds, of the band a score over several seeds is judged
against (about 95% of a normal spread)."""
ORDER = tuple(INTERVAL_SECTIONS)
"""The kinds of result judged, in the table's order: systems, baselines, int8 graphs, comparisons."""


class VerdictError(Exception):
    """The revision (or the repository) cannot be read; the message is one line."""


@dataclass(frozen=True)
class Row:
    """One headline score: ``name`` (``A``, ``baseline_A``, ``A_on_B_types``), ``metric``, the revision's and the
    workspace's values (ratios in [0, 1]; ``None`` where that side lacks the score) and the revision's interval
    (``None`` where its ``intervals.json`` has none)."""

    name: str
    metric: str
    revision: float | None
    workspace: float | None
    interval: tuple[float, float] | None

    @property
    def inside(self) -> bool:
        """Identical to the revision's value, or within ``interval`` give or take :data:`TOLERANCE`."""
        if self.revision is None or self.workspace is None:
            return False
        return (
            self.workspace == self.revision
            or self.interval is not None
            and (self.interval[0] - TOLERANCE <= self.workspace <= self.interval[1] + TOLERANCE)
        )


def git(*arguments: str) -> bytes:
    """The standard output of ``git ARGUMENTS``; raises :class:`VerdictError` with git's first line of error."""
    try:
        done = subprocess.run(["git", *arguments], capture_output=True, check=False)
    except OSError as error:
        raise VerdictError(f"cannot run git: {error}") from error
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines() or [f"git {arguments[0]} failed"]
        raise VerdictError(message[0].removeprefix("fatal: "))
    return done.stdout


def commit_of(rev: str) -> str:
    """The full sha of the commit ``rev`` names; raises :class:`VerdictError` for an unknown revision, outside a
    git repository or below its top folder."""
    if git("rev-parse", "--show-prefix").strip():
        raise VerdictError("run python -m pipeline.verdict from the repository root")
    try:
        return git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
    except VerdictError:
        raise VerdictError(f"{rev}: not a revision of this git repository") from None


def revision_files(rev: str) -> dict[str, bytes]:
    """``{path: bytes}`` of the ``*.json`` files right in ``reports/metrics/`` and ``reports/metrics/comparisons/``
    committed at ``rev`` (a commit), the paths POSIX from the repository root."""
    listed = git("ls-tree", "-r", "-z", "--name-only", rev, "--", f"{METRICS_DIR.as_posix()}/").decode()
    folders = {METRICS_DIR.as_posix(), COMPARISON_METRICS_DIR.as_posix()}
    return {
        path: git("show", f"{rev}:{path}")
        for path in listed.split("\0")
        if path.endswith(".json") and path.rpartition("/")[0] in folders
    }


def workspace_files(root: Path = Path(".")) -> dict[str, bytes]:
    """``{path: bytes}`` of the same files (:func:`revision_files`) in the working tree under ``root``."""
    found = sorted((root / METRICS_DIR).glob("*.json")) + sorted((root / COMPARISON_METRICS_DIR).glob("*.json"))
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in found if path.is_file()}


def revision_intervals(rev: str, label: str | None = None) -> dict:
    """The parsed ``reports/scores/intervals.json`` of ``rev`` (a commit); raises :class:`VerdictError`, naming
    the revision ``label`` (default ``rev``), when it has none or it is not JSON."""
    label = label or rev
    try:
        return json.loads(git("show", f"{rev}:{INTERVALS_FILE.as_posix()}"))
    except VerdictError:
        raise VerdictError(f"{label}: has no {INTERVALS_FILE.as_posix()} to judge against") from None
    except ValueError as error:
        raise VerdictError(f"{label}: {INTERVALS_FILE.as_posix()} is not JSON ({error})") from None


def file_scores(raw: bytes) -> dict[str, float] | None:
    """``{metric: score}`` of a metrics file's bytes; ``{}`` for ``{}`` (a system without baseline); ``None`` for
    a file that is not a headline file (not JSON, or without numeric ``precision``, ``recall`` and ``f1``)."""
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if data == {}:
        return {}
    numeric = isinstance(data, dict) and all(
        isinstance(data.get(metric), (int, float)) and not isinstance(data.get(metric), bool) for metric in METRICS
    )
    return {metric: float(data[metric]) for metric in METRICS} if numeric else None


def headline_scores(files: dict[str, bytes]) -> dict[Result, dict[str, float]]:
    """``{result: {metric: score}}`` (:func:`file_scores`) of the headline files among ``files``
    (:func:`workspace_files`' shape), each path read back as its result
    (:func:`pipeline.evaluation.results.from_metrics_path`)."""
    found = {}
    for path, raw in files.items():
        result, scores = from_metrics_path(path), file_scores(raw)
        if result is not None and scores is not None:
            found[result] = scores
    return found


def interval_of(intervals: dict, result: Result, metric: str) -> tuple[float, float] | None:
    """``result``'s interval of ``metric`` in ``intervals`` (an ``intervals.json``) as ``(lo, hi)``, or ``None`` if
    absent: for a system or comparison of several seeds, the seed band (mean ± :data:`SEED_BAND` standard
    deviations over seeds, ``intervals["seeds"]``), else the 95% bootstrap interval."""
    spread = intervals.get("seeds", {}).get(result.name) if result.kind in ("system", "comparison") else None
    if isinstance(spread, dict) and len(spread.get("seeds", [])) > 1:
        try:
            mean, std = float(spread[metric]["mean"]), float(spread[metric]["std"])
        except (KeyError, TypeError, ValueError):
            return None
        return mean - SEED_BAND * std, mean + SEED_BAND * std
    section, key = result.interval_key
    try:
        low, high = intervals[section][key]["overall"][metric]["interval"]
        return float(low), float(high)
    except (KeyError, TypeError, ValueError):
        return None


def compare(revision: dict, workspace: dict, intervals: dict) -> list[Row]:
    """One :class:`Row` per headline score of either side (:func:`headline_scores` of each), systems, baselines,
    int8 graphs, then comparisons, each sorted by name, metrics in :data:`METRICS` order; what is ``{}`` or absent on
    both sides (a system without baseline) gives no row. ``intervals``: the revision's ``intervals.json``."""
    rows = []
    for result in sorted({*revision, *workspace}, key=lambda found: (ORDER.index(found.kind), found.interval_key)):
        theirs, ours = revision.get(result, {}), workspace.get(result, {})
        if theirs or ours:
            rows += [
                Row(result.name, metric, theirs.get(metric), ours.get(metric), interval_of(intervals, result, metric))
                for metric in METRICS
            ]
    return rows


def number(value: float | None, signed: bool = False) -> str:
    """A score for the table, 4 decimals (``signed``: with its sign); ``—`` for none."""
    return "—" if value is None else f"{value:+.4f}" if signed else f"{value:.4f}"


def span(interval: tuple[float, float] | None) -> str:
    """An interval for the table, ``[lo, hi]`` with 4 decimals; ``—`` for none."""
    return "—" if interval is None else f"[{interval[0]:.4f}, {interval[1]:.4f}]"


def table(rows: list[Row]) -> list[str]:
    """The table of ``rows``: name, metric, revision's and workspace's values, their difference (workspace −
    revision), the revision's interval and ``inside``/``OUTSIDE``; 63 characters a row plus the longest name."""
    line = f"{{:<{max([4] + [len(row.name) for row in rows])}}}  {{:<9}}  {{:>6}}  {{:>6}}  {{:>7}}  {{:<16}}  {{}}"
    lines = [line.format("name", "metric", "rev", "work", "diff", "interval", "").rstrip()]
    for row in rows:
        difference = None if row.revision is None or row.workspace is None else row.workspace - row.revision
        lines.append(
            line.format(
                row.name,
                row.metric,
                number(row.revision),
                number(row.workspace),
                number(difference, signed=True),
                span(row.interval),
                "inside" if row.inside else "OUTSIDE",
            )
        )
    return lines


def findings(rows: list[Row], rev: str, identical: bool) -> list[str]:
    """An ``outside:`` or ``missing:`` line for each row not inside, then the ``verdict:`` line; ``identical``:
    every compared file has the same bytes on both sides."""
    lines, bad = [], [row for row in rows if not row.inside]
    for row in bad:
        what, ours, theirs = f"{row.name} {row.metric}", number(row.workspace), number(row.revision)
        if row.workspace is None:
            lines.append(f"missing: {what}: the workspace has no score ({rev} value {theirs})")
        elif row.revision is None:
            lines.append(f"missing: {what}: {rev} has no score (workspace value {ours})")
        elif row.interval is None:
            lines.append(
                f"missing: {what}: {rev}'s {INTERVALS_FILE.as_posix()} has no interval "
                f"(workspace value {ours}, {rev} value {theirs})"
            )
        else:
            lines.append(f"outside: {what} {ours} not in {span(row.interval)} of {rev} ({rev} value {theirs})")
    if bad:
        return lines + [
            f"verdict: outside — {len(bad)} of {len(rows)} headline scores of the workspace are not "
            f"inside {rev}'s 95% bootstrap intervals"
        ]
    return [
        f"verdict: inside — {'identical results; ' if identical else ''}every headline score of the workspace "
        f"lies inside {rev}'s 95% bootstrap intervals ({len(rows)} scores)"
    ]


def main(argv: list[str] | None = None) -> int:
    """Run the command with ``argv`` (default ``sys.argv[1:]``); print the report; return the exit status: 0
    every score inside, 1 some score not, 2 (one ``error:`` line on stderr) nothing to judge against."""
    parser = argparse.ArgumentParser(
        prog="python -m pipeline.verdict",
        description=(
            "Judge the results in the working tree against those committed at REV, by REV's 95% bootstrap intervals. "
            "Exit status 0: every headline score inside; 1: some outside or missing; 2: REV cannot be read."
        ),
    )
    parser.add_argument(
        "rev", nargs="?", default="HEAD", metavar="REV", help="the git revision to judge against (default: HEAD)"
    )
    rev = parser.parse_args(argv).rev
    try:
        sha = commit_of(rev)
        intervals, theirs = revision_intervals(sha, rev), revision_files(sha)
        ours = workspace_files()
        rows = compare(headline_scores(theirs), headline_scores(ours), intervals)
        if not rows:
            raise VerdictError(f"no headline scores in {METRICS_DIR.as_posix()}/ of {rev} or of the workspace")
    except VerdictError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    compared = [
        path
        for path in set(theirs) | set(ours)
        if any(file_scores(side[path]) is not None for side in (theirs, ours) if path in side)
    ]
    identical = all(theirs.get(path) == ours.get(path) for path in compared)
    print("\n".join([f"workspace vs {rev} ({sha[:7]})", "", *table(rows), "", *findings(rows, rev, identical)]))
    return 0 if all(row.inside for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
