"""A registry of named implementations whose modules are imported only when selected.

Model adapters, judge backends and report formats register here by name with a
``"module:attribute"`` target string, so listing or choosing among them never imports torch,
transformers or vllm. This is the one place that maps names to code: no if/elif over names.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class UnknownNameError(KeyError):
    """Raised when a name is not registered; the message lists the known names."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class Entry:
    name: str
    target: str  # "package.module:attribute"
    summary: str = ""


class Registry(Generic[T]):
    """Maps names to lazily imported objects (classes or factories)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, Entry] = {}

    def register(self, name: str, target: str, summary: str = "") -> None:
        if ":" not in target:
            raise ValueError(f"{self.kind} {name!r}: target must be 'module:attribute', got {target!r}")
        if name in self._entries and self._entries[name].target != target:
            raise ValueError(f"{self.kind} {name!r} is already registered to {self._entries[name].target}")
        self._entries[name] = Entry(name, target, summary)

    def names(self) -> list[str]:
        return sorted(self._entries)

    def entries(self) -> Iterator[Entry]:
        for name in self.names():
            yield self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def entry(self, name: str) -> Entry:
        try:
            return self._entries[name]
        except KeyError:
            known = ", ".join(self.names()) or "(none)"
            raise UnknownNameError(f"unknown {self.kind} {name!r}; known: {known}") from None

    def load(self, name: str) -> T:
        """Import and return the object registered under ``name``."""
        module_name, _, attribute = self.entry(name).target.partition(":")
        module = importlib.import_module(module_name)
        obj: Any = getattr(module, attribute)
        return obj
