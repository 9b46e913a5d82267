"""The rules every JASCO answers table obeys, checked by ``jasco judge`` before any judge loads and
by ``jasco report`` when it reads judged files, so a table one accepts the other never rejects.

A table has upstream example.csv's columns and at least one row; each row's ``prompt`` is one of
the 8 instructions and its clip is one of this dataset's (by the committed fingerprint of its
spoken text and reference answer, so no dataset is needed).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from jasco.core.table import TableError
from jasco.tasks.jasco.samples import Instruction
from jasco.tasks.jasco.table import EXAMPLE_COLUMNS

if TYPE_CHECKING:
    import pandas as pd


def instructions_by_text() -> dict[str, Instruction]:
    from jasco.tasks.jasco.samples import load_instructions

    return {instruction.text.strip(): instruction for instruction in load_instructions()}


def missing_columns(columns: Sequence[str]) -> list[str]:
    return [column for column in EXAMPLE_COLUMNS if column not in columns]


def row_problem(row: Mapping[str, str], instructions: Mapping[str, Instruction]) -> str | None:
    """Why one row is not a JASCO item (an unknown instruction or clip), or None."""
    from jasco.tasks.jasco.report.fingerprint import clip_mismatch

    if row["prompt"].strip() not in instructions:
        return f"prompt {row['prompt'][:80]!r} is not one of the 8 JASCO instructions"
    problem = clip_mismatch(row["id"], dict(row))
    return f"not a clip of this dataset: {problem}" if problem else None


def check_answers(frame: pd.DataFrame, path: Path) -> None:
    """Every rule of the module docstring; a ``TableError`` naming the file and the first bad row."""
    missing = missing_columns(list(frame.columns))
    if missing:
        raise TableError(f"{path}: missing required columns {missing} (upstream example.csv's columns)")
    if len(frame) == 0:
        raise TableError(f"{path}: no rows (a header only)")
    instructions = instructions_by_text()
    records: list[dict[str, str]] = frame.to_dict("records")  # type: ignore[assignment]
    for index, row in enumerate(records):
        problem = row_problem(row, instructions)
        if problem:
            raise TableError(f"{path}: CSV row {index + 2}: {problem}")
