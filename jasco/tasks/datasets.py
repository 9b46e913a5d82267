"""The registry of datasets: ``jasco data fetch --dataset NAME`` and ``jasco data verify`` dispatch here.

A dataset knows where it lands by default (``default_dir``), how to install itself from its
default source or a ``--source`` (``fetch``: atomic, idempotent, every file checked) and how to
re-check an installed copy (``verify``: one line per missing, altered or unexpected file). Each
task names its dataset; ``jasco-what-are-they-doing`` (JASCO's) is the default. A dataset that
is built rather than copied declares ``fetch_options`` (``TaskOption``s: ``jasco data fetch
--dataset-option KEY=VALUE``), which ``fetch`` takes as keywords.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from jasco.core.registry import Registry
from jasco.tasks.options import TaskOption

DEFAULT_DATASET = "jasco-what-are-they-doing"


@dataclass(frozen=True)
class FetchResult:
    dest: Path
    changed: bool  # False when a verified dataset was already in place
    n_files: int


@dataclass(frozen=True)
class VerifyResult:
    root: Path
    n_files: int  # files checked
    problems: list[str] = field(default_factory=list)  # one line each, naming the file


class DatasetError(RuntimeError):
    """A dataset file is missing, altered, unexpected or unreadable; the message names it."""


class Dataset(Protocol):
    name: str
    summary: str
    licence: str
    default_source: str | None  # what ``fetch`` uses without --source (None: --source is needed)
    fetch_options: tuple[TaskOption, ...]  # what ``fetch`` takes besides the source (usually none)

    def default_dir(self) -> Path: ...
    def fetch(self, dest: Path, source: str | None = None, *, force: bool = False, **options: Any) -> FetchResult: ...
    def verify(self, root: Path) -> VerifyResult: ...


DATASETS: Registry[Dataset] = Registry("dataset")


def get_dataset(name: str | None = None) -> Dataset:
    import jasco.tasks.catalog  # noqa: F401 - registers the datasets

    return DATASETS.load(name or DEFAULT_DATASET)
