"""The extension point: a report is an ordered list of named sections, each a registered builder.

A section has a ``key`` (its key in the report's JSON object), a ``title``, ``build(context)``
(returns the JSON-ready payload, or None to leave the section out) and ``tables(payload)`` (what
the table/markdown/html renderers show; return [] to show nothing). For more than tables in the
HTML page, add a function under the section's key in ``render_html.EXTRA_HTML``. Sections run in
registration order and can read earlier payloads in ``context.built``.

Adding a section (e.g. judge validity from control answers given with ``--extra controls=FILE``):
write a module with a section object, then add one ``register_section(...)`` line below. Files a
section needs arrive in ``context.extra_inputs[name]``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from jasco.core.registry import Registry

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

    from jasco.tasks.jasco.report.grid import Grid


@dataclass(frozen=True)
class Table:
    """A displayable table: cells are already formatted text (or numbers shown as they are)."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    note: str = ""


@dataclass
class ReportContext:
    """Everything a section builder may read."""

    rows: pd.DataFrame  # load.load_judged's long table
    clips: tuple[str, ...]  # the shared clip list every grid and the bootstrap index
    grids: list[Grid]  # one per (model, judge), sorted by model then judge
    indices: np.ndarray  # bootstrap resamples, (n_boot, len(clips))
    n_boot: int
    seed: int
    extra_inputs: Mapping[str, Sequence[Path]] = field(default_factory=dict)
    built: dict[str, Any] = field(default_factory=dict)  # section key -> payload, in build order
    scratch: dict[str, Any] = field(default_factory=dict)  # non-JSON values sections share

    @property
    def models(self) -> list[str]:
        return sorted({grid.model for grid in self.grids})

    @property
    def judges(self) -> list[str]:
        return sorted({grid.judge for grid in self.grids})


class Section(Protocol):
    key: str
    title: str

    def build(self, context: ReportContext) -> Any | None: ...

    def tables(self, payload: Any) -> list[Table]: ...


class SectionRegistry(Registry[Section]):
    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)


SECTIONS = SectionRegistry("report section")
SECTION_ORDER: list[str] = []


def register_section(key: str, target: str, summary: str = "") -> None:
    """Register a section object at ``target`` ("module:attribute"); sections build in this order."""
    SECTIONS.register(key, target, summary)
    if key not in SECTION_ORDER:
        SECTION_ORDER.append(key)


register_section("results", "jasco.tasks.jasco.report.section_core:RESULTS", "per (ALLM, judge) metrics with CIs")
register_section("averages", "jasco.tasks.jasco.report.section_core:AVERAGES", "per ALLM, averaged over judges")
register_section("variants", "jasco.tasks.jasco.report.section_variants:VARIANTS", "per instruction variant")
register_section("paired", "jasco.tasks.jasco.report.section_paired:PAIRED", "paired bootstrap ALLM differences")
register_section("agreement", "jasco.tasks.jasco.report.section_agreement:AGREEMENT", "agreement between judges")
register_section(
    "judge_validity", "jasco.tasks.jasco.report.section_validity:VALIDITY", "judge accuracy on control answers"
)
register_section("bootstrap", "jasco.tasks.jasco.report.section_core:BOOTSTRAP", "resampling settings")
register_section("inputs", "jasco.tasks.jasco.report.section_core:INPUTS", "the judged files read")
register_section("explorer", "jasco.tasks.jasco.report.section_explorer:EXPLORER", "every answer, per clip")


def unregister_section(key: str) -> None:
    """Remove a section (for tests and for callers that want a shorter report)."""
    SECTIONS.unregister(key)
    if key in SECTION_ORDER:
        SECTION_ORDER.remove(key)
