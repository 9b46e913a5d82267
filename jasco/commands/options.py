"""Click options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from jasco.paths import DATA_DIR_ENV, default_data_dir


def data_dir_option(function: Any) -> Any:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        show_default=f"${DATA_DIR_ENV} or {default_data_dir()}",
        help="Where the dataset is (or goes).",
    )(function)


def resolve_data_dir(value: Path | None) -> Path:
    return (value or default_data_dir()).expanduser().resolve()
