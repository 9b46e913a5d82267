"""Renderers by name: ``render(report, fmt)`` and ``write_report(report, fmt, out_path)``.

Each output format is a function ``(report, RenderOptions) -> str`` registered in ``RENDERERS``
(lazily imported, no if/elif over formats). Table-like formats walk ``report["sections"]`` and
ask each registered section for its tables, so a new section shows up in every format.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jasco.core.registry import Registry
from jasco.core.runinfo import write_text_atomic
from jasco.report.sections import SECTIONS, Section, Table


@dataclass(frozen=True)
class RenderOptions:
    out_path: Path | None = None  # where the output goes (HTML makes audio paths relative to it)


Renderer = Callable[[dict[str, Any], RenderOptions], str]

RENDERERS: Registry[Renderer] = Registry("report format")
RENDERERS.register("table", "jasco.report.render_text:render_table", "aligned plain-text tables")
RENDERERS.register("markdown", "jasco.report.render_text:render_markdown", "GitHub markdown tables")
RENDERERS.register("csv", "jasco.report.render_text:render_csv", "one row per (ALLM, judge) and per ALLM average")
RENDERERS.register("json", "jasco.report.render_text:render_json", "the report object")
RENDERERS.register("html", "jasco.report.render_html:render_html", "one self-contained page")


def render(report: dict[str, Any], fmt: str, *, out_path: Path | None = None) -> str:
    """The report as text in format ``fmt`` (one of ``RENDERERS.names()``)."""
    renderer = RENDERERS.load(fmt)
    return renderer(report, RenderOptions(out_path=out_path))


def write_report(report: dict[str, Any], fmt: str, out_path: Path) -> None:
    """Render and write atomically to ``out_path``."""
    write_text_atomic(out_path, render(report, fmt, out_path=Path(out_path)))


def section_tables(report: dict[str, Any]) -> list[tuple[str, Section, list[Table]]]:
    """(key, section, its tables) for each section in the report, in order."""
    out = []
    for key in report.get("sections", []):
        section = SECTIONS.load(key)
        out.append((key, section, section.tables(report[key])))
    return out
