"""Record which keys of ``params.yaml`` a pipeline module reads.

Usage, from a repository root: ``python -m tests.param_recorder READS.json MODULE [ARGUMENTS...]`` runs the module as
``python -m`` would and writes the dotted keys it read (``train.seed``, ``systems.A``, ...) to ``READS.json``, as a
sorted list, also when the module fails (see :class:`RecordedMapping` for what counts as read). Inside a ``dvc repro``,
``tests/recording/sitecustomize.py`` records every stage the same way (:func:`record_stage`).
"""

from __future__ import annotations

import atexit
import importlib.abc
import importlib.machinery
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


def recording(read_params: Any, reads: set[str]) -> Any:
    """``read_params`` returning a :class:`RecordedMapping` that adds to ``reads``."""
    return lambda *args, **kwargs: RecordedMapping(read_params(*args, **kwargs), "", reads)


class _RecordingLoader(importlib.abc.Loader):
    """Loads ``pipeline.core.params`` as its own loader does, then makes its ``read_params`` record into ``reads``."""

    def __init__(self, loader: importlib.abc.Loader, reads: set[str]) -> None:
        self.loader, self.reads = loader, reads

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self.loader.exec_module(module)
        module.read_params = recording(module.read_params, self.reads)


class _ParamsFinder(importlib.abc.MetaPathFinder):
    """Finds ``pipeline.core.params`` where the import system would (the stage's own repository, once ``python -m``
    has put it on the path) and hands it to :class:`_RecordingLoader`."""

    def __init__(self, reads: set[str]) -> None:
        self.reads = reads

    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name != "pipeline.core.params":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None:
            spec.loader = _RecordingLoader(spec.loader, self.reads)
        return spec


def record_stage(folder: str, stage: str, arguments: list[str]) -> None:
    """Record the keys of ``params.yaml`` this process reads into ``<folder>/<stage>[@ARGUMENTS].json`` (the arguments
    joined by hyphens: ``train@A-42``) when it exits (also when it fails); to be called before the process imports
    ``pipeline.core.params``."""
    reads: set[str] = set()
    sys.meta_path.insert(0, _ParamsFinder(reads))
    name = f"{stage}@{'-'.join(arguments)}" if arguments else stage
    atexit.register(lambda: (Path(folder) / f"{name}.json").write_text(json.dumps(sorted(reads)), encoding="utf-8"))


def main() -> None:
    output, module, *arguments = sys.argv[1:]
    import pipeline.core.params as params_module

    reads: set[str] = set()
    params_module.read_params = recording(params_module.read_params, reads)
    sys.argv = [module, *arguments]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    finally:
        Path(output).write_text(json.dumps(sorted(reads)), encoding="utf-8")


if __name__ == "__main__":
    main()
