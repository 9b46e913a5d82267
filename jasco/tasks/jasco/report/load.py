"""Read judged CSVs (ours or upstream eval.py's) into one validated long table.

Two input formats, told apart by their columns (both also carry upstream example.csv's columns):

- ours (``jasco judge``): ``judge_output``, ``rating``, ``orientation``, ``parse_status``, and
  optionally ``model`` and ``judge``. A row is *judged* (``kind``) when ``parse_status`` is ``ok``
  or ``repaired``; then ``rating`` must be 0/1/2 and ``orientation`` a label. A row is *no_answer*
  when ``parse_status`` is ``no answer: <reason>`` (the answer was missing; decided by rule): its
  rating must be 0 and its orientation Neither. Any other row is *unscored* (``unscored:
  <reason>``): its orientation cell, when the judge's label parsed, still counts in modality
  dependence (as upstream counts it); its rating never counts.
- upstream: ``llama3_extract`` holds the raw judge text, parsed with ``parse_judgment`` (the
  same parser ``jasco judge`` uses); a row is judged when that parse is, else unscored (its label
  kept when it parsed). Upstream's judge saw every row, so no row is no_answer.

An ``audio`` cell is kept as written; its file (``audio_path``, what the HTML page plays) only when
it resolves inside the dataset directory (``data_dir``, else the default one). The ALLM's name
comes from a ``model`` column (a non-empty cell), else ``model`` passed in, else
the file's stem; the judge's likewise from ``judge``. Bad input raises ``ReportInputError``
naming the file and the problem: missing columns, an unknown instruction, a clip that is not
from this dataset, an unparseable rating or orientation, or duplicate (model, judge, id, prompt)
rows within or across files.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from jasco.core.paths import resolve_audio_path
from jasco.core.table import TableError, read_table
from jasco.report.sections import ReportInputError
from jasco.tasks.base import NO_ANSWER_STATUS
from jasco.tasks.jasco.answers import instructions_by_text, row_problem
from jasco.tasks.jasco.labels import Orientation, parse_orientation_cell, parse_rating_cell
from jasco.tasks.jasco.parse import STATUS_OK, STATUS_REPAIRED, STATUS_UNSCORED, parse_judgment
from jasco.tasks.jasco.table import EXAMPLE_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

OURS_COLUMNS = ("judge_output", "rating", "orientation", "parse_status")
UPSTREAM_COLUMN = "llama3_extract"

# Columns of the long table ``load_judged`` returns.
LONG_COLUMNS = (
    "file", "csv_row", "format", "model", "judge", "id", "variant", "first", "prompt",
    "rating", "orientation", "kind", "scored", "status", "judge_output", "allm_output",
    "audio", "audio_path", "audio_sound", "spoken_text", "tgt_text", "target_keywords",
    "audio_only_target", "speech_only_target",
)


@dataclass(frozen=True)
class Names:
    """Fallback names for files without ``model``/``judge`` columns (None: use the file name)."""

    model: str | None = None
    judge: str | None = None


def _detect_format(columns: Sequence[str], path: Path) -> str:
    if all(column in columns for column in OURS_COLUMNS):
        return "jasco"
    if UPSTREAM_COLUMN in columns:
        return "upstream"
    missing = [column for column in OURS_COLUMNS if column not in columns]
    raise ReportInputError(
        f"{path}: not a judged file: missing required columns {missing} (jasco judge output) "
        f"or {UPSTREAM_COLUMN!r} (upstream eval.py output)"
    )


def _name(cell: str, fallback: str | None, path: Path) -> str:
    return cell.strip() or fallback or path.stem


JUDGED, NO_ANSWER, UNSCORED = "judged", "no_answer", "unscored"  # the row kinds


def _judgment(row: dict[str, str], fmt: str, where: str) -> tuple[int | None, str, str, str, str]:
    """(rating, orientation label, kind, status, judge text) of one row; the rating is None
    unless the row is judged or no_answer, the label '' unless it parsed."""
    if fmt == "upstream":
        judged = parse_judgment(row[UPSTREAM_COLUMN])
        kind = JUDGED if judged.scored else UNSCORED
        rating = judged.rating if judged.scored else None
        return rating, judged.orientation_label, kind, judged.status, row[UPSTREAM_COLUMN]
    status = row["parse_status"].strip()
    try:
        rating = parse_rating_cell(row["rating"])
        orientation = parse_orientation_cell(row["orientation"])
    except ValueError as error:
        raise ReportInputError(f"{where}: {error}") from None
    if status in (STATUS_OK, STATUS_REPAIRED):
        if rating is None or not orientation:
            raise ReportInputError(f"{where}: parse_status is {status!r} but rating or orientation is empty")
        return rating, orientation, JUDGED, status, row["judge_output"]
    if status.startswith(NO_ANSWER_STATUS):
        if rating != 0 or orientation != Orientation.NEITHER.value:
            raise ReportInputError(f"{where}: parse_status {status!r} needs rating 0 and orientation Neither, "
                                   f"got {row['rating']!r} and {row['orientation']!r}")
        return 0, orientation, NO_ANSWER, status, row["judge_output"]
    if not status.startswith(STATUS_UNSCORED):
        raise ReportInputError(
            f"{where}: parse_status {status!r} is not 'ok', 'repaired', 'no answer: <reason>' or 'unscored: <reason>'"
        )
    return None, orientation, UNSCORED, status, row["judge_output"]


def _inside(audio: Path | None, data_dir: Path | None) -> str:
    """The audio file as text when it resolves (links followed) inside the dataset directory, else
    "": a table's ``audio`` cell (``../../etc/passwd``) never decides what the report links to."""
    if audio is None:
        return ""
    from jasco.tasks.jasco.dataset import default_data_dir

    root = os.path.realpath(data_dir or default_data_dir())
    target = os.path.realpath(audio)
    return str(audio) if os.path.commonpath([root, target]) == root and target != root else ""


