"""Print a file of parameter overrides as ``--set-param`` arguments of ``dvc exp run``.

Usage, from the repository root::

    dvc exp run $(python -m pipeline.overrides params.full.yaml)

``params.full.yaml`` holds only what the real MultiNERD run changes in ``params.yaml``; this prints one
``-S key=value`` per leaf (strings double-quoted, so a revision such as ``123e4`` stays a string), and DVC
applies them to ``params.yaml`` in the experiment it runs. A key that ``params.yaml`` lacks is an error naming the
key, except under :data:`ADDABLE` (a new external test set), where it is added (``-S +key=value``); so is a value
with white space (which the shell would split).

Code that needs the real run's parameters without DVC (the benchmarks) reads them with :func:`apply_overrides`,
which gives the same nested parameters as the experiment's ``params.yaml``.
"""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.core.exceptions import ParamError
from pipeline.core.params import read_params
from pipeline.core.paths import PARAMS_FILE
from pipeline.core.stage import run_stage

ADDABLE = ("external.local.", "external.hub.")
"""Where an override file may add keys that ``params.yaml`` lacks: the entries of new external test sets."""


def check_known(key: str, known: dict[str, Any]) -> bool:
    """Whether ``key`` is a key of ``params.yaml`` (its leaves ``known``); False for a new key under
    :data:`ADDABLE`; raises :class:`ParamError` for any other new key."""
    if key in known:
        return True
    if key.startswith(ADDABLE):
        return False
    raise ParamError(
        f"{key}: not in {PARAMS_FILE}; an override file may only change existing keys (or add "
        f"external test sets, under {' or '.join(prefix.rstrip('.') for prefix in ADDABLE)})"
    )


def leaves(tree: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """``(dotted.key, value)`` for every value that is not itself a non-empty mapping."""
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            yield from leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def float_text(value: float) -> str:
    """A float as DVC's override grammar (Hydra's) reads it: ``5e-05`` would be a string, ``5.0e-05`` is a float."""
    mantissa, _, exponent = repr(value).partition("e")
    if exponent and "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}e{exponent}" if exponent else mantissa


def set_param_arguments(overrides: dict[str, Any], params: dict[str, Any]) -> list[str]:
    """``["-S", "key=value", ...]`` for every leaf of ``overrides`` (``+key=value`` for a new one,
    :func:`check_known`)."""
    known = dict(leaves(params))
    arguments = []
    for key, value in leaves(overrides):
        marker = "" if check_known(key, known) else "+"
        # Strings quoted, lists without spaces (the shell splits at white space)
        text = float_text(value) if isinstance(value, float) else json.dumps(value, separators=(",", ":"))
        if any(character.isspace() for character in text):
            raise ParamError(f"{key}: got {value!r}; allowed: a value without white space")
        arguments += ["-S", f"{marker}{key}={text}"]
    return arguments


def apply_overrides(params: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``params`` with every leaf of ``overrides`` set: the parameters ``dvc exp run`` runs with
    :func:`set_param_arguments` of the same files. ``params`` is left as it is; a key it lacks is an error, or
    added under :data:`ADDABLE` (:func:`check_known`).

    ``apply_overrides(read_params("params.yaml"), read_params("params.full.yaml"))`` is the real run.
    """
    known = dict(leaves(params))
    merged = copy.deepcopy(params)
    for key, value in leaves(overrides):
        check_known(key, known)
        *parents, last = key.split(".")
        node = merged
        for parent in parents:
            node = node.setdefault(parent, {})
        node[last] = copy.deepcopy(value)
    return merged


def main() -> None:
    if len(sys.argv) != 2 or sys.argv[1].startswith("-"):
        raise ParamError(
            "usage: dvc exp run $(python -m pipeline.overrides OVERRIDES.yaml), OVERRIDES.yaml a file of "
            "parameter overrides such as params.full.yaml"
        )
    print(" ".join(set_param_arguments(read_params(Path(sys.argv[1])), read_params())))


if __name__ == "__main__":
    run_stage(main)
