"""The extension point: a report is an ordered list of named sections, chosen by the task.

A section has a ``key`` (its key in the report's JSON object), a ``title``, ``build(context)``
(returns the JSON-ready payload, or None to leave the section out) and ``tables(payload)`` (what
the table/markdown/html renderers show; return [] to show nothing). For more than tables in the
HTML page, a section may also have ``html(report, options) -> str``, shown after its tables.
Sections run in registration order and can read earlier payloads in ``context.built``.

Each task has a ``ReportSpec``: its ``SectionRegistry``, how its input files load into a
context (``make_context``; the context has ``built`` and ``extra_inputs`` and whatever the task's
sections read), the page title, and its CSV form. Adding a section is a module with a section
object and one ``register(...)`` line in the task's registry; files a section needs arrive in
``context.extra_inputs[name]`` (``jasco report --extra NAME=PATH``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from jasco.core.registry import Registry


class ReportInputError(ValueError):
    """A scored file cannot be reported on; the message names the file and the problem."""


@dataclass(frozen=True)
class Table:
    """A displayable table: cells are already formatted text (or numbers shown as they are)."""

    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    note: str = ""


class Section(Protocol):
    key: str
    title: str

    def build(self, context: Any) -> Any | None: ...

    def tables(self, payload: Any) -> list[Table]: ...


class SectionRegistry(Registry[Section]):
    """A task's sections, built and shown in registration order."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.order: list[str] = []

    def register(self, name: str, target: str, summary: str = "") -> None:
        super().register(name, target, summary)
        if name not in self.order:
            self.order.append(name)

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)
        if name in self.order:
            self.order.remove(name)


@dataclass(frozen=True)
class ReportInputs:
    """What ``jasco report`` was given: the files and the options every task may use."""

    files: Sequence[Path]
    model: str | None = None  # a name for files without a model column
    judge: str | None = None  # a name for files without a judge column
    n_boot: int = 1000
    seed: int = 0
    data_dir: Path | None = None
    extra_inputs: Mapping[str, Sequence[Path]] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)  # the task's options
    max_unscored: float = 0.05  # flag results whose unscored share is above this (report["flags"])


@dataclass(frozen=True)
class ReportSpec:
    """A task's report: its sections, how files load into their context, its title and CSV form."""

    title: str
    note: str  # one line under the title of the HTML page
    sections: SectionRegistry
    make_context: Callable[[ReportInputs], Any]
    csv: Callable[[dict[str, Any]], str] | None = None  # the report as one CSV table (None: no CSV form)
