"""The XACLE dataset layout: finding its root in any directory and reading a split's audio-caption pairs.

The official layout (every release: the 2026 train/validation and test sets, the 2027
development set) is a root directory (``XACLE_dataset/``, the 2027 set may name it
``XACLE_Challenge_2027_development_dataset/``) holding::

    meta_data/{train,validation,test}_average.csv   wav_file_name,text,average_score[,model_id]
    meta_data/{train,validation,test}.csv            per-listener rows (or, for the unlabelled
                                                     2026 test set, wav_file_name,text)
    wav/{train,validation,test}/NNNNN.wav            mono 16-bit 16 kHz, about 10 s

(The READMEs spell the columns ``wave_file_name`` and ``average_semantic_alignement_score``; the
files and the official code use ``wav_file_name`` and ``average_score``, which is what is read.)
Any directory in this layout works (``--data-dir``), with any pair counts; a split may be absent.
A split's pairs come from ``<split>_average.csv`` when it exists (labelled), else from
``<split>.csv`` (``wav_file_name,text``, unlabelled, e.g. the 2026 test set).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from jasco.tasks.xacle.errors import XacleError
from jasco.tasks.xacle.tables import (
    ID_COLUMN,
    LABEL_COLUMN,
    MODEL_ID_COLUMN,
    SCORE_BOUNDS,
    TEXT_COLUMN,
    parse_score,
    read_csv_rows,
    unique_name,
)

SPLITS = ("train", "validation", "test")
OFFICIAL_PAIR_COUNTS = {"train": 7500, "validation": 3000, "test": 3000}
LAYOUT_NAME = "XACLE_dataset"
META_DIR = "meta_data"
WAV_DIR = "wav"
DEMO_MARKER = "jasco_demo.json"  # written by demo.py inside the root: the set is synthetic
INSTALL_RECORD = "jasco_install.json"  # written by install.py inside the root


class XacleDataError(XacleError):
    """The directory is not in the XACLE layout, or a split's files are malformed."""


@dataclass(frozen=True)
class XaclePair:
    """One (audio, caption) pair of a split; ``average_score`` is None for an unlabelled split."""

    split: str
    wav_file_name: str
    text: str
    average_score: float | None
    audio_path: Path
    model_id: str | None = None  # the 2027 set's text-to-audio model id, where given


def is_layout_root(directory: Path) -> bool:
    return (directory / META_DIR).is_dir() and (directory / WAV_DIR).is_dir()


def find_layout_root(directory: str | os.PathLike[str], depth: int = 2) -> Path:
    """``directory`` itself if it holds ``meta_data/`` and ``wav/``, else the one such directory
    below it (at most ``depth`` levels; ``XACLE_dataset`` wins over other names)."""
    directory = Path(directory).expanduser()
    if not directory.is_dir():
        raise XacleDataError(f"{directory}: not a directory")
    if is_layout_root(directory):
        return directory
    level = [directory]
    for _ in range(depth):
        level = sorted(child for parent in level for child in parent.iterdir() if child.is_dir())
        roots = [child for child in level if is_layout_root(child)]
        if len(roots) == 1:
            return roots[0]
        named = [root for root in roots if root.name == LAYOUT_NAME]
        if len(named) == 1:
            return named[0]
        if roots:
            raise XacleDataError(
                f"{directory}: several XACLE layouts ({', '.join(str(r) for r in roots)}); point at one"
            )
    raise XacleDataError(
        f"{directory}: not the XACLE layout (no {META_DIR}/ and {WAV_DIR}/ here or below)"
    )


def split_label_file(root: Path, split: str) -> Path:
    return root / META_DIR / f"{split}_average.csv"


def split_list_file(root: Path, split: str) -> Path:
    return root / META_DIR / f"{split}.csv"


def split_wav_dir(root: Path, split: str) -> Path:
    return root / WAV_DIR / split


def available_splits(root: Path) -> tuple[str, ...]:
    """The official splits that have a metadata file under ``root``, in official order."""
    return tuple(
        split for split in SPLITS if split_label_file(root, split).is_file() or split_list_file(root, split).is_file()
    )


def split_source_file(root: Path, split: str) -> Path:
    """The file a split's pairs are read from: ``<split>_average.csv`` if present, else ``<split>.csv``."""
    if split not in SPLITS:
        raise XacleDataError(f"unknown split {split!r}: expected one of {', '.join(SPLITS)}")
    labelled = split_label_file(root, split)
    if labelled.is_file():
        return labelled
    unlabelled = split_list_file(root, split)
    if unlabelled.is_file():
        return unlabelled
    raise XacleDataError(
        f"{root}: split {split!r} has no {labelled.relative_to(root)} or {unlabelled.relative_to(root)} "
        f"(present: {', '.join(available_splits(root)) or 'none'})"
    )


def split_of_label_file(path: str | os.PathLike[str]) -> str | None:
    """The split an official label file is for (``.../validation_average.csv`` -> "validation"), else None."""
    name = Path(path).name
    for split in SPLITS:
        if name in (f"{split}_average.csv", f"{split}.csv"):
            return split
    return None


def _wav_path(root: Path, split: str, name: str, source: Path, line: int) -> Path:
    relative = name.lstrip("/")  # the official loaders strip a leading "/" too
    if not relative or ".." in Path(relative).parts or "\\" in relative:
        raise XacleDataError(f"{source} line {line}: {ID_COLUMN} {name!r} is not a file name under {WAV_DIR}/{split}/")
    return split_wav_dir(root, split) / relative


def read_split(root: str | os.PathLike[str], split: str) -> tuple[XaclePair, ...]:
    """The pairs of ``split`` in file order (the root is located first, see ``find_layout_root``).

    A missing split or a bad file name raises XacleDataError; a missing column, a repeated name or
    a score outside 0-10 raises the table reader's XacleTableError (both name the file and line).
    A labelled file needs ``text`` and ``average_score``. The audio files are not opened here
    (``install.verify_xacle`` checks them).
    """
    root = find_layout_root(root)
    source = split_source_file(root, split)
    labelled = source == split_label_file(root, split)
    required = (ID_COLUMN, TEXT_COLUMN, LABEL_COLUMN) if labelled else (ID_COLUMN, TEXT_COLUMN)
    header, rows = read_csv_rows(source, required)
    has_scores = LABEL_COLUMN in header
    seen: dict[str, int] = {}
    pairs = []
    for row in rows:
        name = unique_name(row.cells[ID_COLUMN], source, row.line, seen)
        score = (
            parse_score(row.cells[LABEL_COLUMN], source, row.line, LABEL_COLUMN, SCORE_BOUNDS) if has_scores else None
        )
        pairs.append(
            XaclePair(
                split=split,
                wav_file_name=name,
                text=row.cells[TEXT_COLUMN],
                average_score=score,
                audio_path=_wav_path(root, split, name, source, row.line),
                model_id=row.cells.get(MODEL_ID_COLUMN) or None,
            )
        )
    return tuple(pairs)
