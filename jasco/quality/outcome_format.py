"""Render quality outcomes (``jasco.quality.runner.FileOutcome``) as JSON, CSV or a text table.

- ``json``: a list with one object per file: path, status, reason, input record, one object per
  predictor (status, reason, version, values) and the double-ended comparison when asked for.
  NaN and infinite numbers become null.
- ``csv``: one row per file; columns ``file, status, reason``, the input record, then
  ``<predictor>.status``, ``<predictor>.reason``, ``<predictor>.version`` and
  ``<predictor>.<value>`` for every value, then ``reference.<value>``. A value a file does not
  have is an empty cell.
- ``table``: per file a header line and aligned ``name  value`` lines, grouped by predictor.

``RENDERERS`` maps the format name to its function.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from jasco.quality.runner import FileOutcome
from jasco.report.formatting import json_ready


def outcome_dict(outcome: FileOutcome) -> dict[str, Any]:
    payload = asdict(outcome)
    payload["predictions"] = {p["predictor"]: {k: v for k, v in p.items() if k != "predictor"}
                              for p in payload["predictions"]}
    return dict(json_ready(payload))


def flat_row(outcome: FileOutcome) -> dict[str, Any]:
    row: dict[str, Any] = {"file": outcome.path, "status": outcome.status, "reason": outcome.reason}
    row.update({f"input.{key}": value for key, value in outcome.input.items()})
    for prediction in outcome.predictions:
        prefix = prediction.predictor
        row[f"{prefix}.status"] = prediction.status
        row[f"{prefix}.reason"] = prediction.reason
        row[f"{prefix}.version"] = prediction.version
        row.update({f"{prefix}.{key}": value for key, value in prediction.values.items()})
    if outcome.reference is not None:
        row.update({f"reference.{key}": value for key, value in outcome.reference.items()})
    return row


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if not math.isfinite(value) else f"{value:.6g}"
    if isinstance(value, bool):
        return str(int(value))
    return "" if value is None else str(value)


def render_json(outcomes: Sequence[FileOutcome]) -> str:
    return json.dumps([outcome_dict(o) for o in outcomes], indent=2, ensure_ascii=False) + "\n"


def render_csv(outcomes: Sequence[FileOutcome]) -> str:
    rows = [flat_row(o) for o in outcomes]
    columns: list[str] = []
    for row in rows:
        columns.extend(column for column in row if column not in columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return buffer.getvalue()


def _text(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return str(value)


def _lines(title: str, values: dict[str, Any]) -> list[str]:
    if not values:
        return []
    width = max(len(name) for name in values)
    return [f"  {title}"] + [f"    {name.ljust(width)}  {_text(value)}" for name, value in values.items()]


def render_table(outcomes: Sequence[FileOutcome]) -> str:
    lines: list[str] = []
    for outcome in outcomes:
        lines.append(f"{outcome.path}: {outcome.status}" + (f" ({outcome.reason})" if outcome.reason else ""))
        lines += _lines("input", outcome.input)
        for prediction in outcome.predictions:
            head = f"{prediction.predictor}: {prediction.status}"
            head += f" ({prediction.reason})" if prediction.reason else f" [{prediction.version}]"
            lines.append(f"  {head}")
            lines += _lines("", prediction.values)[1:]
        if outcome.reference is not None:
            lines += _lines("reference", outcome.reference)
        lines.append("")
    return "\n".join(lines)


RENDERERS: dict[str, Callable[[Sequence[FileOutcome]], str]] = {
    "table": render_table,
    "json": render_json,
    "csv": render_csv,
}
