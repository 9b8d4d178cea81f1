"""Write outputs through a temporary sibling path that replaces the target only on success."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipeline.core.exceptions import DiskFullError, disk_full_cause

logger = logging.getLogger(__name__)


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


def temporary_path(target: Path, pid: int) -> Path:
    """The temporary sibling that process ``pid`` writes ``target`` through: ``.<name>.tmp-<pid>``."""
    return target.with_name(f".{target.name}.tmp-{pid}")


def is_running(pid: int) -> bool:
    """Whether a process with id ``pid`` exists (also one of another user)."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(target: Path) -> None:
    """Remove the temporaries of ``target`` left by processes that are gone (killed while writing), logging a
    warning for each; those of running processes are kept. A leftover that cannot be removed is logged too."""
    pattern = re.compile(re.escape(f".{target.name}.tmp-") + r"([0-9]+)")
    for path in target.parent.iterdir():
        match = pattern.fullmatch(path.name)
        if match is None or int(match[1]) == os.getpid() or is_running(int(match[1])):
            continue
        try:
            remove(path)
        except OSError as error:
            logger.warning("cannot remove %s, left by process %s that is gone: %s", path, match[1], error)
        else:
            logger.warning("removed %s, left by process %s that is gone", path, match[1])


@contextmanager
def disk_full_reported(target: Path, *, measure: bool = True) -> Iterator[None]:
    """Raise a :class:`DiskFullError` naming ``target`` (with the free space left, if ``measure``) for an error
    with ENOSPC or EDQUOT in its chain that escapes the block, also for one naming a path inside ``target``."""
    try:
        yield
    except Exception as error:
        cause = disk_full_cause(error)
        if cause is None:
            raise
        raise DiskFullError.writing(target, cause, measure=measure) from error


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield the path to write ``target`` through: on success the written result replaces ``target``.

    For a new path, a regular file or a folder, the path is a temporary sibling ``.<name>.tmp-<pid>``, moved
    onto ``target`` only if the block succeeds: a block killed or failing leaves ``target`` untouched (or
    absent), never half-written. Temporaries of ``target`` left by processes that are gone are removed first.
    A symbolic link is written through: the file it points to is replaced that way and the link is kept. A
    FIFO, device or socket (``/dev/null``, ``/dev/stdout`` in a pipe) is yielded as it is, to be written
    directly: it is never removed or replaced.

    Raises :class:`~pipeline.core.exceptions.DiskFullError` (one line naming ``target`` and, but for a device, the
    space free on its file system) if the write fails with ENOSPC or EDQUOT; other errors pass unchanged.
    """
    target = Path(target)
    if is_stream(target):
        with disk_full_reported(target, measure=False):
            yield target
        return
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(target)
    tmp = temporary_path(target, os.getpid())
    remove(tmp)
    with disk_full_reported(target):
        try:
            yield tmp
            if target.is_dir():
                remove(target)
            os.replace(tmp, target)
        except BaseException:
            remove(tmp)
            raise


def write_json(target: str | Path, data: Any) -> None:
    """Atomically write ``data`` as indented JSON; raises :class:`~pipeline.core.exceptions.DiskFullError` as
    :func:`atomic_path` does."""
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
