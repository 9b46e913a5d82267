"""XACLE's CSV files: label tables, prediction files, jasco answer tables, and the two official outputs.

Readers (each names the file and the line of the first bad row, and raises XacleTableError):
- ``read_labels``: a label table (``*_average.csv``: ``wav_file_name,text,average_score``; extra
  columns such as the 2027 set's ``model_id`` are kept or ignored). A missing column, an empty or
  repeated ``wav_file_name``, a score that is not a number or lies outside 0-10 is an error; an
  empty score is allowed (read as missing, counted later as the official code drops NaN pairs).
- ``read_predictions``: the official prediction layout ``wav_file_name,pred_score`` (what the
  baselines' ``inference.py`` writes). Empty scores are missing values; any finite number is
  accepted (the official evaluation does not bound predictions).
- ``read_answers``: a generic jasco answers table: ``wav_file_name``, a score column (default
  ``score``; empty where the answer was unscored) and optional grouping columns (default
  ``model`` and ``template``, the prompt paraphrase: one group per model and paraphrase).
- ``read_prediction_groups``: either layout, told apart by its header.

Writers (atomic, byte-for-byte the official formatting: Python's csv writer, CRLF line ends):
- ``format_evaluation_result``: ``evaluation_result.csv`` as the official ``evaluate.py`` writes
  it: a ``metric,value`` header, then SRCC, LCC, KTAU, MSE, N with floats in ``str(float)``
  (shortest round-trip) form and N as an integer.
- ``format_submission``: the submission file as the baselines' ``inference.py`` writes it:
  ``wav_file_name,pred_score`` with ``round(score, 2)`` written by ``str`` (so 7.0 is ``7.0``,
  6.125 is ``6.12``). A missing score is an error unless a fill value is given explicitly.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jasco.core.runinfo import write_text_atomic
from jasco.tasks.xacle.errors import XacleError

ID_COLUMN = "wav_file_name"
TEXT_COLUMN = "text"
LABEL_COLUMN = "average_score"
PREDICTION_COLUMN = "pred_score"
ANSWER_SCORE_COLUMN = "score"
MODEL_ID_COLUMN = "model_id"
SCORE_BOUNDS = (0.0, 10.0)
OFFICIAL_METRIC_ORDER = ("SRCC", "LCC", "KTAU", "MSE", "N")
_MISSING = {"", "nan", "NaN", "NAN", "na", "NA", "n/a", "N/A", "null", "None"}

Scores = dict[str, float | None]


class XacleTableError(XacleError):
    """A label, prediction or answers file is malformed; the message names the file and line."""


@dataclass(frozen=True)
class LabelRow:
    """One row of a label table. ``score`` is None where the cell is empty."""

    wav_file_name: str
    text: str | None
    score: float | None
    line: int  # 1-based line in the file where the row starts (the header is line 1)
    model_id: str | None = None


@dataclass(frozen=True)
class CsvRow:
    line: int
    cells: dict[str, str]


def read_csv_rows(path: str | os.PathLike[str], required: Sequence[str]) -> tuple[list[str], list[CsvRow]]:
    """Header and rows of a UTF-8 (BOM allowed) CSV file that must hold the ``required`` columns."""
    path = Path(path)
    if not path.is_file():
        raise XacleTableError(f"{path}: file does not exist")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise XacleTableError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise XacleTableError(f"{path}: empty file (no header row)") from None
    except csv.Error as error:
        raise XacleTableError(f"{path} line 1: unreadable CSV ({error})") from None
    missing = [name for name in required if name not in header]
    if missing:
        raise XacleTableError(
            f"{path}: missing column(s) {', '.join(repr(m) for m in missing)} (has: {', '.join(header) or 'none'})"
        )
    rows: list[CsvRow] = []
    start = reader.line_num + 1
    try:
        for fields in reader:
            if fields and any(field.strip() for field in fields):
                if len(fields) != len(header):
                    raise XacleTableError(f"{path} line {start}: {len(fields)} fields, the header has {len(header)}")
                rows.append(CsvRow(start, dict(zip(header, fields, strict=True))))
            start = reader.line_num + 1
    except csv.Error as error:
        raise XacleTableError(f"{path} line {start}: unreadable CSV ({error})") from None
    return header, rows


def parse_score(
    raw: str, path: Path, line: int, column: str, bounds: tuple[float, float] | None
) -> float | None:
    """A score cell as a float: empty/NaN cells are None; text, infinities and (with bounds) values
    outside the bounds are errors naming the file and line."""
    value = raw.strip()
    if value in _MISSING:
        return None
    try:
        number = float(value)
    except ValueError:
        raise XacleTableError(f"{path} line {line}: {column} {value!r} is not a number") from None
    if math.isnan(number):
        return None
    if math.isinf(number):
        raise XacleTableError(f"{path} line {line}: {column} {value!r} is not a finite number")
    if bounds is not None and not bounds[0] <= number <= bounds[1]:
        raise XacleTableError(
            f"{path} line {line}: {column} {value} is outside {bounds[0]:g}-{bounds[1]:g}"
        )
    return number


def unique_name(raw: str, path: Path, line: int, seen: dict[str, int], scope: str = "") -> str:
    """The stripped ``wav_file_name`` of a row; empty or already in ``seen`` (name -> line) is an error."""
    name = raw.strip()
    if not name:
        raise XacleTableError(f"{path} line {line}: empty {ID_COLUMN}")
    if name in seen:
        where = f" {scope}" if scope else ""
        raise XacleTableError(f"{path} line {line}: {ID_COLUMN} {name!r}{where} repeats line {seen[name]}")
    seen[name] = line
    return name


def read_labels(path: str | os.PathLike[str], require_text: bool = False) -> tuple[LabelRow, ...]:
    """The rows of a label table (``wav_file_name``, ``average_score``, optionally ``text``/``model_id``)."""
    path = Path(path)
    required = (ID_COLUMN, TEXT_COLUMN, LABEL_COLUMN) if require_text else (ID_COLUMN, LABEL_COLUMN)
    _, rows = read_csv_rows(path, required)
    seen: dict[str, int] = {}
    labels = []
    for row in rows:
        name = unique_name(row.cells[ID_COLUMN], path, row.line, seen)
        score = parse_score(row.cells[LABEL_COLUMN], path, row.line, LABEL_COLUMN, SCORE_BOUNDS)
        text = row.cells.get(TEXT_COLUMN)
        model_id = row.cells.get(MODEL_ID_COLUMN) or None
        labels.append(LabelRow(name, text, score, row.line, model_id))
    return tuple(labels)


def label_scores(rows: Sequence[LabelRow]) -> Scores:
    """``wav_file_name -> average_score`` in file order."""
    return {row.wav_file_name: row.score for row in rows}


def read_predictions(path: str | os.PathLike[str]) -> Scores:
    """The official prediction layout: ``wav_file_name -> pred_score`` (None where empty), in file order."""
    path = Path(path)
    _, rows = read_csv_rows(path, (ID_COLUMN, PREDICTION_COLUMN))
    seen: dict[str, int] = {}
    return {
        unique_name(row.cells[ID_COLUMN], path, row.line, seen): parse_score(
            row.cells[PREDICTION_COLUMN], path, row.line, PREDICTION_COLUMN, None
        )
        for row in rows
    }


def read_answers(
    path: str | os.PathLike[str],
    score_column: str = ANSWER_SCORE_COLUMN,
    group_columns: Sequence[str] = ("model", "template"),
) -> dict[str, Scores]:
    """A jasco answers table as ``group -> (wav_file_name -> score)``.

    The group of a row is its values in those ``group_columns`` the file has, joined by " / "
    (one group named "" when it has none). An empty score (an unscored answer) is None.
    """
    path = Path(path)
    header, rows = read_csv_rows(path, (ID_COLUMN, score_column))
    present = [column for column in group_columns if column in header]
    groups: dict[str, Scores] = {}
    seen: dict[str, dict[str, int]] = {}
    for row in rows:
        group = " / ".join(row.cells[column].strip() for column in present)
        name = unique_name(
            row.cells[ID_COLUMN], path, row.line, seen.setdefault(group, {}), f"(group {group!r})" if group else ""
        )
        groups.setdefault(group, {})[name] = parse_score(row.cells[score_column], path, row.line, score_column, None)
    return groups


def read_prediction_groups(path: str | os.PathLike[str], score_column: str = ANSWER_SCORE_COLUMN) -> dict[str, Scores]:
    """Either layout: a ``pred_score`` column means the official layout (one group named after the
    file), else a jasco answers table with ``score_column``."""
    path = Path(path)
    header, _ = read_csv_rows(path, (ID_COLUMN,))
    if PREDICTION_COLUMN in header:
        return {path.stem: read_predictions(path)}
    if score_column in header:
        return read_answers(path, score_column)
    raise XacleTableError(
        f"{path}: neither the official prediction layout ({ID_COLUMN},{PREDICTION_COLUMN}) "
        f"nor a jasco answers table ({ID_COLUMN},{score_column})"
    )


def format_evaluation_result(values: Mapping[str, float | int]) -> str:
    """The official ``evaluation_result.csv`` text for SRCC, LCC, KTAU, MSE (floats) and N (int)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["metric", "value"])
    for key in OFFICIAL_METRIC_ORDER:
        value = values[key]
        writer.writerow([key, int(value) if key == "N" else float(value)])
    return buffer.getvalue()


