"""``jasco data fetch`` and ``jasco data verify``."""

from __future__ import annotations

from pathlib import Path

import click

from jasco.commands.options import data_dir_option, resolve_data_dir
from jasco.tasks.jasco.fetch import DEFAULT_SOURCE, fetch_dataset
from jasco.tasks.jasco.manifest import DatasetError, load_manifest, verify_tree


@click.group()
def data() -> None:
    """Fetch and verify the What Are They Doing dataset (CC BY-NC 4.0)."""


@data.command()
@click.option("--source", default=DEFAULT_SOURCE, show_default=True,
              help="URL of an archive, a local archive, or a local directory in the upstream layout.")
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Install directory (default: --data-dir).")
@data_dir_option
@click.option("--force", is_flag=True, help="Replace an existing destination that does not verify.")
def fetch(source: str, dest: Path | None, data_dir: Path | None, force: bool) -> None:
    """Install the dataset: every file checked against dataset/*.sha256, atomically."""
    target = resolve_data_dir(dest or data_dir)
    try:
        result = fetch_dataset(target, source, force=force)
    except DatasetError as error:
        raise click.ClickException(str(error)) from None
    state = "installed" if result.changed else "already installed and verified"
    click.echo(f"{result.n_files} files {state} in {result.dest}")


@data.command()
@data_dir_option
def verify(data_dir: Path | None) -> None:
    """Re-check an installed dataset against the sha256 manifest."""
    target = resolve_data_dir(data_dir)
    manifest = load_manifest()
    problems = verify_tree(target, manifest)
    if problems:
        raise click.ClickException(
            f"dataset in {target} failed verification ({len(problems)} problems):\n  " + "\n  ".join(problems)
        )
    click.echo(f"{len(manifest.entries)} files verified in {target}")
