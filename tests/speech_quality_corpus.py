"""A small corpus in the NISQA layout, built in tests from the real clean speech in ../shared/speech/clean.

Each degraded file is its clean recording with white noise added in code at a per-file SNR;
ratings are made up (a monotone function of the SNR). Splits mirror NISQA's: two test sets with
clean references, a LIVETALK-like one without, and a training split.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import soundfile

from jasco.tasks.speech_quality.corpus import COLUMNS, CORPUS_CSV

CLEAN = Path(__file__).resolve().parents[2] / "shared" / "speech" / "clean"
# split -> (number of files, has references)
LAYOUT = {"NISQA_TEST_FOR": (4, True), "NISQA_TEST_P501": (3, True), "NISQA_TEST_LIVETALK": (3, False),
          "NISQA_TRAIN_SIM": (2, True)}


def clean_files() -> list[Path]:
    files = sorted(CLEAN.glob("arctic_*.wav")) + sorted(CLEAN.glob("vctk_p287_*.wav"))
    if len(files) < 6:
        pytest.fail(f"clean speech recordings not found under {CLEAN}")
    return files


def build_corpus(root: Path, layout: dict[str, tuple[int, bool]] | None = None) -> Path:
    layout = layout or LAYOUT
    sources = clean_files()
    rng = np.random.default_rng(0)
    rows = []
    index = 0
    for db, (count, has_ref) in layout.items():
        for number in range(count):
            source = sources[index % len(sources)]
            index += 1
            clean, rate = soundfile.read(source, dtype="float32")
            snr = 5.0 + 7.5 * number
            noise = rng.normal(0.0, 1.0, len(clean)).astype(np.float32)
            noise *= np.sqrt(np.mean(clean**2) / np.mean(noise**2) / 10 ** (snr / 10))
            name = f"c{number // 2:02d}_{db.lower()}_{number:02d}"
            deg = f"{db}/deg/{name}.wav"
            (root / db / "deg").mkdir(parents=True, exist_ok=True)
            soundfile.write(root / deg, np.clip(clean + noise, -1, 1), rate, subtype="PCM_16")
            ref = ""
            if has_ref:
                ref = f"{db}/ref/{name}_ref.wav"
                (root / db / "ref").mkdir(parents=True, exist_ok=True)
                soundfile.write(root / ref, clean, rate, subtype="PCM_16")
            mos = round(1.2 + 0.12 * snr, 3)
            rows.append({
                "db": db, "con": f"{db}_c{number // 2}", "file": name, "con_description": f"white noise {snr:g} dB",
                "filename_deg": f"{name}.wav", "filename_ref": Path(ref).name if ref else "", "source": source.name,
                "lang": "en", "votes": 5, "mos": mos, "noi": round(mos - 0.2, 3), "col": round(min(mos + 0.3, 5), 3),
                "dis": round(min(mos + 0.5, 5), 3), "loud": 4.0, "noi_std": 0.5, "col_std": 0.5, "dis_std": 0.5,
                "loud_std": 0.5, "mos_std": 0.5, "filepath_deg": deg, "filepath_ref": ref,
            })
    write_table(root, rows)
    return root


def write_table(root: Path, rows: list[dict], columns: tuple[str, ...] = COLUMNS) -> None:
    with open(root / CORPUS_CSV, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def read_rows(root: Path) -> list[dict]:
    with open(root / CORPUS_CSV, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))
