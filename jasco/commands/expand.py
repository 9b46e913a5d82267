"""``jasco expand``: write a task's item table (JASCO: the 640 rows in upstream example.csv columns)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from jasco.commands.options import data_dir_option, pop_task, resolve_data_dir, resolve_task, task_options


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV to write (JASCO: upstream example.csv columns, allm_output empty).")
@data_dir_option
@task_options
def expand(out: Path, data_dir: Path | None, **values: Any) -> None:
    """Write every item of the task (JASCO: 80 clips x 8 instruction variants)."""
    from jasco.core.table import write_table
    from jasco.tasks.base import TaskError
    from jasco.tasks.datasets import DatasetError

    task, options = resolve_task(*pop_task(values))
    try:
        frame = task.expand(resolve_data_dir(data_dir, task), options)
    except (DatasetError, TaskError) as error:
        raise click.ClickException(str(error)) from None
    write_table(frame, out)
    click.echo(f"{len(frame)} items written to {out}")
