"""Shared entry point of the stage scripts: logging setup and one-line errors for expected failures."""

from __future__ import annotations

import errno
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pipeline.core.exceptions import (
    DataError,
    DiskFullError,
    GraphError,
    HubUnreachableError,
    ParamError,
    disk_full_cause,
    is_torch_write_failure,
    low_space_folder,
)
from pipeline.core.params import check_system_name, system_names
from pipeline.core.paths import CHECKPOINTS_DIR, MODELS_DIR, RAW_DIR, REPORTS_DIR

EXPECTED_ERRORS = (ParamError, DataError, GraphError, HubUnreachableError, FileNotFoundError)
OUTPUT_FOLDERS = [CHECKPOINTS_DIR, MODELS_DIR, RAW_DIR.parent, REPORTS_DIR, Path(".")]
"""Where stages write, searched for a full file system when a failed write does not name its file."""


def disk_full_error(error: BaseException) -> DiskFullError | None:
    """``error`` as a one-line :class:`DiskFullError` when a full disk caused it, else ``None``: the file named
    when the error names one, otherwise the output folder whose file system is full (:data:`OUTPUT_FOLDERS`);
    a failed ``torch.save``, whose message gives no reason, counts only when such a folder is found."""
    cause = disk_full_cause(error)
    if isinstance(cause, DiskFullError):
        return cause
    if cause is not None and cause.filename is not None:
        return DiskFullError.writing(None, cause)
    if cause is None and not is_torch_write_failure(error):
        return None
    folder = low_space_folder(OUTPUT_FOLDERS)
    if folder is not None:
        return DiskFullError.under(folder, (cause.errno if cause is not None else None) or errno.ENOSPC)
    return DiskFullError.writing(None, cause) if cause is not None else None


def run_stage(main: Callable[[], None]) -> None:
    """Run a stage's ``main``; report an expected error as one line on stderr and exit with status 1.

    Expected are the errors in ``EXPECTED_ERRORS`` and a full disk: any error with an ENOSPC or EDQUOT
    ``OSError`` in its chain (``__cause__``/``__context__``) or a message that says so, reported as a
    :class:`DiskFullError` (:func:`disk_full_error`), and a failed ``torch.save`` while the file system of an
    output folder is full. Any other error propagates with its traceback.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        main()
    except Exception as error:
        disk_full = disk_full_error(error)
        if disk_full is None and not isinstance(error, EXPECTED_ERRORS):
            raise
        print(f"error: {disk_full or error}", file=sys.stderr)
        sys.exit(1)


def system_argument(stage: str, params: dict[str, Any]) -> str:
    """The system named on the command line of ``python -m pipeline.stages.<stage> SYSTEM``: a key of
    ``systems`` in ``params``; raises :class:`ParamError` otherwise. Only that system's entry is looked up (the
    other systems are listed in the error alone), so a stage of one system depends on no other."""
    systems = params.get("systems")
    if len(sys.argv) != 2 or not isinstance(systems, dict) or sys.argv[1] not in systems:
        given = f"got {' '.join(sys.argv[1:])!r}; " if len(sys.argv) > 1 else ""
        raise ParamError(
            f"usage: python -m pipeline.stages.{stage} SYSTEM ({given}SYSTEM is one of the systems of "
            f"params.yaml: {', '.join(system_names(params))})"
        )
    return check_system_name(sys.argv[1])


def run_arguments(stage: str, params: dict[str, Any]) -> tuple[str, int]:
    """The run named on the command line of ``python -m pipeline.stages.<stage> SYSTEM SEED``: a system of
    ``params.yaml`` (as :func:`system_argument` checks it) and a training seed, a non-negative integer (``dvc.yaml``
    gives one of ``train.seeds``, which the stage does not read, so that adding a seed reruns no existing run).
    Raises :class:`ParamError` otherwise."""
    systems = params.get("systems")
    arguments = sys.argv[1:]
    if (
        len(arguments) != 2
        or not isinstance(systems, dict)
        or arguments[0] not in systems
        or not (arguments[1].isascii() and arguments[1].isdigit())
    ):
        given = f"got {' '.join(arguments)!r}; " if arguments else ""
        raise ParamError(
            f"usage: python -m pipeline.stages.{stage} SYSTEM SEED ({given}SYSTEM is one of the systems of "
            f"params.yaml: {', '.join(system_names(params))}; SEED one of train.seeds, an integer >= 0)"
        )
    return check_system_name(arguments[0]), int(arguments[1])


def no_arguments(stage: str) -> None:
    """Raise :class:`ParamError` when ``python -m pipeline.stages.<stage>`` got any argument: the stage reads
    every system of ``params.yaml`` and takes none (``--help`` included, which would otherwise run it)."""
    if len(sys.argv) > 1:
        raise ParamError(
            f"usage: python -m pipeline.stages.{stage} (no arguments; got {' '.join(sys.argv[1:])!r}): "
            f"{stage} reads params.yaml and the outputs of the stages before it"
        )
