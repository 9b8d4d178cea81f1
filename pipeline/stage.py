"""Shared entry point of the stage scripts: logging setup and one-line errors for expected failures."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from pipeline.exceptions import DataError, DiskFullError, HubUnreachableError, ParamError, disk_full_cause
from pipeline.paths import SYSTEMS

EXPECTED_ERRORS = (ParamError, DataError, HubUnreachableError, FileNotFoundError)


def run_stage(main: Callable[[], None]) -> None:
    """Run a stage's ``main``; report an expected error as one line on stderr and exit with status 1.

    Expected are the errors in ``EXPECTED_ERRORS`` and a full disk: any error with an ENOSPC or EDQUOT
    ``OSError`` in its chain (``__cause__``/``__context__``), reported as a :class:`DiskFullError` (the path
    being written, when known, and the space free). Any other error propagates with its traceback.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        main()
    except Exception as error:
        cause = disk_full_cause(error)
        if cause is None and not isinstance(error, EXPECTED_ERRORS):
            raise
        if cause is not None and not isinstance(cause, DiskFullError):
            cause = DiskFullError.writing(None, cause)
        print(f"error: {cause or error}", file=sys.stderr)
        sys.exit(1)


def system_argument(stage: str) -> str:
    """The system named on the command line of ``python -m pipeline.<stage> SYSTEM``."""
    if len(sys.argv) != 2 or sys.argv[1] not in SYSTEMS:
        raise ParamError(f"usage: python -m pipeline.{stage} SYSTEM, with SYSTEM one of {', '.join(SYSTEMS)}")
    return sys.argv[1]
