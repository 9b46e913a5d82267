"""Shared pieces of the quality tests: the clean recordings, one warm predictor pool, and the one
scoring of the demo corpus by the three predictors that every test needing it reads (``demo_run``)."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import numpy as np
import pytest

from jasco.quality.audio_input import load_input
from tests.conftest import REPO

CLEAN_DIR = REPO.parent / "shared" / "speech" / "clean"
SAMPLE_RATE = 16_000


def clean_dir() -> Path:
    if not (CLEAN_DIR / "SOURCES.csv").is_file():
        pytest.fail(f"the clean speech recordings are not at {CLEAN_DIR}")
    return CLEAN_DIR


def clean_files() -> list[Path]:
    return sorted(clean_dir().glob("*.wav"))


@cache
def clean_speech(name: str) -> np.ndarray:
    """A clean recording as float64 at 16 kHz, scaled to -26 dBov (P.56)."""
    from jasco.quality.demo_corpus import normalise

    return normalise(load_input(clean_dir() / name).samples.astype(np.float64))


@lru_cache(maxsize=1)
def shared_pool() -> object:
    """One pool with all three predictors for the whole test session (numba warm-up once)."""
    from jasco.quality.runner import QualityPool

    pool = QualityPool(["signal", "dnsmos", "distillmos"], workers=2)
    atexit.register(pool.close)
    return pool


def write_wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE, subtype: str = "PCM_16") -> Path:
    import soundfile

    soundfile.write(str(path), samples, rate, subtype=subtype)
    return path


PREDICTORS = ("signal", "dnsmos", "distillmos")
HEAVY_MODULES = ("librosa", "numba", "onnxruntime", "torch", "speechmos", "distillmos")
DEMO_FILES_PER_CONDITION = 2  # 68 files: the smallest demo corpus on which DNSMOS's Spearman is well over 0.6
DEMO_FAMILIES = ("mos", "multi")  # two items per file: each file must still be scored once per predictor

_RUN_SCRIPT = """
import json, sys
from jasco.cli import cli
try:
    cli.main(args=sys.argv[1:], prog_name="jasco")
    code = 0
except SystemExit as exit:
    code = exit.code
print(json.dumps({"exit_code": code, "heavy": sorted(m for m in HEAVY if m in sys.modules)}))
""".replace("HEAVY", repr(HEAVY_MODULES))


@dataclass(frozen=True)
class DemoRun:
    corpus: Path  # the NISQA-layout demo corpus (db DEMO_SIM)
    out: Path  # jasco run's output directory
    exit_code: int
    stdout: str
    stderr: str
    heavy_modules: list[str]  # heavy packages the jasco process itself had imported at the end

    def answers(self, predictor: str) -> list[dict[str, str]]:
        import csv

        with open(self.out / "answers" / f"{predictor}.csv", encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))


@lru_cache(maxsize=1)
def demo_run() -> DemoRun:
    """The demo corpus (2 files per condition, seed 0) scored once per session by the three predictors,
    through ``jasco run --task speech-quality`` in a process of its own (whose imports it reports)."""
    from jasco.quality.demo_corpus import build_demo_corpus

    root = Path(tempfile.mkdtemp(prefix="jasco-demo-run-"))
    atexit.register(shutil.rmtree, root, True)
    corpus = root / "corpus"
    build_demo_corpus(clean_files(), corpus, files_per_condition=DEMO_FILES_PER_CONDITION, seed=0)
    out = root / "run"
    families = [arg for family in DEMO_FAMILIES for arg in ("--task-option", f"families={family}")]
    command = [sys.executable, "-c", _RUN_SCRIPT, "run", "--task", "speech-quality", "--data-dir", str(corpus),
               "--split", "DEMO_SIM", *families, "--model", ",".join(PREDICTORS), "--workers", "2",
               "--bootstrap", "200", "--out", str(out), "--no-progress"]
    result = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=1800,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get(
                                "PYTHONPATH", "")])})
    lines = result.stdout.strip().splitlines()
    status = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {"exit_code": result.returncode,
                                                                                  "heavy": ["(unknown)"]}
    return DemoRun(corpus, out, int(status["exit_code"] or 0), result.stdout, result.stderr, list(status["heavy"]))
