"""``python -m pipeline.verdict [REV]``: the workspace's headline scores against REV's committed bootstrap intervals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.evaluation import results
from pipeline.verdict import Row, compare, findings, headline_scores, table

REPO_ROOT = Path(__file__).resolve().parents[1]
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0"}


def scores(precision: float, recall: float, f1: float) -> dict:
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": 0.95}


def overall(values: dict, half_width: float = 0.06) -> dict:
    """An ``intervals.json`` entry: each metric's score and ``[score − half_width, score + half_width]``."""
    return {
        "overall": {
            metric: {
                "score": values[metric],
                "interval": [round(values[metric] + sign * half_width, 6) for sign in (-1, 1)],
            }
            for metric in ("precision", "recall", "f1")
        },
        "types": {},
    }


A, B, BASELINE_B, A_ON_B = scores(0.8, 0.8, 0.8), scores(0.9, 0.9, 0.9), scores(0.3, 0.4, 0.35), scores(0.7, 0.7, 0.7)
RESULTS = {
    "reports/metrics/A.json": A,
    "reports/metrics/B.json": B,
    "reports/metrics/baseline_A.json": {},
    "reports/metrics/baseline_B.json": BASELINE_B,
    "reports/metrics/comparisons/A_on_B_types.json": A_ON_B,
    "reports/metrics/audit.json": {"test": {"rows": 10}},
    "reports/metrics/languages_A.json": {"f1": {"en": 0.8}},
    "reports/scores/intervals.json": {
        "resamples": 1000,
        "seed": 42,
        "sentences": {"A": 100, "B": 100},
        "systems": {"A": overall(A), "B": overall(B)},
        "baselines": {"A": None, "B": overall(BASELINE_B)},
        "comparisons": {"A_on_B_types": overall(A_ON_B)},
        "differences": {},
    },
}


def write(root: Path, files: dict) -> None:
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(json.dumps(content, indent=2, sort_keys=True) + "\n")


def git(root: Path, *arguments: str) -> str:
    return subprocess.run(
        ["git", *arguments], cwd=root, env={**os.environ, **GIT_ENV}, capture_output=True, text=True, check=True
    ).stdout.strip()


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "--no-verify", "-m", message)
    return git(root, "rev-parse", "HEAD")


def verdict(root: Path, *arguments: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline.verdict", *arguments],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose one commit holds :data:`RESULTS`; the working tree is that commit."""
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "user.name", "Test")
    git(tmp_path, "config", "user.email", "test@example.com")
    git(tmp_path, "config", "commit.gpgsign", "false")
    write(tmp_path, RESULTS)
    commit(tmp_path, "reference run")
    return tmp_path


def row_of(output: str, name: str, metric: str) -> str:
    [line] = [line for line in output.splitlines() if line.split()[:2] == [name, metric]]
    return line


def test_identical_workspace_is_inside_and_says_identical(repo: Path):
    done = verdict(repo)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"workspace vs HEAD ({git(repo, 'rev-parse', '--short=7', 'HEAD')})"
    assert lines[-1] == (
        "verdict: inside — identical results; every headline score of the workspace lies inside "
        "HEAD's 95% bootstrap intervals (12 scores)"
    )
    assert row_of(done.stdout, "A", "f1").split() == [
        "A",
        "f1",
        "0.8000",
        "0.8000",
        "+0.0000",
        "[0.7400,",
        "0.8600]",
        "inside",
    ]
    assert row_of(done.stdout, "baseline_B", "recall").split()[-1] == "inside"
    assert row_of(done.stdout, "A_on_B_types", "precision").split()[-1] == "inside"
    assert "baseline_A" not in done.stdout  # {}: no baseline, nothing to say
    assert "audit" not in done.stdout and "languages" not in done.stdout  # not headline files
    assert "OUTSIDE" not in done.stdout and done.stderr == ""


