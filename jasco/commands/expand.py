"""``jasco expand``: write a task's item table (JASCO: the 640 rows in upstream example.csv columns)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from jasco.commands.exits import plain_errors
from jasco.commands.options import data_dir_option, pop_task, resolve_data_dir, resolve_task, task_options


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV to write (JASCO: upstream example.csv columns, allm_output empty).")
@data_dir_option
@task_options
@plain_errors
def expand(out: Path, data_dir: Path | None, **values: Any) -> None:
    """Write every item of the task (JASCO: 80 clips x 8 instruction variants), from its dataset
    once the dataset matches its committed hashes."""
    from jasco.core.outputs import beside, check_not_inside, check_outputs
    from jasco.core.table import write_table
    from jasco.stages.items import expand_items

    task, options = resolve_task(*pop_task(values))
    root = resolve_data_dir(data_dir, task)
    check_outputs([out], [])
    frame = expand_items(task, root, options)
    check_not_inside(beside(out), root, "the dataset directory")
    write_table(frame, out)
    click.echo(f"{len(frame)} items written to {out}")
