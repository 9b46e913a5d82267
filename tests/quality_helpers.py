"""Shared pieces of the quality tests: the clean recordings and one warm predictor pool."""

from __future__ import annotations

import atexit
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
