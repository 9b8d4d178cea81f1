"""Run a pipeline module as ``python -m`` would, and record which keys of ``params.yaml`` it reads.

Usage, from a repository root: ``python -m tests.param_recorder READS.json MODULE [ARGUMENTS...]``. Writes the
dotted keys the module read (``train.seed``, ``systems.A``, ...) to ``READS.json``, as a sorted list, also when
the module fails (see :class:`RecordedMapping` for what counts as read).
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path
from typing import Any


class RecordedMapping(dict):
    """A parsed mapping of the parameter file that adds to ``reads`` the dotted path of every value taken that
    is not itself a mapping, and of every mapping whose keys are listed (iteration, ``keys()``, ``items()``,
    ``values()``, ``**`` unpacking): what the mapping holds is then read, its emptiness included. Taking a
    mapping by key (to look inside it) or testing whether it holds a key reads nothing."""

    def __init__(self, data: dict, path: str, reads: set[str]) -> None:
        super().__init__(data)
        self._path, self._reads = path, reads

    def _key_path(self, key: Any) -> str:
        return f"{self._path}.{key}" if self._path else str(key)

    def __getitem__(self, key: Any) -> Any:
        value = super().__getitem__(key)
        if isinstance(value, dict):
            return RecordedMapping(value, self._key_path(key), self._reads)
        self._reads.add(self._key_path(key))
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if dict.__contains__(self, key) else default

    def keys(self):  # type: ignore[override]
        if self._path:  # the file's own list of blocks is not a parameter
            self._reads.add(self._path)
        return list(dict.keys(self))

    def __iter__(self):  # also makes ** unpacking call keys() and __getitem__
        return iter(self.keys())

    def items(self):  # type: ignore[override]
        return [(key, self[key]) for key in self.keys()]

    def values(self):  # type: ignore[override]
        return [self[key] for key in self.keys()]


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
