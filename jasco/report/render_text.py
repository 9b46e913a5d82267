"""Text renderers: aligned tables, markdown, CSV (the task's form) and JSON.

``plain_table`` and ``markdown_table`` render one ``Table``; other text outputs (e.g. ``jasco
judge-check``) use them too.
"""

from __future__ import annotations

import json
from typing import Any

from jasco.report.render import RenderOptions, section_tables
from jasco.report.sections import Table


def _cell(value: Any) -> str:
    return "" if value is None else str(value)


def plain_table(table: Table) -> str:
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


def markdown_table(table: Table) -> str:
    lines = [f"### {table.title}", "", "| " + " | ".join(_markdown_cell(c) for c in table.columns) + " |",
             "|" + "|".join("---" for _ in table.columns) + "|"]
    lines += ["| " + " | ".join(_markdown_cell(value) for value in row) + " |" for row in table.rows]
    if table.note:
        lines += ["", table.note]
    return "\n".join(lines)


def render_table(report: dict[str, Any], options: RenderOptions) -> str:
    blocks = [plain_table(table) for _, _, tables in section_tables(report, options) for table in tables]
    return "\n\n".join(blocks) + "\n"


def render_markdown(report: dict[str, Any], options: RenderOptions) -> str:
    blocks = [f"# {options.spec.title}"] + [
        markdown_table(table) for _, _, tables in section_tables(report, options) for table in tables
    ]
    return "\n\n".join(blocks) + "\n"


def render_csv(report: dict[str, Any], options: RenderOptions) -> str:
    """The task's results as one CSV table (its ``ReportSpec.csv``)."""
    if options.spec.csv is None:
        raise ValueError(f"the {options.spec.title} has no CSV form; use --format table, markdown, json or html")
    return options.spec.csv(report)


def render_json(report: dict[str, Any], options: RenderOptions) -> str:
    return json.dumps(report, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
