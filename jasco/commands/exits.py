"""The exit statuses of jasco's commands, in one place (documented in the README).

- 0: every row succeeded (and, for reports, every (model, judge) pair is within ``--max-unscored``);
- 1: an input or run error: one line naming the file, row, clip or option (``click.ClickException``);
- 2: a usage error: a bad option or argument (``click.UsageError``);
- 3: the command finished and wrote its output, but some rows failed (infer, judge, run: rerun to
  retry them) or a report's coverage is below ``--max-unscored``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NoReturn

import click

EXIT_OK = 0
EXIT_INPUT_ERROR = 1
EXIT_USAGE = 2
EXIT_INCOMPLETE = 3


def exit_incomplete(problems: Iterable[str]) -> NoReturn:
    """Print each problem on stderr (``error: ...``) and exit with status 3 (output already written)."""
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    raise SystemExit(EXIT_INCOMPLETE)
