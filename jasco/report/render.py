"""Renderers by name: ``render(report, fmt, task=...)`` and ``write_report(report, fmt, out_path, task=...)``.

Each output format is a function ``(report, RenderOptions) -> str`` registered in ``RENDERERS``
(lazily imported, no if/elif over formats). Table-like formats walk ``report["sections"]`` and
ask the task's section for its tables, so a new section shows up in every format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jasco.core.registry import Registry
from jasco.core.runinfo import write_text_atomic
from jasco.report.sections import ReportSpec, Section, Table


@dataclass(frozen=True)
class RenderOptions:
    spec: ReportSpec  # the task's report: its sections, title and CSV form
    out_path: Path | None = None  # where the output goes (HTML makes audio paths relative to it)


Renderer = Callable[[dict[str, Any], RenderOptions], str]

RENDERERS: Registry[Renderer] = Registry("report format")
RENDERERS.register("table", "jasco.report.render_text:render_table", "aligned plain-text tables")
RENDERERS.register("markdown", "jasco.report.render_text:render_markdown", "GitHub markdown tables")
RENDERERS.register("csv", "jasco.report.render_text:render_csv", "the task's results as one CSV table")
RENDERERS.register("json", "jasco.report.render_text:render_json", "the report object")
RENDERERS.register("html", "jasco.report.render_html:render_html", "one self-contained page")


def render(report: dict[str, Any], fmt: str, *, out_path: Path | None = None, task: str = "jasco") -> str:
    """The report as text in format ``fmt`` (one of ``RENDERERS.names()``)."""
    from jasco.tasks.base import get_task

    renderer = RENDERERS.load(fmt)
    return renderer(report, RenderOptions(spec=get_task(task).report, out_path=out_path))


def write_report(report: dict[str, Any], fmt: str, out_path: Path, *, task: str = "jasco") -> None:
    """Render and write atomically to ``out_path``."""
    write_text_atomic(out_path, render(report, fmt, out_path=Path(out_path), task=task))


def section_tables(report: dict[str, Any], options: RenderOptions) -> list[tuple[str, Section, list[Table]]]:
    """(key, section, its tables) for each section in the report, in order."""
    out = []
    for key in report.get("sections", []):
        section = options.spec.sections.load(key)
        out.append((key, section, section.tables(report[key])))
    return out
