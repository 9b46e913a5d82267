"""Install and verify an XACLE dataset: a directory or a .zip in the official layout -> a checked copy.

Where the data comes from (read in the organisers' repositories, XACLE-Challenge on GitHub):
- 2026 challenge data (ICASSP 2026 SP Grand Challenge): given on request. Train + validation:
  e-mail dataset@xacle.org with "Download dataset" in the subject; test audio and captions:
  "Download test data" (an automated reply carries the link). READMEs:
  XACLE-Challenge/the_first_XACLE_challenge_dataset_train_validation and ..._dataset_test.
- 2027 development set (the 2026 train/validation/test pairs with all labels, plus each clip's
  text-to-audio model id): a direct download, ``DEV_SET_2027_URL`` (README of
  XACLE-Challenge/XACLE_Challenge_2027_development_dataset at commit fb38fad8; an earlier version
  linked ``TRAIN_VAL_2026_URL``). Its root directory may be named
  ``XACLE_Challenge_2027_development_dataset`` instead of ``XACLE_dataset``; both are found.

Licence: none of those dataset READMEs states a licence or terms of use, and no licence file
is listed in those repositories (read November 2026; the baseline *code* repositories are MIT, which
covers code, not data). The challenge's task rules (https://xacle.org/description.html) allow
only the training data for training and the validation and test data for evaluation. Treat the
data as research-use material you may not redistribute, ask the organisers (dataset@xacle.org)
before any other use, and cite the XACLE Challenge 2026 paper (Okamoto et al., ICASSP 2026).
``install_xacle`` keeps any README/LICENSE file shipped with the source in ``source_docs/`` and
records ``LICENCE_NOTE`` in ``jasco_install.json``, so the statement travels with the data.

``verify_xacle(dir)`` checks a copy: the layout, each split's CSV columns, unique names and
0-10 scores, pair counts (the official 7,500 / 3,000 / 3,000 by default, the demo set's own
counts for a set built by ``demo.py``, none with ``expected_counts={}``), that every listed wav
exists and has a sound header (PCM, mono, 16-bit, 16 kHz, not truncated: ``wavcheck``; a full
decode with ``decode=True``) and that no wav is unlisted. ``install_xacle`` copies (directory)
or extracts (zip) into a staging directory beside ``dest``, verifies it and renames it into
place: ``dest`` is either untouched or complete. A ``dest`` that already verifies is left alone.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from jasco.core.runinfo import write_text_atomic
from jasco.tasks.xacle.errors import XacleError
from jasco.tasks.xacle.layout import (
    DEMO_MARKER,
    INSTALL_RECORD,
    LAYOUT_NAME,
    META_DIR,
    OFFICIAL_PAIR_COUNTS,
    SPLITS,
    WAV_DIR,
    XacleDataError,
    available_splits,
    find_layout_root,
    read_split,
    split_label_file,
    split_list_file,
    split_source_file,
    split_wav_dir,
)
from jasco.tasks.xacle.tables import ID_COLUMN, read_csv_rows
from jasco.tasks.xacle.wavcheck import check_wav, decode_problems

DEV_SET_2027_URL = (
    "https://y-okamoto.sakura.ne.jp/XACLE_Challenge/2027/dataset/XACLE_Challenge_2027_development_dataset.zip"
)
TRAIN_VAL_2026_URL = "https://y-okamoto.sakura.ne.jp/XACLE_Challenge/2025/dataset/XACLE_dataset_train_val.zip"
LICENCE_NOTE = (
    "No licence is stated in the XACLE dataset READMEs (2026 train/validation and test, 2027 "
    "development set). Task rules (https://xacle.org/description.html): training data only for "
    "training, validation and test data only for evaluation. Research use; do not redistribute; "
    "ask dataset@xacle.org about anything else; cite Okamoto et al., 'XACLE Challenge 2026: The "
    "First X-to-Audio Alignment Challenge', ICASSP 2026."
)
DOC_PREFIXES = ("readme", "license", "licence", "copying", "terms")
DOCS_DIR = "source_docs"
_SHOWN = 10


@dataclass(frozen=True)
class SplitSummary:
    split: str
    n_pairs: int
    labelled: bool
    duration_min_s: float
    duration_max_s: float


@dataclass(frozen=True)
class Verification:
    root: Path
    splits: tuple[SplitSummary, ...]
    problems: tuple[str, ...]
    synthetic: bool  # a demo set built by demo.py

    @property
    def ok(self) -> bool:
        return not self.problems

    def describe_problems(self, limit: int = _SHOWN) -> str:
        shown = list(self.problems[:limit])
        if len(self.problems) > limit:
            shown.append(f"... and {len(self.problems) - limit} more")
        return "\n  ".join(shown)


@dataclass(frozen=True)
class InstallResult:
    dest: Path
    root: Path
    changed: bool  # False when a verified copy was already in place
    verification: Verification


def _expected_counts(root: Path, expected: Mapping[str, int] | None) -> tuple[Mapping[str, int], bool]:
    marker = root / DEMO_MARKER
    synthetic = marker.is_file()
    if expected is not None:
        return expected, synthetic
    if synthetic:
        try:
            counts = json.loads(marker.read_text(encoding="utf-8"))["pair_counts"]
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise XacleDataError(f"{marker}: unreadable demo marker ({error})") from None
        return {str(split): int(n) for split, n in counts.items()}, True
    return OFFICIAL_PAIR_COUNTS, False


def _check_split(
    root: Path, split: str, expected: Mapping[str, int], decode: bool
) -> tuple[SplitSummary | None, list[str]]:
    try:
        pairs = read_split(root, split)
    except XacleError as error:
        return None, [str(error)]
    source = split_source_file(root, split).relative_to(root)
    problems = []
    if split in expected and len(pairs) != expected[split]:
        problems.append(f"{source}: {len(pairs)} pairs, expected {expected[split]}")
    labelled = source.name.endswith("_average.csv")
    unlabelled = sum(1 for pair in pairs if pair.average_score is None)
    if labelled and unlabelled:
        problems.append(f"{source}: {unlabelled} pair(s) without an average_score")
    listener_file = split_list_file(root, split)
    if labelled and listener_file.is_file():
        problems.extend(_listener_file_problems(root, listener_file, {pair.wav_file_name for pair in pairs}))
    wav_dir = split_wav_dir(root, split)
    if not wav_dir.is_dir():
        return SplitSummary(split, len(pairs), labelled, 0.0, 0.0), [*problems, f"{WAV_DIR}/{split}/: missing"]
    durations = []
    for pair in pairs:
        file_problems, header = check_wav(pair.audio_path)
        if header is not None and not file_problems and decode:
            file_problems = decode_problems(pair.audio_path, header.frames)
        if header is not None and not file_problems:
            durations.append(header.duration_s)
        problems.extend(f"{pair.audio_path.relative_to(root)}: {problem}" for problem in file_problems)
    listed = {pair.audio_path.resolve() for pair in pairs}
    unlisted = sorted(path.name for path in wav_dir.glob("*.wav") if path.resolve() not in listed)
    if unlisted:
        problems.append(
            f"{WAV_DIR}/{split}/: {len(unlisted)} wav file(s) not listed in {source} "
            f"(e.g. {', '.join(unlisted[:3])})"
        )
    summary = SplitSummary(split, len(pairs), labelled, min(durations, default=0.0), max(durations, default=0.0))
    return summary, problems


def _listener_file_problems(root: Path, path: Path, names: set[str]) -> list[str]:
    try:
        _, rows = read_csv_rows(path, (ID_COLUMN,))
    except XacleError as error:
        return [str(error)]
    listed = {row.cells[ID_COLUMN].strip().lstrip("/") for row in rows}
    problems = []
    where = path.relative_to(root)
    extra, absent = sorted(listed - names), sorted(names - listed)
    if extra:
        problems.append(f"{where}: {len(extra)} name(s) not in the averages (e.g. {', '.join(extra[:3])})")
    if absent:
        problems.append(f"{where}: no rows for {len(absent)} pair(s) (e.g. {', '.join(absent[:3])})")
    return problems


def verify_xacle(
    directory: str | os.PathLike[str], expected_counts: Mapping[str, int] | None = None, decode: bool = False
) -> Verification:
    """Check a directory in the XACLE layout; the problems name the file (never raises for bad data,
    only XacleDataError when no layout root can be found)."""
    root = find_layout_root(directory)
    expected, synthetic = _expected_counts(root, expected_counts)
    splits = available_splits(root)
    problems: list[str] = []
    if not splits:
        problems.append(f"{root / META_DIR}: no metadata file for any of {', '.join(SPLITS)}")
    summaries = []
    for split in splits:
        summary, split_problems = _check_split(root, split, expected, decode)
        problems.extend(split_problems)
        if summary is not None:
            summaries.append(summary)
    for split in SPLITS:
        if split not in splits and split_wav_dir(root, split).is_dir() and any(split_wav_dir(root, split).iterdir()):
            problems.append(f"{WAV_DIR}/{split}/: audio without a {split_label_file(root, split).name} or {split}.csv")
    return Verification(root, tuple(summaries), tuple(problems), synthetic)


def _source_root(source: Path, work: Path) -> Path:
    if source.is_dir():
        return find_layout_root(source)
    if source.is_file() and zipfile.is_zipfile(source):
        extracted = work / "source"
        try:
            with zipfile.ZipFile(source) as archive:
                archive.extractall(extracted)  # zipfile drops absolute paths and ".." components
        except (zipfile.BadZipFile, OSError) as error:
            raise XacleDataError(f"{source}: cannot extract ({error})") from None
        return find_layout_root(extracted, depth=3)
    raise XacleDataError(f"{source}: not a directory or a .zip file in the XACLE layout")


def _copy_docs(source_root: Path, top: Path, into: Path) -> list[str]:
    """README/LICENSE files at the layout root and, inside the source ``top``, the level above it."""
    directories = [source_root]
    if source_root != top and source_root.parent.is_relative_to(top):
        directories.append(source_root.parent)
    copied = []
    for directory in directories:
        for path in sorted(directory.iterdir()):
            if path.is_file() and path.name.lower().startswith(DOC_PREFIXES):
                into.mkdir(parents=True, exist_ok=True)
                target = into / path.name
                if target.exists():  # the same name at both levels: the outer one is prefixed
                    target = into / f"parent-{path.name}"
                shutil.copyfile(path, target)
                copied.append(target.name)
    return sorted(copied)


def install_xacle(
    source: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    force: bool = False,
    expected_counts: Mapping[str, int] | None = None,
    decode: bool = False,
) -> InstallResult:
    """Install ``source`` (a directory or .zip in the layout) as ``dest/XACLE_dataset``, verified, atomically
    (``decode``: every wav decoded in full, not only its header checked)."""
    source, dest = Path(source).expanduser().resolve(), Path(dest).expanduser().resolve()
    if dest.exists() and not force and not (dest.is_dir() and not any(dest.iterdir())):
        try:
            current = verify_xacle(dest, expected_counts)
        except XacleError as error:
            raise XacleDataError(f"{dest} exists and is not an XACLE copy ({error}); rerun with --force") from None
        if current.ok:
            return InstallResult(dest, current.root, False, current)
        raise XacleDataError(
            f"{dest} exists but does not verify:\n  {current.describe_problems(3)}\nrerun with --force to replace it"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".xacle-install-", dir=dest.parent) as work_name:
        work = Path(work_name)
        source_root = _source_root(source, work)
        staging = work / "staging"
        root = staging / LAYOUT_NAME
        root.mkdir(parents=True)
        move = not source.is_dir()  # the extracted zip is ours to move; a directory is copied
        for name in (META_DIR, WAV_DIR):
            if move:
                os.replace(source_root / name, root / name)
            else:
                shutil.copytree(source_root / name, root / name)
        docs = _copy_docs(source_root, source if source.is_dir() else work / "source", root / DOCS_DIR)
        verification = verify_xacle(root, expected_counts, decode=decode)
        if not verification.ok:
            shown = verification.describe_problems().replace(str(root), str(source_root))
            raise XacleDataError(f"{source} does not verify as an XACLE dataset:\n  {shown}")
        record = {
            "source": str(source),
            "installed_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "pair_counts": {summary.split: summary.n_pairs for summary in verification.splits},
            "licence": LICENCE_NOTE,
            "source_docs": docs,
        }
        write_text_atomic(root / INSTALL_RECORD, json.dumps(record, indent=2) + "\n")
        if dest.exists():
            os.replace(dest, work / "previous")  # removed with the work directory
        os.replace(staging, dest)
    final = Verification(dest / LAYOUT_NAME, verification.splits, (), verification.synthetic)
    return InstallResult(dest, final.root, True, final)
