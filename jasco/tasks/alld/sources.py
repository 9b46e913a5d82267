"""Where the caption generation's meta info comes from: human ratings, or jasco's signal analyzer.

- ``human`` (ALLD's choice: NISQA's listener ratings): ``meta.read_nisqa_csv`` of a NISQA-layout
  CSV (``filepath_deg`` and the five factors; ``db`` optional, ``splits`` keep those dbs);
- ``signal``: the same CSV names the files (only ``filepath_deg`` is needed, ``db`` optional) and
  jasco's signal analyzer (the ``signal`` predictor, ``jasco.quality``) rates each one. It runs in
  spawned worker processes (``QualityPool``), never in this process: numba there would break an
  in-process vLLM engine built later. The analyzer's values (1..4.5) are rounded to 2 decimals
  (``SIGNAL_DECIMALS``) before they go into the prompts, and validated like human ratings.

Either way ``MetaSource.record`` says what was used (the kind, the CSV and its sha256, the
files, the analyzer's version and rounding): it goes into the manifest and the JSONL. A file the
analyzer cannot read or rate is an ``MetaError`` naming it; nothing is dropped.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jasco.tasks.alld.errors import MetaError
from jasco.tasks.alld.meta import DB_COLUMN, FACTORS, FILE_COLUMN, QualityMeta, metas_from_mappings, read_nisqa_csv

SIGNAL_PREDICTOR = "signal"
SIGNAL_DECIMALS = 2


@dataclass(frozen=True)
class MetaSource:
    metas: tuple[QualityMeta, ...]
    record: dict[str, Any] = field(default_factory=dict)


def listed_files(
    path: str | os.PathLike[str], *, audio_root: str | os.PathLike[str] | None = None, dbs: Sequence[str] = (),
) -> list[tuple[str, Path]]:
    """(file id, audio path) of every row of a NISQA-layout CSV (only ``filepath_deg`` is needed);
    a missing column, empty or repeated id, unknown db or missing audio file is a ``MetaError``."""
    csv_path = Path(path)
    if not csv_path.is_file():
        raise MetaError(f"meta CSV {csv_path} not found")
    root = Path(audio_root) if audio_root is not None else csv_path.parent
    files: list[tuple[str, Path]] = []
    first: dict[str, int] = {}
    seen_dbs: set[str] = set()
    with open(csv_path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        if FILE_COLUMN not in [name.strip() for name in reader.fieldnames or []]:
            raise MetaError(f"meta CSV {csv_path}: no {FILE_COLUMN} column (the files to analyse)")
        for raw in reader:
            row = {str(key).strip(): (value or "").strip() for key, value in raw.items() if key is not None}
            line, file_id = reader.line_num, row.get(FILE_COLUMN, "")
            seen_dbs.add(row.get(DB_COLUMN, ""))
            if dbs and row.get(DB_COLUMN, "") not in dbs:
                continue
            if not file_id:
                raise MetaError(f"meta CSV {csv_path}, line {line}: empty {FILE_COLUMN}")
            if file_id in first:
                raise MetaError(f"meta CSV {csv_path}, line {line}: {file_id!r} repeats line {first[file_id]}")
            first[file_id] = line
            audio = root / file_id
            if not audio.is_file():
                raise MetaError(f"meta CSV {csv_path}, line {line}: audio file {audio} not found")
            files.append((file_id, audio))
    unknown = sorted(set(dbs) - seen_dbs)
    if unknown:
        raise MetaError(f"meta CSV {csv_path}: no rows with db {', '.join(unknown)}; known: "
                        f"{', '.join(sorted(seen_dbs))}")
    if not files:
        raise MetaError(f"meta CSV {csv_path}: no rows")
    return files


def signal_metas(
    path: str | os.PathLike[str], *, audio_root: str | os.PathLike[str] | None = None, dbs: Sequence[str] = (),
    workers: int | None = None,
) -> MetaSource:
    """Rate every listed file with the signal analyzer in worker processes (see the module doc)."""
    from jasco.quality.runner import QualityError, score_files

    files = listed_files(path, audio_root=audio_root, dbs=dbs)
    try:
        outcomes = score_files([str(audio) for _, audio in files], [SIGNAL_PREDICTOR], workers=workers)
    except QualityError as error:
        raise MetaError(f"--meta-from signal: {error}") from None
    rows: dict[str, dict[str, float]] = {}
    problems: list[str] = []
    versions: set[str] = set()
    for (file_id, _), outcome in zip(files, outcomes, strict=True):
        if outcome.status != "ok":
            problems.append(outcome.reason)
            continue
        prediction = outcome.prediction(SIGNAL_PREDICTOR)
        if prediction.status != "ok":
            problems.append(f"{outcome.path}: {prediction.reason}")
            continue
        versions.add(prediction.version)
        rows[file_id] = {factor: round(prediction.values[factor], SIGNAL_DECIMALS) for factor in FACTORS}
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise MetaError(f"--meta-from signal: the analyzer could not rate {len(problems)} file(s): "
                        f"{'; '.join(problems[:3])}{more}")
    version = "; ".join(sorted(versions))
    root = Path(audio_root) if audio_root is not None else Path(path).parent
    metas = metas_from_mappings(rows, source=f"signal ({version})", audio_root=root)
    return MetaSource(metas, {"kind": "signal", "predictor": SIGNAL_PREDICTOR, "predictor_version": version,
                              "decimals": SIGNAL_DECIMALS, "workers": workers})


def human_metas(
    path: str | os.PathLike[str], *, audio_root: str | os.PathLike[str] | None = None, dbs: Sequence[str] = (),
    workers: int | None = None,
) -> MetaSource:
    """The listeners' ratings in the CSV itself (``workers`` is unused: nothing is computed)."""
    return MetaSource(read_nisqa_csv(path, audio_root=audio_root, dbs=dbs or None), {"kind": "human"})


SOURCES: dict[str, Callable[..., MetaSource]] = {"human": human_metas, "signal": signal_metas}


def load_metas(
    kind: str, path: str | os.PathLike[str], *, audio_root: str | os.PathLike[str] | None = None,
    dbs: Sequence[str] = (), workers: int | None = None,
) -> MetaSource:
    """The meta info of every file the CSV lists, from ``kind`` (``human`` or ``signal``)."""
    from jasco.core.runinfo import file_sha256

    if kind not in SOURCES:
        raise MetaError(f"--meta-from {kind!r}: use one of {', '.join(SOURCES)}")
    source = SOURCES[kind](path, audio_root=audio_root, dbs=dbs, workers=workers)
    record = {**source.record, "csv": str(path), "csv_sha256": file_sha256(path), "splits": list(dbs),
              "audio_root": str(audio_root) if audio_root is not None else str(Path(path).parent),
              "n_files": len(source.metas)}
    return MetaSource(source.metas, record)
