"""Text renderers: aligned tables, markdown, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from jasco.report.render import RenderOptions, section_tables
from jasco.report.sections import Table
from jasco.tasks.jasco.report.metrics import DEPENDENCE_KEYS


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def _plain(table: Table) -> str:
    cells = [list(table.columns)] + [[_cell(value) for value in row] for row in table.rows]
    widths = [max(len(row[column]) for row in cells) for column in range(len(table.columns))]
    lines = [table.title, "=" * len(table.title)]
    for number, row in enumerate(cells):
        lines.append("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    if table.note:
        lines.append(table.note)
    return "\n".join(lines)


def _markdown_cell(value: Any) -> str:
    return _cell(value).replace("|", "\\|").replace("\n", " ")


def _markdown(table: Table) -> str:
    lines = [f"### {table.title}", "", "| " + " | ".join(_markdown_cell(c) for c in table.columns) + " |",
             "|" + "|".join("---" for _ in table.columns) + "|"]
    lines += ["| " + " | ".join(_markdown_cell(value) for value in row) + " |" for row in table.rows]
    if table.note:
        lines += ["", table.note]
    return "\n".join(lines)


def render_table(report: dict[str, Any], options: RenderOptions) -> str:
    blocks = [_plain(table) for _, _, tables in section_tables(report) for table in tables]
    return "\n\n".join(blocks) + "\n"


def render_markdown(report: dict[str, Any], options: RenderOptions) -> str:
    blocks = ["# JASCO report"] + [_markdown(table) for _, _, tables in section_tables(report) for table in tables]
    return "\n\n".join(blocks) + "\n"


CSV_COLUMNS = ("model", "judge", "n_rows", "n_scored", "n_unscored", "n_clips", "n_clips_unscored", "best_mean",
               "best_mean_ci_lo", "best_mean_ci_hi", "mean_over_variants", "audio", "both", "speech")


def render_csv(report: dict[str, Any], options: RenderOptions) -> str:
    """The results (one row per (ALLM, judge)) then the averages (judge 'average'), raw fractions."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for entry in [*report["results"], *({**a, "judge": "average"} for a in report["averages"])]:
        lo, hi = entry.get("best_mean_ci") or (None, None)
        writer.writerow({**entry, "best_mean_ci_lo": lo, "best_mean_ci_hi": hi,
                         **{key: entry["dependence"][key] for key in DEPENDENCE_KEYS}})
    return buffer.getvalue()


def render_json(report: dict[str, Any], options: RenderOptions) -> str:
    return json.dumps(report, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
