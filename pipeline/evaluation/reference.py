"""The committed reference run: a file of it as recorded in git ``HEAD``, for comparisons with this run.

The repository commits its reference run's small outputs (``reports/scores/``) with the ``params.yaml`` that
made them. Inside ``dvc exp run`` the experiment's baseline commit is ``HEAD``, so these are the results the
experiment changes; ``dvc metrics diff`` compares the overall scores the same way.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML, YAMLError

from pipeline.core.paths import PARAMS_FILE


def committed_text(path: str | Path, revision: str = "HEAD") -> str | None:
    """The text of ``path`` (relative to the repository root) at ``revision``; None outside a git checkout or
    when the file is not in that commit."""
    try:
        completed = subprocess.run(["git", "show", f"{revision}:{Path(path).as_posix()}"], capture_output=True,
                                   text=True, check=False)
    except OSError:
        return None
    return completed.stdout if completed.returncode == 0 else None


def oversampling(params: dict[str, Any], system: str) -> tuple[float, int]:
    """``(oversample_threshold, oversample_cap)`` of a system in a parameter file's content, unchecked.

    A file from before the option existed has neither key: ``(0.0, 1)``, no oversampling. A threshold of 0
    reads as ``(0.0, 1)`` whatever the cap, so two runs without oversampling compare equal.
    """
    train = {**(params.get("train") or {}), **(((params.get("systems") or {}).get(system) or {}).get("train") or {})}
    threshold = float(train.get("oversample_threshold", 0.0))
    return (threshold, int(train.get("oversample_cap", 1))) if threshold > 0 else (0.0, 1)


def reference_scores(scores_path: str | Path, revision: str = "HEAD") -> tuple[dict[str, Any], dict[str, Any]] | None:
    """A scores file and the ``params.yaml`` of the committed reference run, or None when either is absent
    or unreadable (not a git checkout, nothing committed yet)."""
    scores, params = committed_text(scores_path, revision), committed_text(PARAMS_FILE, revision)
    if scores is None or params is None:
        return None
    try:
        return json.loads(scores), YAML(typ="safe", pure=True).load(params) or {}
    except (ValueError, YAMLError):
        return None
