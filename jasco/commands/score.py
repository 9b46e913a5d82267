"""``jasco score``: score a rule-scored task's answers (no model, re-runnable alone)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from jasco.commands.exits import plain_errors
from jasco.commands.options import pop_task, resolve_task, task_options


@click.command()
@click.argument("answers_csv", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@task_options
@plain_errors
def score(answers_csv: Path, out: Path, **values: Any) -> None:
    """Score ANSWERS_CSV (the task's infer output) into OUT by the task's rule."""
    from jasco.core.outputs import beside, check_outputs
    from jasco.core.table import TableError
    from jasco.stages.score import run_score
    from jasco.tasks.base import TaskError

    task, options = resolve_task(*pop_task(values))
    check_outputs(beside(out, ".manifest.json"), [answers_csv], option="OUT")
    try:
        summary = run_score(answers_csv, out, task=task.name, task_options=options)
    except TableError as error:
        raise click.ClickException(str(error)) from None
    except TaskError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"{summary.n_rows} rows scored into {summary.out_csv}: {summary.n_scored} scored, "
               f"{summary.n_unscored} unscored")
