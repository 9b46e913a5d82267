"""CSV tables as every stage reads and writes them: text cells, validated columns, atomic writes.

All cells are read as text, never guessed into numbers or NaN. A missing file, an unreadable
CSV, missing columns or a repeated row key is a ``TableError`` naming the file (and the rows).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from jasco.core.runinfo import write_text_atomic

if TYPE_CHECKING:
    import pandas as pd


class TableError(ValueError):
    """A CSV file does not have the expected shape; the message names the file and rows."""


def read_table(path: str | os.PathLike[str], required: Iterable[str] = ()) -> pd.DataFrame:
    """Read a CSV as text cells; fail naming the file if it is unreadable or lacks ``required`` columns."""
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise TableError(f"{path}: file not found")
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise TableError(f"{path}: not a readable CSV file ({error})") from None
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise TableError(f"{path}: missing required columns {missing}")
    return frame


def check_unique(frame: pd.DataFrame, path: str | os.PathLike[str], key: Sequence[str]) -> None:
    """Fail naming the file, the key and the CSV rows when two rows share ``key``."""
    if not key:
        return
    duplicated = frame[frame.duplicated(list(key), keep=False)]
    if len(duplicated):
        first = duplicated.iloc[0]
        where = ", ".join(f"{k}={first[k]!r}" for k in key)
        raise TableError(
            f"{path}: {len(duplicated)} rows share a ({', '.join(key)}) key, e.g. {where} "
            f"(CSV rows {', '.join(str(i + 2) for i in duplicated.index[:5])})"
        )


def write_table(frame: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write the CSV atomically (a reader never sees half a file)."""
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    write_text_atomic(path, buffer.getvalue())
