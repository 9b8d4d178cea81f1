"""Run a pipeline module as ``python -m`` would, and record which keys of ``params.yaml`` it reads.

Usage, from a repository root: ``python -m tests.param_recorder READS.json MODULE [ARGUMENTS...]``. Writes the
dotted keys the module looked up (``train``, ``systems.A.types``, ...) to ``READS.json``, as a sorted list, also
when the module fails. A key counts as read when its value is taken (``[]``, ``get``, ``items()``,
``values()``, ``**`` unpacking); listing a mapping's keys or testing membership reads nothing.
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path
from typing import Any


class RecordedMapping(dict):
    """A parsed mapping of the parameter file that adds the dotted path of every value taken to ``reads``."""

    def __init__(self, data: dict, path: str, reads: set[str]) -> None:
        super().__init__(data)
        self._path, self._reads = path, reads

    def _taken(self, key: Any, value: Any) -> Any:
        path = f"{self._path}.{key}" if self._path else str(key)
        self._reads.add(path)
        return RecordedMapping(value, path, self._reads) if isinstance(value, dict) else value

    def __getitem__(self, key: Any) -> Any:
        return self._taken(key, super().__getitem__(key))

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if dict.__contains__(self, key) else default

    def items(self):  # type: ignore[override]
        return [(key, self[key]) for key in dict.keys(self)]

    def values(self):  # type: ignore[override]
        return [self[key] for key in dict.keys(self)]

    def __iter__(self):  # not dict's own iterator, so that ** unpacking goes through __getitem__
        return iter(list(dict.keys(self)))


def main() -> None:
    output, module, *arguments = sys.argv[1:]
    import pipeline.core.params as params_module

    reads: set[str] = set()
    unrecorded = params_module.read_params
    params_module.read_params = lambda *args, **kwargs: RecordedMapping(unrecorded(*args, **kwargs), "", reads)
    sys.argv = [module, *arguments]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        Path(output).write_text(json.dumps(sorted(reads)), encoding="utf-8")


if __name__ == "__main__":
    main()
