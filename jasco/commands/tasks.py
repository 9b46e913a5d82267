"""``jasco tasks``: the registered tasks, their datasets, how they are scored and their options;
then the registered datasets and the options of those that are built."""

from __future__ import annotations

import click


@click.command("tasks")
def tasks() -> None:
    """List the tasks (``--task NAME`` on expand, infer, judge, score, report and run)."""
    import jasco.tasks.catalog  # noqa: F401 - registrations
    from jasco.tasks.base import TASKS

    for entry in TASKS.entries():
        task = TASKS.load(entry.name)
        click.echo(f"{entry.name:16} {entry.summary}")
        click.echo(f"{'':16} dataset {task.dataset}; scored by {task.scoring}; audio inputs per item: "
                   f"{len(task.audio_columns)}")
        for option in task.options:
            click.echo(f"{'':16} option {option.describe()}")
    from jasco.tasks.datasets import DATASETS

    click.echo("\ndatasets (jasco data fetch --dataset NAME):")
    for entry in DATASETS.entries():
        click.echo(f"{entry.name:26} {entry.summary}")
        for option in DATASETS.load(entry.name).fetch_options:
            click.echo(f"{'':26} --dataset-option {option.describe()}")
