"""The errors a stage reports as one line (``error: ...``) instead of a traceback; see :mod:`pipeline.stage`."""

from __future__ import annotations


class ParamError(ValueError):
    """A parameter in ``params.yaml`` has a value the pipeline cannot use."""


class DataError(ValueError):
    """Input data that the pipeline refuses to process; the message names the source, row and problem."""


class HubUnreachableError(RuntimeError):
    """The Hub could not be reached; the message names the offline alternatives."""
