"""Reading a corpus in the NISQA layout: the 21-column file table, its splits and its wav files.

The layout: ``NISQA_corpus_file.csv`` at the corpus root, one row per degraded file, with the
columns in ``COLUMNS``; ``filepath_deg`` / ``filepath_ref`` are relative to the root
(``<DB>/deg/*.wav``, ``<DB>/ref/*.wav``; ``filepath_ref`` is empty where a split has no clean
reference, e.g. NISQA_TEST_LIVETALK). Any directory in this layout works, a user's own corpus too.
A split is a ``db`` value; the default is the three NISQA test sets. Every selected row is
checked (paths inside the root, files present, ratings numeric and on the 1-5 scale, no
duplicates) and each wav's duration is read from its header, so items can carry it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pandas as pd

from jasco.tasks.speech_quality.scale import QUANTITIES
from jasco.tasks.speech_quality.wavcheck import wav_problem

CORPUS_CSV = "NISQA_corpus_file.csv"
COLUMNS = ("db", "con", "file", "con_description", "filename_deg", "filename_ref", "source", "lang", "votes", "mos",
           "noi", "col", "dis", "loud", "noi_std", "col_std", "dis_std", "loud_std", "mos_std", "filepath_deg",
           "filepath_ref")
TEST_SPLITS = ("NISQA_TEST_FOR", "NISQA_TEST_P501", "NISQA_TEST_LIVETALK")


class CorpusError(ValueError):
    """The corpus is not in the NISQA layout or a row is wrong; the message names the file and row."""


@dataclass(frozen=True)
class Labels:
    """Human ratings of one file (None where the table has none)."""

    mos: float
    noi: float | None = None
    col: float | None = None
    dis: float | None = None
    loud: float | None = None

    def get(self, quantity: str) -> float | None:
        if quantity not in QUANTITIES:
            raise KeyError(quantity)
        value: float | None = getattr(self, quantity)
        return value


@dataclass(frozen=True)
class CorpusFile:
    db: str
    con: str
    name: str  # the degraded file's name without .wav: unique within its db
    deg_path: str  # relative to the corpus root, as in the table
    ref_path: str | None
    labels: Labels
    deg_duration_s: float
    ref_duration_s: float | None
    row: int  # line number in the table (the header is line 1)
    con_description: str = ""
    lang: str = ""

    @property
    def key(self) -> str:
        return f"{self.db}/{self.name}"


@dataclass(frozen=True)
class Corpus:
    root: Path
    splits: tuple[str, ...]  # the selected db values
    split_sizes: dict[str, int]  # every db value in the table -> its number of rows
    files: tuple[CorpusFile, ...]

    def path(self, relative: str) -> Path:
        return self.root / relative


def read_table(root: str | Path) -> pd.DataFrame:
    """The corpus table as strings (empty cells ''), after checking the layout's columns."""
    root = Path(root)
    csv = root / CORPUS_CSV
    if not root.is_dir():
        raise CorpusError(f"{root}: not a directory")
    if not csv.is_file():
        raise CorpusError(f"{root}: no {CORPUS_CSV} (not a corpus in the NISQA layout)")
    try:
        table = pd.read_csv(csv, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise CorpusError(f"{csv}: cannot read as CSV ({error})") from None
    missing = [c for c in COLUMNS if c not in table.columns]
    if missing:
        raise CorpusError(f"{csv}: missing column(s) {', '.join(missing)}")
    return table


def read_corpus(root: str | Path, splits: Sequence[str] | None = None) -> Corpus:
    """The selected splits' files, checked, with their durations; default splits: TEST_SPLITS."""
    root = Path(root).expanduser().resolve()
    table = read_table(root)
    csv = root / CORPUS_CSV
    sizes = {str(db): int(n) for db, n in table["db"].value_counts(sort=False).items()}
    chosen = tuple(dict.fromkeys(splits if splits else TEST_SPLITS))
    unknown = [s for s in chosen if s not in sizes]
    if unknown:
        raise CorpusError(f"{csv}: unknown split(s) {', '.join(unknown)}; the db values in this corpus: "
                          f"{', '.join(sorted(sizes)) or '(none)'}")
    selected = table[table["db"].isin(chosen)]
    files: list[CorpusFile] = []
    seen: dict[str, int] = {}
    for index, row in selected.iterrows():
        line = int(str(index)) + 2
        item = _read_row(root, csv, line, row)
        if item.key in seen:
            raise CorpusError(f"{csv}: row {line}: {item.deg_path} repeats row {seen[item.key]} ({item.key})")
        seen[item.key] = line
        files.append(item)
    return Corpus(root, chosen, sizes, tuple(files))


def _read_row(root: Path, csv: Path, line: int, row: pd.Series) -> CorpusFile:
    where = f"{csv}: row {line}"
    deg = _relative(row["filepath_deg"], where, "filepath_deg", required=True)
    ref = _relative(row["filepath_ref"], where, "filepath_ref", required=False)
    assert deg is not None
    mos = _rating(row["mos"], where, "mos", required=True)
    deg_duration = _duration(root, deg, where)
    assert mos is not None and deg_duration is not None
    labels = Labels(mos, *(_rating(row[q], where, q, required=False) for q in QUANTITIES[1:]))
    return CorpusFile(
        db=str(row["db"]), con=str(row["con"]), name=PurePosixPath(deg).stem, deg_path=deg, ref_path=ref,
        labels=labels, deg_duration_s=deg_duration, ref_duration_s=_duration(root, ref, where),
        row=line, con_description=str(row["con_description"]), lang=str(row["lang"]),
    )


def _relative(value: str, where: str, column: str, required: bool) -> str | None:
    value = value.strip().replace("\\", "/")
    if not value:
        if required:
            raise CorpusError(f"{where}: {column} is empty")
        return None
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts:
        raise CorpusError(f"{where}: {column} {value!r} must be a path inside the corpus root")
    return value


def _rating(value: str, where: str, column: str, required: bool) -> float | None:
    if not value.strip():
        if required:
            raise CorpusError(f"{where}: {column} is empty")
        return None
    try:
        number = float(value)
    except ValueError:
        raise CorpusError(f"{where}: {column} {value!r} is not a number") from None
    if not math.isfinite(number) or not 1.0 <= number <= 5.0:
        raise CorpusError(f"{where}: {column} {value} is outside the 1-5 scale")
    return number


def _duration(root: Path, relative: str | None, where: str) -> float | None:
    if relative is None:
        return None
    import soundfile

    path = root / relative
    problem = wav_problem(path)
    if problem:
        raise CorpusError(f"{where}: {relative}: {problem}")
    info = soundfile.info(str(path))
    return float(info.frames) / float(info.samplerate)