def write_evaluation_result(path: str | os.PathLike[str], values: Mapping[str, float | int]) -> Path:
    path = Path(path)
    write_text_atomic(path, format_evaluation_result(values))
    return path


def format_submission(predictions: Mapping[str, float | None], fill: float | None = None) -> tuple[str, int]:
    """The official submission text and the number of rows given ``fill`` because they had no score.

    Without ``fill`` a row with no score (None or NaN) is an error naming the first such rows.
    """
    missing = [name for name, value in predictions.items() if value is None or math.isnan(value)]
    if missing and fill is None:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise XacleTableError(
            f"{len(missing)} of {len(predictions)} pairs have no score ({shown}); the submission needs "
            "one for every pair: give an explicit fill value or score them"
        )
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=[ID_COLUMN, PREDICTION_COLUMN])
    writer.writeheader()
    for name, value in predictions.items():
        score = value if value is not None and not math.isnan(value) else fill
        writer.writerow({ID_COLUMN: name, PREDICTION_COLUMN: round(float(score or 0.0), 2)})
    return buffer.getvalue(), len(missing)


def write_submission(
    path: str | os.PathLike[str], predictions: Mapping[str, float | None], fill: float | None = None
) -> int:
    """Write the submission file atomically; returns how many rows took the fill value."""
    text, filled = format_submission(predictions, fill)
    write_text_atomic(Path(path), text)
    return filled