def test_a_change_within_the_interval_is_inside_and_shows_the_difference(repo: Path):
    write(repo, {"reports/metrics/A.json": {**A, "f1": 0.82}, "reports/metrics/languages_A.json": {"f1": {"en": 0}}})
    done = verdict(repo)
    assert done.returncode == 0, done.stdout
    assert row_of(done.stdout, "A", "f1").split() == [
        "A",
        "f1",
        "0.8000",
        "0.8200",
        "+0.0200",
        "[0.7400,",
        "0.8600]",
        "inside",
    ]
    assert done.stdout.splitlines()[-1].startswith("verdict: inside — every headline score")
    assert "identical" not in done.stdout and "outside:" not in done.stdout


def test_a_change_outside_the_interval_is_named_once(repo: Path):
    write(repo, {"reports/metrics/A.json": {**A, "f1": 0.7}})
    done = verdict(repo)
    assert done.returncode == 1
    assert row_of(done.stdout, "A", "f1").split()[-2:] == ["0.8600]", "OUTSIDE"]
    assert "-0.1000" in row_of(done.stdout, "A", "f1")
    assert [line for line in done.stdout.splitlines() if line.startswith("outside:")] == [
        "outside: A f1 0.7000 not in [0.7400, 0.8600] of HEAD (HEAD value 0.8000)"
    ]
    assert done.stdout.splitlines()[-1] == (
        "verdict: outside — 1 of 12 headline scores of the workspace are not inside HEAD's 95% bootstrap intervals"
    )
    assert row_of(done.stdout, "A", "precision").split()[-1] == "inside"


def test_a_score_just_past_a_bound_within_the_tolerance_is_inside(repo: Path):
    write(repo, {"reports/metrics/A.json": {**A, "recall": 0.86 + 1e-12}})
    assert verdict(repo).returncode == 0


def test_a_missing_workspace_file_is_named(repo: Path):
    (repo / "reports/metrics/B.json").unlink()
    done = verdict(repo)
    assert done.returncode == 1
    missing = [line for line in done.stdout.splitlines() if line.startswith("missing:")]
    assert missing == [
        f"missing: B {metric}: the workspace has no score (HEAD value 0.9000)"
        for metric in ("precision", "recall", "f1")
    ]
    assert row_of(done.stdout, "B", "f1").split() == ["B", "f1", "0.9000", "—", "—", "[0.8400,", "0.9600]", "OUTSIDE"]
    assert "3 of 12 headline scores" in done.stdout.splitlines()[-1]


def test_a_system_only_in_the_workspace_is_named(repo: Path):
    write(repo, {"reports/metrics/C.json": scores(0.5, 0.5, 0.5)})
    done = verdict(repo)
    assert done.returncode == 1
    assert "missing: C f1: HEAD has no score (workspace value 0.5000)" in done.stdout.splitlines()


def test_an_empty_baseline_is_skipped_unless_the_other_side_has_scores(repo: Path):
    write(repo, {"reports/metrics/baseline_A.json": scores(0.1, 0.2, 0.15)})
    done = verdict(repo)
    assert done.returncode == 1
    assert "missing: baseline_A f1: HEAD has no score (workspace value 0.1500)" in done.stdout.splitlines()
    write(repo, {"reports/metrics/baseline_B.json": {}, "reports/metrics/baseline_A.json": {}})
    done = verdict(repo)
    assert "missing: baseline_B precision: the workspace has no score (HEAD value 0.3000)" in done.stdout.splitlines()
    assert "baseline_A" not in done.stdout


def test_a_comparison_outside_is_detected(repo: Path):
    write(repo, {"reports/metrics/comparisons/A_on_B_types.json": {**A_ON_B, "recall": 0.5}})
    done = verdict(repo)
    assert done.returncode == 1
    assert [line for line in done.stdout.splitlines() if line.startswith(("outside:", "missing:"))] == [
        "outside: A_on_B_types recall 0.5000 not in [0.6400, 0.7600] of HEAD (HEAD value 0.7000)"
    ]
    assert row_of(done.stdout, "A_on_B_types", "recall").split()[-1] == "OUTSIDE"


