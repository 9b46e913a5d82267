"""JASCO's dataset: "What Are They Doing", pinned to one upstream commit (CC BY-NC 4.0).

The 80 wavs, ``dataset/v0/v0.csv``, upstream ``evaluation/example.csv`` and the data licence from
BenoitWang/What_Are_They_Doing, every file checked against our sha256 manifest
(``dataset/what-are-they-doing-e728f83.sha256``). It lands in ``$JASCO_DATA_DIR`` if set, else
``~/.cache/jasco/what-are-they-doing-e728f83``. Installing is ``fetch.fetch_dataset``; checking is
``manifest.verify_tree``; this module is the registered ``Dataset`` over both.
"""

from __future__ import annotations

from pathlib import Path

from jasco.core.paths import dataset_dir
from jasco.tasks.datasets import FetchResult, VerifyResult
from jasco.tasks.options import TaskOption

NAME = "jasco-what-are-they-doing"
DATA_DIR_ENV = "JASCO_DATA_DIR"
# The upstream dataset release this harness is pinned to.
UPSTREAM_REPO = "BenoitWang/What_Are_They_Doing"
UPSTREAM_COMMIT = "e728f83c6014d97a47294ab4810a6390598f8af5"
DATASET_NAME = f"what-are-they-doing-{UPSTREAM_COMMIT[:7]}"


def default_data_dir() -> Path:
    """The dataset directory used when neither ``--data-dir`` nor ``JASCO_DATA_DIR`` is given."""
    return dataset_dir(DATASET_NAME, DATA_DIR_ENV)


class JascoDataset:
    name = NAME
    fetch_options: tuple[TaskOption, ...] = ()
    summary = f"What Are They Doing (80 clips), {UPSTREAM_REPO}@{UPSTREAM_COMMIT[:7]}"
    licence = "CC BY-NC 4.0 (DATA_LICENSE.txt in the installed dataset): not for commercial use"

    @property
    def default_source(self) -> str:
        from jasco.tasks.jasco.fetch import DEFAULT_SOURCE

        return DEFAULT_SOURCE

    def default_dir(self) -> Path:
        return default_data_dir()

    def fetch(self, dest: Path, source: str | None = None, *, force: bool = False) -> FetchResult:
        from jasco.tasks.jasco.fetch import fetch_dataset

        return fetch_dataset(dest, source or self.default_source, force=force)

    def verify(self, root: Path) -> VerifyResult:
        from jasco.core.swap import recover
        from jasco.tasks.jasco.manifest import load_manifest, verify_tree

        recover(Path(root))  # a fetch killed mid-swap leaves the dataset beside root: put it back first
        manifest = load_manifest()
        return VerifyResult(root, len(manifest.entries), verify_tree(root, manifest))


DATASET = JascoDataset()
