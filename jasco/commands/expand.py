"""``jasco expand``: write the 640-row item table in upstream example.csv columns."""

from __future__ import annotations

from pathlib import Path

import click

from jasco.commands.options import data_dir_option, resolve_data_dir
from jasco.tasks.jasco.manifest import DatasetError
from jasco.tasks.jasco.samples import load_items
from jasco.tasks.jasco.table import items_to_frame, write_table


@click.command()
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV to write (upstream example.csv columns, allm_output empty).")
@data_dir_option
def expand(out: Path, data_dir: Path | None) -> None:
    """Write every (clip, instruction) item: 80 clips x 8 instruction variants."""
    try:
        items = load_items(resolve_data_dir(data_dir))
    except DatasetError as error:
        raise click.ClickException(str(error)) from None
    write_table(items_to_frame(items), out)
    click.echo(f"{len(items)} items written to {out}")
