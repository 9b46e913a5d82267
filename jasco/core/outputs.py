"""Output paths checked before any work: never a directory where a file goes, never an input.

Every command that writes calls ``check_outputs`` with what it will write (the output and its
manifest, store and stamp beside it) and what it reads, before it loads a model or reads a row:
an output that is a directory (or a directory output that is a file), whose parent is a file, or
that is one of the inputs (the same file under any name: hard and symbolic links included), is an
``OutputPathError`` naming the option and both paths. ``check_not_inside`` keeps outputs out of a
directory that must stay untouched (an installed dataset).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path


class OutputPathError(ValueError):
    """An output path cannot be written without destroying something; the message names it."""


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist: compare where they would be
        return a.resolve() == b.resolve()


def check_outputs(outputs: Sequence[Path], inputs: Iterable[Path | None], *, option: str = "--out") -> None:
    """Fail before any work if an output file cannot be written safely (see the module docstring)."""
    given = [Path(path) for path in inputs if path is not None]
    for output in (Path(path) for path in outputs):
        if output.is_dir():
            raise OutputPathError(f"{option} {output} is a directory; give a file path")
        for parent in output.parents:
            if parent.exists():
                if not parent.is_dir():
                    raise OutputPathError(f"{option} {output}: {parent} is a file, not a directory")
                break
        for source in given:
            if _same_file(output, source):
                raise OutputPathError(
                    f"{option} {output} is also an input ({source}); refusing to overwrite it: "
                    "write the output somewhere else"
                )


def check_output_dir(directory: Path, inputs: Iterable[Path | None], *, option: str = "--out") -> None:
    """A directory output: not an existing file, not one of the inputs."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise OutputPathError(f"{option} {directory} is a file; give a directory")
    for source in (Path(path) for path in inputs if path is not None):
        if _same_file(directory, source):
            raise OutputPathError(f"{option} {directory} is also an input ({source}); write it somewhere else")


def check_not_inside(outputs: Sequence[Path], protected: Path | None, what: str, *, option: str = "--out") -> None:
    """No output may lie inside ``protected`` (e.g. the installed dataset, which must stay as verified)."""
    if protected is None:
        return
    root = Path(protected).resolve()
    for output in (Path(path) for path in outputs):
        target = output.resolve()
        if target == root or root in target.parents:
            raise OutputPathError(f"{option} {output} is inside {what} {root}; write it somewhere else")


def beside(output: Path, *suffixes: str) -> list[Path]:
    """``output`` and the files written beside it: ``beside(p, ".manifest.json", ".store.jsonl")``."""
    output = Path(output)
    return [output, *(output.with_name(output.name + suffix) for suffix in suffixes)]