def test_another_revision_is_judged_by_its_own_intervals(repo: Path):
    first = git(repo, "rev-parse", "HEAD")
    write(
        repo,
        {
            "reports/metrics/A.json": {**A, "f1": 0.65},
            "reports/scores/intervals.json": {
                **RESULTS["reports/scores/intervals.json"],
                "systems": {"A": overall({**A, "f1": 0.65}), "B": overall(B)},
            },
        },
    )
    commit(repo, "a second run")
    done = verdict(repo, "HEAD~1")
    assert done.returncode == 1
    assert done.stdout.splitlines()[0] == f"workspace vs HEAD~1 ({first[:7]})"
    assert [line for line in done.stdout.splitlines() if line.startswith("outside:")] == [
        "outside: A f1 0.6500 not in [0.7400, 0.8600] of HEAD~1 (HEAD~1 value 0.8000)"
    ]
    assert "identical results" in verdict(repo, "HEAD").stdout
    assert verdict(repo, first).returncode == 1


@pytest.mark.parametrize("case", ["unknown revision", "not a repository", "no intervals"])
def test_a_revision_that_cannot_be_read_is_a_one_line_error(repo: Path, tmp_path_factory, case: str):
    root, rev = repo, "no-such-rev"
    if case == "not a repository":
        root, rev = tmp_path_factory.mktemp("plain"), "HEAD"
    elif case == "no intervals":
        (repo / "reports/scores/intervals.json").unlink()
        commit(repo, "intervals removed")
        rev = "HEAD"
    done = verdict(root, rev)
    assert done.returncode == 2
    assert done.stdout == "" and len(done.stderr.splitlines()) == 1 and done.stderr.startswith("error: ")
    assert {
        "unknown revision": "no-such-rev: not a revision",
        "not a repository": "not a git repository",
        "no intervals": "error: HEAD: has no reports/scores/intervals.json",
    }[case] in done.stderr


def test_help_gives_usage(repo: Path):
    done = verdict(repo, "--help")
    assert done.returncode == 0 and done.stdout.startswith("usage: python -m pipeline.verdict [-h] [REV]")


INTERVALS = {
    "systems": {
        "A": overall(A),
        "P": {"overall": {m: {"score": 1.0, "interval": [1.0, 1.0]} for m in ("precision", "recall", "f1")}},
    },
    "baselines": {"A": None},
    "comparisons": {},
}


def test_compare_makes_one_row_per_score_and_judges_it():
    a, base_a, p = results.system("A"), results.baseline("A"), results.system("P")
    revision = {
        a: {"precision": 0.8, "recall": 0.8, "f1": 0.8},
        base_a: {},
        p: {"precision": 1.0, "recall": 1.0, "f1": 1.0},
    }
    workspace = {
        a: {"precision": 0.8, "recall": 0.9, "f1": 0.85},
        base_a: {},
        p: {"precision": 1.0, "recall": 1.0, "f1": 1.0},
        results.comparison("P", "A"): {"precision": 0.5, "recall": 0.5, "f1": 0.5},
    }
    rows = compare(revision, workspace, INTERVALS)
    assert [(row.name, row.metric) for row in rows] == [
        (name, metric) for name in ("A", "P", "A_on_P_types") for metric in ("precision", "recall", "f1")
    ]
    assert [row.inside for row in rows] == [True, False, True, True, True, True, False, False, False]
    assert rows[1] == Row("A", "recall", 0.8, 0.9, (0.74, 0.86))
    assert rows[8] == Row("A_on_P_types", "f1", None, 0.5, None)