def _read_one(path: Path, names: Names, data_dir: Path | None) -> list[dict[str, object]]:
    try:
        frame = read_table(path, required=EXAMPLE_COLUMNS)
        if len(frame) == 0:
            raise TableError(f"{path}: no rows (a header only)")
    except TableError as error:
        raise ReportInputError(str(error)) from None
    fmt = _detect_format(list(frame.columns), path)
    instructions = instructions_by_text()
    rows: list[dict[str, object]] = []
    records: list[dict[str, str]] = frame.to_dict("records")  # type: ignore[assignment]
    for index, row in enumerate(records):
        csv_row = index + 2
        where = f"{path}: CSV row {csv_row}"
        problem = row_problem(row, instructions)  # the same rules `jasco judge` checks first
        if problem:
            raise ReportInputError(f"{where}: {problem}")
        instruction = instructions[row["prompt"].strip()]
        rating, orientation, kind, status, text = _judgment(row, fmt, where)
        rows.append({
            "file": str(path), "csv_row": csv_row, "format": fmt,
            "model": _name(row.get("model", ""), names.model, path),
            "judge": _name(row.get("judge", ""), names.judge, path),
            "id": row["id"].strip(), "variant": instruction.variant, "first": instruction.first,
            "prompt": instruction.text, "rating": rating, "orientation": orientation,
            "kind": kind, "scored": kind == JUDGED, "status": status, "judge_output": text,
            "allm_output": row["allm_output"],
            "audio": row["audio"], "audio_path": _inside(resolve_audio_path(row["audio"], path, data_dir), data_dir),
            **{key: row[key] for key in ("audio_sound", "spoken_text", "tgt_text", "target_keywords",
                                         "audio_only_target", "speech_only_target")},
        })
    return rows


def _check_duplicates(rows: list[dict[str, object]]) -> None:
    seen: dict[tuple[object, ...], dict[str, object]] = {}
    for row in rows:
        key = (row["model"], row["judge"], row["id"], row["variant"])
        first = seen.setdefault(key, row)
        if first is not row:
            raise ReportInputError(
                f"duplicate (id, prompt, judge) row: model {row['model']!r}, judge {row['judge']!r}, "
                f"clip {row['id']}, instruction variant {row['variant']} appears at "
                f"{first['file']}: CSV row {first['csv_row']} and {row['file']}: CSV row {row['csv_row']}"
            )


def load_judged(files: Sequence[Path], names: Names = Names(), data_dir: Path | None = None) -> pd.DataFrame:
    """All rows of all files as one table with ``LONG_COLUMNS``; ``rating`` is a float, NaN when
    unscored; ``scored`` is True for judged rows only."""
    import pandas as pd

    if not files:
        raise ReportInputError("no judged files given")
    rows: list[dict[str, object]] = []
    for path in files:
        rows.extend(_read_one(Path(path), names, data_dir))
    if not rows:
        raise ReportInputError(f"{', '.join(str(f) for f in files)}: no rows")
    _check_duplicates(rows)
    return pd.DataFrame(rows, columns=list(LONG_COLUMNS))
