"""Exit statuses of every jasco command, and ordinary mistakes turned into one line (no traceback).

0: every row succeeded. 1: bad input, a failed check or an unwritable output (one line naming the
file, row, clip or option). 2: a bad option or argument (click's usage errors). 3: the outputs
were written but some rows failed or coverage is below its threshold.

``plain_errors`` wraps a command: an exception of an ordinary kind (a bad table, a missing
dataset file, a locked store, an unknown model, an unwritable path, ...) becomes ``Error: <one
line>`` with status 1 or 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TypeVar

import click

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_ROWS_FAILED = 3

F = TypeVar("F", bound=Callable[..., Any])

# Ordinary mistakes, as "module:Class" (imported only when an error is being classified).
# Usage errors (status 2): a name or option that does not exist.
_USAGE = ("jasco.core.registry:UnknownNameError", "jasco.models.base:ModelOptionError",
          "jasco.tasks.options:TaskOptionError", "jasco.core.outputs:OutputPathError",
          "jasco.stages.judge.backends:BackendOptionError", "jasco.tasks.base:TaskError",
          "jasco.stages.preflight:PlanError")
# Input errors (status 1): the file, row, clip or model named cannot be used as it is.
_INPUT = ("jasco.core.table:TableError", "jasco.tasks.datasets:DatasetError",
          "jasco.core.store:StoreLockedError", "jasco.core.audio:AudioError",
          "jasco.report.sections:ReportInputError", "jasco.stages.judge.backends:JudgeInputError",
          "jasco.models.check:AudioCheckError", "jasco.models.worker.process:WorkerError",
          "jasco.models.availability:ModelUnavailableError")


def _classes(names: tuple[str, ...]) -> tuple[type[BaseException], ...]:
    found = []
    for name in names:
        module, _, attribute = name.partition(":")
        try:
            found.append(getattr(importlib.import_module(module), attribute))
        except (ImportError, AttributeError):  # a module not importable here cannot have raised it
            continue
    return tuple(found)


def one_line(error: BaseException) -> str:
    """The error's message; an OSError as ``<file>: <reason>``."""
    if isinstance(error, OSError) and error.filename is not None:
        where = f"{error.filename} -> {error.filename2}" if error.filename2 else str(error.filename)
        return f"{where}: {error.strerror or error}"
    return str(error)


def classify(error: BaseException) -> type[click.ClickException] | None:
    """``click.UsageError`` or ``click.ClickException`` for an ordinary mistake, None for a bug."""
    if isinstance(error, _classes(_USAGE)):
        return click.UsageError
    if isinstance(error, (*_classes(_INPUT), OSError)):
        return click.ClickException
    return None


def plain_errors(function: F) -> F:
    """Run a command callback; an ordinary mistake becomes one ``Error:`` line and status 1 or 2."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except click.ClickException:
            raise
        except Exception as error:
            kind = classify(error)
            if kind is None:
                raise
            raise kind(one_line(error)) from None

    return wrapper  # type: ignore[return-value]


def exit_incomplete(problems: Iterable[str]) -> NoReturn:
    """Print each problem on stderr (``error: ...``) and exit 3: the output is already written."""
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    raise SystemExit(EXIT_ROWS_FAILED)
