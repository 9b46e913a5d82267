"""Per-file quality meta info (mos, noi, col, dis, loud: 1-5, higher is better) and its JSON.

Two sources, one validation:

- ``read_nisqa_csv``: human ratings from a NISQA-layout CSV (``NISQA_corpus_file.csv`` or a
  per-database ``*_file.csv``; columns ``filepath_deg`` and the five factors, ``db`` optional);
- ``meta_from_mapping``: any plain mapping of the five factors for one file (the signal
  analyzer's output plugs in here; numpy scalars are accepted).

A missing factor, a value that is not a number, or one outside [1, 5] raises ``MetaError``
naming the file and row; nothing is clipped or filled in. ``meta_json`` is the JSON that ALLD's
prompts embed, formatted as their code does: ``json.dumps`` of ``{"mos", "noi", "col", "dis",
"loud"}`` in that order with the default separators (``{"mos": 3.2, "noi": 2.5, ...}``).
"""

from __future__ import annotations

import csv
import json
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jasco.tasks.alld.errors import MetaError

FACTORS = ("mos", "noi", "col", "dis", "loud")
SCALE = (1.0, 5.0)
FILE_COLUMN = "filepath_deg"
DB_COLUMN = "db"


@dataclass(frozen=True)
class QualityMeta:
    """One file's five ratings. ``file_id`` is stable (NISQA's ``filepath_deg``)."""

    file_id: str
    audio: str
    mos: float
    noi: float
    col: float
    dis: float
    loud: float
    source: str
    db: str = ""

    def values(self) -> dict[str, float]:
        """The five factors in ALLD's order (mos, noi, col, dis, loud)."""
        return {factor: getattr(self, factor) for factor in FACTORS}


def meta_json(meta: QualityMeta) -> str:
    """The meta info as ALLD's prompts embed it: ``json.dumps`` with default separators."""
    return json.dumps(meta.values())


def metrics_file_text(meta: QualityMeta) -> str:
    """ALLD's ``audio1_metrics.json`` content: ``json.dump(metadata, f, indent=2)`` (no final newline)."""
    return json.dumps(meta.values(), indent=2)


def parse_factor(value: Any, *, factor: str, where: str) -> float:
    """A rating as a float in [1, 5]; anything else raises ``MetaError`` naming ``where``.

    The value goes through ``str`` first, so a numpy float32 becomes its shortest decimal form
    (``np.float32(3.1)`` -> 3.1, not 3.0999999046325684) and a CSV cell keeps its digits."""
    if value is None or isinstance(value, bool):
        raise MetaError(f"{where}: factor {factor!r} is missing")
    text = str(value).strip()
    if not text:
        raise MetaError(f"{where}: factor {factor!r} is missing (empty)")
    try:
        number = float(text)
    except ValueError:
        raise MetaError(f"{where}: factor {factor!r} is not a number: {text!r}") from None
    if math.isnan(number):
        raise MetaError(f"{where}: factor {factor!r} is missing (NaN)")
    low, high = SCALE
    if not low <= number <= high:
        raise MetaError(f"{where}: factor {factor!r} = {text} is outside {low:g}-{high:g}")
    return number


def meta_from_mapping(
    file_id: str, values: Mapping[str, Any], *, source: str, audio: str | None = None, db: str = "",
    where: str | None = None,
) -> QualityMeta:
    """Validate one file's five factors from any mapping (extra keys are ignored)."""
    place = where or f"meta info of {file_id!r} (from {source})"
    missing = [factor for factor in FACTORS if factor not in values]
    if missing:
        raise MetaError(f"{place}: missing factor(s) {', '.join(missing)}; need all of {', '.join(FACTORS)}")
    parsed = {factor: parse_factor(values[factor], factor=factor, where=place) for factor in FACTORS}
    return QualityMeta(file_id=file_id, audio=audio or file_id, source=source, db=db, **parsed)


def metas_from_mappings(
    rows: Mapping[str, Mapping[str, Any]], *, source: str, audio_root: str | os.PathLike[str] | None = None,
) -> tuple[QualityMeta, ...]:
    """Many files at once (file id -> factors), sorted by file id; audio = audio_root / file id."""
    if not rows:
        raise MetaError(f"meta info from {source}: no files")
    metas = []
    for file_id in sorted(rows):
        audio = str(Path(audio_root) / file_id) if audio_root is not None else file_id
        metas.append(meta_from_mapping(file_id, rows[file_id], source=source, audio=audio))
    return tuple(metas)


def read_nisqa_csv(
    path: str | os.PathLike[str], *, audio_root: str | os.PathLike[str] | None = None,
    dbs: Iterable[str] | None = None,
) -> tuple[QualityMeta, ...]:
    """Human ratings from a NISQA-layout CSV, in file order.

    ``audio_root`` defaults to the CSV's directory (NISQA paths are relative to the corpus root).
    ``dbs`` keeps only those ``db`` values (an unknown one is an error naming the known ones).
    Raises ``MetaError`` for a missing file or column, an empty table, a duplicate
    ``filepath_deg`` and any bad rating (naming the CSV line)."""
    csv_path = Path(path)
    if not csv_path.is_file():
        raise MetaError(f"meta CSV {csv_path} not found")
    root = Path(audio_root) if audio_root is not None else csv_path.parent
    wanted = set(dbs) if dbs is not None else None
    metas: list[QualityMeta] = []
    first_line: dict[str, int] = {}
    seen_dbs: set[str] = set()
    with open(csv_path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = [name.strip() for name in reader.fieldnames or []]
        absent = [name for name in (FILE_COLUMN, *FACTORS) if name not in columns]
        if absent:
            raise MetaError(
                f"meta CSV {csv_path}: missing column(s) {', '.join(absent)} "
                f"(a NISQA-layout CSV has {FILE_COLUMN}, {', '.join(FACTORS)}); found: {', '.join(columns) or '(none)'}"
            )
        for raw in reader:
            row = {str(key).strip(): value for key, value in raw.items() if key is not None}
            line = reader.line_num
            file_id = (row.get(FILE_COLUMN) or "").strip()
            if not file_id:
                raise MetaError(f"meta CSV {csv_path}, line {line}: empty {FILE_COLUMN}")
            db = (row.get(DB_COLUMN) or "").strip()
            seen_dbs.add(db)
            if wanted is not None and db not in wanted:
                continue
            if file_id in first_line:
                raise MetaError(
                    f"meta CSV {csv_path}, line {line}: {file_id!r} repeats line {first_line[file_id]}"
                )
            first_line[file_id] = line
            where = f"meta CSV {csv_path}, line {line} ({file_id})"
            metas.append(meta_from_mapping(
                file_id, row, source=f"nisqa-csv:{csv_path.name}", audio=str(root / file_id), db=db, where=where,
            ))
    if wanted is not None and not wanted <= seen_dbs:
        unknown = ", ".join(sorted(wanted - seen_dbs))
        raise MetaError(f"meta CSV {csv_path}: no rows with db {unknown}; known: {', '.join(sorted(seen_dbs))}")
    if not metas:
        raise MetaError(f"meta CSV {csv_path}: no rows")
    return tuple(metas)
