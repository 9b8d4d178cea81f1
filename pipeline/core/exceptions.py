"""The errors a stage reports as one line (``error: ...``) instead of a traceback; see :mod:`pipeline.core.stage`."""

from __future__ import annotations

import errno
import os
import shutil
from pathlib import Path


class ParamError(ValueError):
    """A parameter in ``params.yaml`` has a value the pipeline cannot use."""


class DataError(ValueError):
    """Input data that the pipeline refuses to process; the message names the source, row and problem."""


class GraphError(RuntimeError):
    """An ONNX graph that is missing, stale (exported from other weights), or computes other entities than its
    model; see :mod:`pipeline.graphs.onnx_graph`."""


class HubUnreachableError(RuntimeError):
    """The Hub could not be reached; the message names the offline alternatives."""


DISK_FULL_ERRNOS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up"}
"""The ``errno`` of a write refused for want of space, with what it means."""


class DiskFullError(OSError):
    """A write failed for want of space: ``errno`` is ENOSPC or EDQUOT, as in the error it replaces.

    Its message (``strerror``, also ``str()``) is one line: the path being written (when known), the reason
    and, when it can be read, the space free on the file system holding the path's nearest existing folder
    (the current folder when the path is not known).
    """

    def __str__(self) -> str:
        return str(self.strerror)

    @classmethod
    def writing(cls, path: str | Path | None, error: OSError, *, measure: bool = True) -> DiskFullError:
        """The error for ``error`` (ENOSPC or EDQUOT) while writing ``path`` (``None``: ``error.filename``, if
        any); with ``measure`` false (a device has no free space to report) the message leaves free space out."""
        path = error.filename if path is None else path
        code = error.errno if error.errno is not None else errno.ENOSPC
        reason = os.strerror(code)
        subject = "cannot write" if path is None else f"cannot write {path}"
        message = f"{subject}: {DISK_FULL_ERRNOS[code]} ({reason[:1].lower()}{reason[1:]})"
        folder = Path.cwd() if path is None else nearest_folder(Path(path))
        free = free_space(folder) if measure else None
        if free is not None:
            where = f"the current folder {folder}" if path is None else str(folder)
            message += f"; {format_size(free)} free on the file system holding {where}"
        return cls(error.errno, message)

    @classmethod
    def under(cls, folder: Path, code: int) -> DiskFullError:
        """The error for a write of unknown path that failed (``code``: ENOSPC or EDQUOT) while ``folder``'s file
        system had almost no space left."""
        free = free_space(folder)
        return cls(
            code,
            f"cannot write under {folder}: {DISK_FULL_ERRNOS[code]} "
            f"({format_size(free or 0)} free on that file system)",
        )


DISK_FULL_MESSAGES = {
    "No space left on device": errno.ENOSPC,
    "os error 28": errno.ENOSPC,
    "Disk quota exceeded": errno.EDQUOT,
    "os error 122": errno.EDQUOT,
}
"""How libraries that do not raise ``OSError`` report a full disk in their message (safetensors, for one:
``SafetensorError: Error while serializing: I/O error: No space left on device (os error 28)``)."""
TORCH_WRITE_FAILURE = "inline_container"
"""Part of the message of the ``RuntimeError`` that ``torch.save`` raises when a write fails, whatever the cause
(``[enforce fail at inline_container.cc:...] . unexpected pos ...``)."""
LOW_SPACE = 1 << 20
"""Bytes free below which a failed ``torch.save`` is taken for a full disk."""


def disk_full_cause(error: BaseException | None) -> OSError | None:
    """The first ENOSPC or EDQUOT ``OSError`` in ``error``'s chain (itself, then ``__cause__`` or
    ``__context__``), or one made from the first error whose message reports a full disk
    (:data:`DISK_FULL_MESSAGES`), or ``None``."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, OSError) and error.errno in DISK_FULL_ERRNOS:
            return error
        code = next((code for text, code in DISK_FULL_MESSAGES.items() if text in str(error)), None)
        if code is not None:
            return OSError(code, os.strerror(code))
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def is_torch_write_failure(error: BaseException) -> bool:
    """Whether ``error`` is the ``RuntimeError`` of a failed ``torch.save`` (:data:`TORCH_WRITE_FAILURE`)."""
    return isinstance(error, RuntimeError) and TORCH_WRITE_FAILURE in str(error)


def low_space_folder(folders: list[Path]) -> Path | None:
    """The first existing folder of ``folders`` whose file system has less than :data:`LOW_SPACE` free."""
    for folder in folders:
        free = free_space(folder) if folder.is_dir() else None
        if free is not None and free < LOW_SPACE:
            return folder
    return None


def nearest_folder(path: Path) -> Path:
    """The nearest existing folder above ``path`` (absolute), where a new ``path`` would be written."""
    folder = path.absolute().parent
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    return folder


def free_space(folder: Path) -> int | None:
    """Bytes free on the file system holding ``folder``, or ``None`` if they cannot be read."""
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def format_size(size: int) -> str:
    """``size`` bytes for a reader: ``512 B``, ``3.4 MiB``, ``12.0 GiB``."""
    value, unit = float(size), "B"
    for larger in ("KiB", "MiB", "GiB", "TiB"):
        if value < 1024:
            break
        value, unit = value / 1024, larger
    return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
