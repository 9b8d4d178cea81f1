"""Command-line pieces shared by the commands that tag text (``pipeline.predict``, ``pipeline.serve``)."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from pipeline.core.exceptions import ParamError


class CommandParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one-line :class:`ParamError`s naming ``--help`` of its ``prog``,
    reported by :func:`pipeline.core.stage.run_stage`; its description is shown as written."""

    def __init__(self, prog: str, description: str | None, **kwargs: Any) -> None:
        super().__init__(
            prog=prog, description=description, formatter_class=argparse.RawDescriptionHelpFormatter, **kwargs
        )

    def error(self, message: str) -> NoReturn:
        raise ParamError(f"{message} (see {self.prog} --help)")


def positive_int(value: str) -> int:
    """An option's integer of at least 1; raises ``argparse.ArgumentTypeError`` otherwise."""
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value!r}")
    return int(value)