def test_a_score_over_several_seeds_is_judged_by_the_seed_band_not_the_bootstrap():
    """Where the revision trained several seeds, a system's score (their mean) is judged against the revision's mean
    ± 2 standard deviations over seeds; a baseline, untrained, keeps its bootstrap interval."""
    from pipeline.evaluation.seeds import headline_spread

    spread = headline_spread(
        {seed: {"precision": f1, "recall": f1, "f1": f1} for seed, f1 in ((1, 0.7), (2, 0.8), (3, 0.9))}
    )
    intervals = {**INTERVALS, "seeds": {"A": spread}}
    a = results.system("A")
    rows = compare({a: scores(0.8, 0.8, 0.8)}, {a: scores(0.65, 0.97, 0.8)}, intervals)
    assert [row.interval for row in rows] == [pytest.approx((0.6, 1.0))] * 3  # 0.8 ± 2 × 0.1, not the bootstrap's
    assert [row.inside for row in rows] == [True, True, True]  # 0.65 and 0.97 lie outside the bootstrap's ±0.06
    single = {**INTERVALS, "seeds": {"A": headline_spread({42: {"precision": 0.8, "recall": 0.8, "f1": 0.8}})}}
    assert compare({a: scores(0.8, 0.8, 0.8)}, {a: scores(0.65, 0.8, 0.8)}, single)[0].interval == (0.74, 0.86)


def test_identical_values_are_inside_even_off_their_interval():
    assert Row("A", "f1", 0.5, 0.5, (0.6, 0.7)).inside
    assert Row("A", "f1", 1.0, 1.0, (1.0, 1.0)).inside
    assert Row("A", "f1", 0.5, 0.5, None).inside
    assert not Row("A", "f1", 0.5, 0.55, None).inside  # no interval to judge a change by
    assert "has no interval" in findings([Row("A", "f1", 0.5, 0.55, None)], "HEAD", False)[0]


def test_headline_scores_names_systems_baselines_and_comparisons_and_skips_other_files():
    files = {
        "reports/metrics/A.json": b'{"precision": 1, "recall": 0.5, "f1": 0.6, "accuracy": 0.9}',
        "reports/metrics/baseline_A.json": b"{}",
        "reports/metrics/comparisons/A_on_B_types.json": b'{"precision": 0.1, "recall": 0.2, "f1": 0.3}',
        "reports/metrics/audit.json": b'{"test": {"rows": 3}}',
        "reports/metrics/languages_A.json": b'{"f1": {"en": 0.5}}',
        "reports/metrics/broken.json": b"{not json",
    }
    assert headline_scores(files) == {
        results.system("A"): {"precision": 1.0, "recall": 0.5, "f1": 0.6},
        results.baseline("A"): {},
        results.comparison("B", "A"): {"precision": 0.1, "recall": 0.2, "f1": 0.3},
    }


def test_the_table_stays_narrow_for_twelve_character_systems():
    name = "abcdefghijkl_on_mnopqrstuvwx_types"
    lines = table([Row(name, "precision", 0.12345, 0.5, (0.1, 0.2)), Row(name, "f1", None, 0.5, None)])
    assert max(len(line) for line in lines) <= 100


def test_an_int8_graph_is_judged_by_its_own_interval(repo: Path):
    quantised = scores(0.78, 0.79, 0.785)
    intervals = {**RESULTS["reports/scores/intervals.json"], "int8": {"A": overall(quantised, 0.01)}}
    write(repo, {"reports/metrics/int8_A.json": quantised, "reports/scores/intervals.json": intervals})
    commit(repo, "with an int8 graph")
    write(repo, {"reports/metrics/int8_A.json": scores(0.78, 0.79, 0.79)})
    done = verdict(repo)
    assert done.returncode == 0, done.stdout
    assert row_of(done.stdout, "int8_A", "f1").split()[-3:] == ["[0.7750,", "0.7950]", "inside"]
    write(repo, {"reports/metrics/int8_A.json": scores(0.78, 0.79, 0.80)})
    done = verdict(repo)
    assert done.returncode == 1
    assert "outside: int8_A f1 0.8000 not in [0.7750, 0.7950] of HEAD (HEAD value 0.7850)" in done.stdout.splitlines()
