"""The sha256 manifest of the dataset files (ours, committed in ``dataset/``; the data is not).

The manifest uses ``sha256sum`` format: ``<hex digest>  <relative path>`` per line, so
``sha256sum -c`` can check an installed dataset too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from jasco.core.paths import resource_dir
from jasco.core.runinfo import file_sha256
from jasco.tasks.datasets import DatasetError
from jasco.tasks.jasco.dataset import DATASET_NAME


@dataclass(frozen=True)
class Manifest:
    entries: dict[str, str]  # relative posix path -> sha256 hex
    source: Path

    @property
    def paths(self) -> list[str]:
        return sorted(self.entries)


def default_manifest_path() -> Path:
    return resource_dir("dataset") / f"{DATASET_NAME}.sha256"


def load_manifest(path: str | os.PathLike[str] | None = None) -> Manifest:
    path = Path(path) if path is not None else default_manifest_path()
    entries: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name:
            raise DatasetError(f"{path}:{number}: not a sha256sum line: {line!r}")
        entries[name] = digest
    if not entries:
        raise DatasetError(f"{path}: manifest lists no files")
    return Manifest(entries, path)


def list_files(root: Path) -> list[str]:
    return sorted(
        path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file()
    )


def verify_tree(root: Path, manifest: Manifest, *, allow_extra: bool = False) -> list[str]:
    """Check every manifest file under ``root``; return problems, one line each, naming files.

    An empty list means the tree is exactly (or, with ``allow_extra``, at least) the manifest.
    """
    problems = []
    if not root.is_dir():
        return [f"{root}: dataset directory does not exist"]
    for name in manifest.paths:
        path = root / name
        if not path.is_file():
            problems.append(f"{path}: missing")
        elif file_sha256(path) != manifest.entries[name]:
            problems.append(f"{path}: sha256 mismatch (altered or corrupt file)")
    if not allow_extra:
        for name in list_files(root):
            if name not in manifest.entries:
                problems.append(f"{root / name}: unexpected file (not in {manifest.source.name})")
    return problems
