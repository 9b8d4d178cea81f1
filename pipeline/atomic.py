"""Write outputs through a temporary sibling path that replaces the target only on success."""

from __future__ import annotations

import json
import os
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def remove(path: Path) -> None:
    """Delete a file or directory tree if it exists."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


def is_stream(path: Path) -> bool:
    """Whether ``path`` (followed through symbolic links) is a FIFO, device or socket: no file to replace."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield the path to write ``target`` through: on success the written result replaces ``target``.

    For a new path, a regular file or a folder, the path is a temporary sibling, moved onto ``target`` only if
    the block succeeds: a block killed or failing leaves ``target`` untouched (or absent), never half-written.
    A symbolic link is written through: the file it points to is replaced that way and the link is kept. A
    FIFO, device or socket (``/dev/null``, ``/dev/stdout`` in a pipe) is yielded as it is, to be written
    directly: it is never removed or replaced.
    """
    target = Path(target)
    if is_stream(target):
        yield target
        return
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    remove(tmp)
    try:
        yield tmp
    except BaseException:
        remove(tmp)
        raise
    if target.is_dir():
        remove(target)
    os.replace(tmp, target)


def write_json(target: str | Path, data: Any) -> None:
    """Atomically write ``data`` as indented JSON."""
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
