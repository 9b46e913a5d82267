"""``jasco data fetch`` and ``jasco data verify``, for any registered dataset (``--dataset``)."""

from __future__ import annotations

from pathlib import Path

import click

from jasco.commands.exits import plain_errors
from jasco.commands.options import data_dir_option
from jasco.tasks.datasets import DEFAULT_DATASET, Dataset

_dataset_option = click.option(
    "--dataset", default=DEFAULT_DATASET, show_default=True,
    help="Which dataset (registered names: see `jasco tasks`; each task names its own).",
)


def _dataset(name: str) -> Dataset:
    from jasco.core.registry import UnknownNameError
    from jasco.tasks.datasets import get_dataset

    try:
        return get_dataset(name)
    except UnknownNameError as error:
        raise click.UsageError(str(error)) from None


@click.group()
def data() -> None:
    """Fetch and verify datasets (default: What Are They Doing, CC BY-NC 4.0)."""


@data.command()
@_dataset_option
@click.option("--source", default=None,
              help="URL of an archive, a local archive, or a local directory in the dataset's layout "
                   "(default: the dataset's pinned source).")
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Install directory (default: --data-dir).")
@data_dir_option
@click.option("--force", is_flag=True,
              help="Replace an existing destination that does not verify or was built with other options.")
@click.option("--dataset-option", "dataset_options", multiple=True, metavar="KEY=VALUE",
              help="An option of a dataset that is built, not copied (repeatable); `jasco tasks` lists them "
                   "(speech-demo: files_per_condition, seed).")
@plain_errors
def fetch(dataset: str, source: str | None, dest: Path | None, data_dir: Path | None, force: bool,
          dataset_options: tuple[str, ...]) -> None:
    """Install a dataset: every file checked, atomically."""
    from jasco.tasks.datasets import DatasetError
    from jasco.tasks.options import parse_option_pairs, resolve_task_options

    chosen = _dataset(dataset)
    given = parse_option_pairs(dataset_options, "--dataset-option")
    options = resolve_task_options(chosen.name, chosen.fetch_options, given, owner="dataset")
    target = Path(dest or data_dir or chosen.default_dir()).expanduser().resolve()
    try:
        result = chosen.fetch(target, source, force=force, **options)
    except DatasetError as error:
        raise click.ClickException(str(error)) from None
    state = "installed" if result.changed else "already installed and verified"
    click.echo(f"{result.n_files} files {state} in {result.dest}")


@data.command()
@_dataset_option
@data_dir_option
@plain_errors
def verify(dataset: str, data_dir: Path | None) -> None:
    """Re-check an installed dataset: every file, named when missing, altered or unexpected."""
    chosen = _dataset(dataset)
    target = Path(data_dir or chosen.default_dir()).expanduser().resolve()
    result = chosen.verify(target)
    if result.problems:
        raise click.ClickException(
            f"dataset in {target} failed verification ({len(result.problems)} problems):\n  "
            + "\n  ".join(result.problems)
        )
    click.echo(f"{result.n_files} files verified in {target}")
