"""Click options shared by several commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from jasco.core.paths import DATA_DIR_ENV, default_data_dir


def data_dir_option(function: Any) -> Any:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        show_default=f"${DATA_DIR_ENV} or {default_data_dir()}",
        help="Where the dataset is (or goes).",
    )(function)


def parse_key_value(text: str, param_hint: str = "--option") -> tuple[str, Any]:
    """``key=value`` -> (key with dashes as underscores, the JSON value or the text)."""
    key, sep, value = text.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or not key.isidentifier():
        raise click.BadParameter(f"expected key=value, got {text!r}", param_hint=param_hint)
    try:
        return key, json.loads(value)
    except ValueError:
        return key, value


def resolve_data_dir(value: Path | None) -> Path:
    return (value or default_data_dir()).expanduser().resolve()
