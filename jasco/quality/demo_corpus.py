"""The synthetic demo corpus: real clean speech, degradations made in code, NISQA layout.

``build_demo_corpus(clean_dir, dest)`` reads the clean recordings, brings each to 16 kHz mono
(resampled and down-mixed where needed, recorded in the CSV) at the ITU-T P.56 nominal active
level of -26 dBov (``ref/<stem>.wav``), and writes for every condition in ``CONDITIONS``
``files_per_condition`` degraded files (``deg/<stem>_c<NN>.wav``, PCM 16-bit). Which recordings
get which condition is a seeded rotation (every recording is used about equally often); each
file's noise and dropout positions come from its own seed, derived from (seed, condition,
recording), so a file does not change when others are added. ``ref_processing`` records what
was done to each reference (resampling, down-mixing, the level change).

``NISQA_corpus_file.csv`` has NISQA's 21 columns (paths relative to the corpus root) plus
``synthetic`` (always 1), ``degradation`` (the steps, in order) and ``labels_version``. The
labels (mos, noi, col, dis, loud) are ``demo_labels.labels`` of the steps: a documented function
of severity, not human ratings; ``votes`` is 0 and the ``*_std`` columns are empty. The db name
``DEMO_SIM`` says the same.

Pure parts (``CONDITIONS``, ``plan_corpus``, ``corpus_row``) are separate from the writing.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jasco.quality import demo_labels
from jasco.quality.degrade import SAMPLE_RATE, Context, DegradationError, Step, apply_steps
from jasco.quality.signal.levels import active_speech_level

DB_NAME = "DEMO_SIM"
CSV_NAME = "NISQA_corpus_file.csv"
NOMINAL_LEVEL_DBOV = -26.0
DEFAULT_FILES_PER_CONDITION = 3
NISQA_COLUMNS = (
    "db", "con", "file", "con_description", "filename_deg", "filename_ref", "source", "lang", "votes",
    "mos", "noi", "col", "dis", "loud", "noi_std", "col_std", "dis_std", "loud_std", "mos_std",
    "filepath_deg", "filepath_ref",
)
EXTRA_COLUMNS = ("synthetic", "degradation", "labels_version", "ref_processing")


class CorpusError(RuntimeError):
    """The demo corpus cannot be built; the message names the file or condition."""


@dataclass(frozen=True)
class Condition:
    con: int
    steps: tuple[Step, ...]

    @property
    def description(self) -> str:
        return " + ".join(step.describe() for step in self.steps) or "clean"


def _c(con: int, *steps: tuple[str, float]) -> Condition:
    return Condition(con, tuple(Step(kind, value) for kind, value in steps))


# Noise, the commonest real-world degradation, has the most conditions (as in NISQA's simulated
# corpora). Combinations apply noise first: a noisy recording that is then band-limited,
# clipped or loses packets, as in a call.
CONDITIONS: tuple[Condition, ...] = (
    _c(1),
    *(_c(2 + i, ("white", snr)) for i, snr in enumerate((30.0, 20.0, 15.0, 10.0, 5.0, 0.0))),
    *(_c(8 + i, ("babble", snr)) for i, snr in enumerate((30.0, 20.0, 10.0, 5.0, 0.0))),
    *(_c(13 + i, ("lowpass", hz)) for i, hz in enumerate((5000.0, 3400.0, 2000.0, 1000.0))),
    *(_c(17 + i, ("clip", share)) for i, share in enumerate((0.01, 0.05, 0.15))),
    *(_c(20 + i, ("dropout", share)) for i, share in enumerate((0.02, 0.05, 0.10, 0.20))),
    *(_c(24 + i, ("gain", db)) for i, db in enumerate((-10.0, -20.0, -30.0))),
    _c(27, ("white", 20.0), ("lowpass", 3400.0)),
    _c(28, ("white", 10.0), ("lowpass", 3400.0)),
    _c(29, ("babble", 10.0), ("clip", 0.05)),
    _c(30, ("white", 10.0), ("dropout", 0.05)),
    _c(31, ("babble", 20.0), ("dropout", 0.10)),
    _c(32, ("lowpass", 3400.0), ("gain", -20.0)),
    _c(33, ("clip", 0.05), ("dropout", 0.05)),
    _c(34, ("white", 5.0), ("clip", 0.05)),
)


@dataclass(frozen=True)
class PlannedFile:
    condition: Condition
    source_index: int
    seed: tuple[int, int, int]  # (corpus seed, con, source index) -> the file's own generator


def plan_corpus(
    n_sources: int, files_per_condition: int, seed: int, conditions: Sequence[Condition] = CONDITIONS
) -> tuple[PlannedFile, ...]:
    """Which recording gets which condition: a seeded rotation through a permutation."""
    if n_sources < 1 or files_per_condition < 1:
        raise CorpusError("the demo corpus needs at least one recording and one file per condition")
    if files_per_condition > n_sources:
        raise CorpusError(f"{files_per_condition} files per condition, but only {n_sources} recordings")
    order = np.random.default_rng(seed).permutation(n_sources)
    planned = []
    for position, condition in enumerate(conditions):
        for slot in range(files_per_condition):
            index = int(order[(position * files_per_condition + slot) % n_sources])
            planned.append(PlannedFile(condition, index, (seed, condition.con, index)))
    return tuple(planned)


def corpus_row(planned: PlannedFile, stem: str, source_label: str, ref_processing: str = "") -> dict[str, object]:
    """The CSV row of one planned file (pure)."""
    name_deg = f"{stem}_c{planned.condition.con:02d}.wav"
    name_ref = f"{stem}.wav"
    row: dict[str, object] = {
        "db": DB_NAME, "con": planned.condition.con, "file": Path(name_deg).stem,
        "con_description": planned.condition.description, "filename_deg": name_deg, "filename_ref": name_ref,
        "source": source_label, "lang": "en", "votes": 0,
        **demo_labels.labels(planned.condition.steps),
        "noi_std": "", "col_std": "", "dis_std": "", "loud_std": "", "mos_std": "",
        "filepath_deg": f"{DB_NAME}/deg/{name_deg}", "filepath_ref": f"{DB_NAME}/ref/{name_ref}",
        "synthetic": 1, "degradation": planned.condition.description, "labels_version": demo_labels.LABELS_VERSION,
        "ref_processing": ref_processing,
    }
    return row


def normalise(samples: np.ndarray, level_dbov: float = NOMINAL_LEVEL_DBOV) -> np.ndarray:
    current = active_speech_level(samples, SAMPLE_RATE).level_dbov
    return np.asarray(samples, dtype=np.float64) * 10.0 ** ((level_dbov - current) / 20.0)


def _write_wav(path: Path, samples: np.ndarray) -> None:
    import soundfile

    peak = float(np.abs(samples).max())
    if peak >= 1.0:
        raise CorpusError(f"{path.name}: the degraded signal reaches {peak:.3f} of full scale and would clip")
    path.parent.mkdir(parents=True, exist_ok=True)
    soundfile.write(str(path), samples, SAMPLE_RATE, subtype="PCM_16")


@dataclass(frozen=True)
class CorpusBuild:
    root: Path
    csv_path: Path
    n_degraded: int
    n_references: int


def build_demo_corpus(
    clean_files: Sequence[Path],
    dest: Path,
    *,
    source_labels: Sequence[str] | None = None,
    files_per_condition: int = DEFAULT_FILES_PER_CONDITION,
    seed: int = 0,
    conditions: Sequence[Condition] = CONDITIONS,
) -> CorpusBuild:
    """Write ``DEMO_SIM/{ref,deg}/*.wav`` and the CSV under ``dest`` (which must not hold a corpus)."""
    from jasco.quality.audio_input import InputError, load_input

    dest = Path(dest)
    if (dest / CSV_NAME).exists():
        raise CorpusError(f"{dest / CSV_NAME} already exists; build into an empty directory")
    labels = list(source_labels) if source_labels is not None else [""] * len(clean_files)
    clean: list[np.ndarray] = []
    processing: list[str] = []
    for path in clean_files:
        try:
            audio = load_input(path)
            level = active_speech_level(audio.samples, SAMPLE_RATE).level_dbov
            clean.append(normalise(audio.samples.astype(np.float64)))
        except (InputError, ValueError) as error:
            raise CorpusError(f"{path}: {error}") from None
        steps = []
        if audio.original_sample_rate != SAMPLE_RATE:
            steps.append(f"{audio.original_sample_rate} -> {SAMPLE_RATE} Hz (soxr HQ)")
        steps += [f"{audio.original_channels} channels averaged"] if audio.original_channels > 1 else []
        steps.append(f"active level {level:.1f} -> {NOMINAL_LEVEL_DBOV:.1f} dBov (P.56)")
        processing.append("; ".join(steps))
    stems = [Path(path).stem for path in clean_files]
    for stem, samples in zip(stems, clean, strict=True):
        _write_wav(dest / DB_NAME / "ref" / f"{stem}.wav", samples)
    rows = []
    for planned in plan_corpus(len(clean), files_per_condition, seed, conditions):
        index = planned.source_index
        others = [samples for i, samples in enumerate(clean) if i != index]
        context = Context(np.random.default_rng(np.random.SeedSequence(list(planned.seed))), others)
        row = corpus_row(planned, stems[index], labels[index], processing[index])
        try:
            degraded = apply_steps(clean[index], planned.condition.steps, context)
        except (DegradationError, ValueError) as error:
            raise CorpusError(f"{row['filename_deg']} (condition {planned.condition.con}): {error}") from None
        _write_wav(dest / str(row["filepath_deg"]), degraded)
        rows.append(row)
    csv_path = dest / CSV_NAME
    _write_csv_atomic(csv_path, rows)
    return CorpusBuild(dest, csv_path, len(rows), len(clean))


def _write_csv_atomic(path: Path, rows: Sequence[dict[str, object]]) -> None:
    from jasco.core.runinfo import write_text_atomic

    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=[*NISQA_COLUMNS, *EXTRA_COLUMNS], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    write_text_atomic(path, buffer.getvalue())


def read_corpus_csv(path: str | os.PathLike[str]) -> list[dict[str, str]]:
    """The rows of a NISQA-layout CSV; CorpusError names a missing column."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [column for column in NISQA_COLUMNS if column not in (reader.fieldnames or [])]
        if missing:
            raise CorpusError(f"{path}: missing NISQA columns: {', '.join(missing)}")
        return list(reader)
