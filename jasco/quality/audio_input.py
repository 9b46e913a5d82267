"""Reading a file for the quality tools: mono float32 at 16 kHz, with what was done recorded.

``load_input(path)`` reads any file libsndfile reads (``jasco.core.audio.load_audio``: channels
averaged to mono, other rates resampled with soxr, nothing cropped or padded) and refuses, with
``InputError`` and one line naming the file, what no predictor can describe honestly: a
missing, empty, truncated or non-audio file, NaN or infinite samples, digital silence, a
signal whose peak stays under 2^-15 of full scale (-90 dBFS), or one shorter than 0.4 s (one
BS.1770 gating block; DNSMOS would repeat it 23 times and Distill-MOS pad it with 7 s of zeros,
so no predictor's number would mean anything).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from jasco.core.audio import TARGET_SAMPLE_RATE, AudioError, load_audio

SILENCE_PEAK = 2.0**-15
MIN_DURATION_S = 0.4


class InputError(ValueError):
    """A file the quality tools cannot analyse; the message names the file and the reason."""


@dataclass(frozen=True)
class QualityInput:
    path: Path
    samples: np.ndarray = field(repr=False)  # float32, mono, TARGET_SAMPLE_RATE
    original_sample_rate: int
    original_channels: int
    original_frames: int

    @property
    def sample_rate(self) -> int:
        return TARGET_SAMPLE_RATE

    @property
    def duration_s(self) -> float:
        return len(self.samples) / TARGET_SAMPLE_RATE

    def record(self) -> dict[str, Any]:
        """What was read and what was done to it (the per-file input record)."""
        return {
            "original_sample_rate": self.original_sample_rate,
            "original_channels": self.original_channels,
            "original_duration_s": self.original_frames / self.original_sample_rate,
            "resampled": self.original_sample_rate != TARGET_SAMPLE_RATE,
            "downmixed": self.original_channels > 1,
            "analysed_sample_rate": TARGET_SAMPLE_RATE,
        }


def load_input(path: str | os.PathLike[str]) -> QualityInput:
    path = Path(path)
    try:
        audio = load_audio(path)
    except AudioError as error:
        raise InputError(str(error)) from None
    samples = audio.samples
    if audio.duration_s < MIN_DURATION_S:
        raise InputError(f"{path}: {audio.duration_s:.3f} s is too short (under {MIN_DURATION_S} s, one BS.1770 block)")
    bad = int(np.count_nonzero(~np.isfinite(samples)))
    if bad:
        raise InputError(f"{path}: {bad} of {len(samples)} samples are NaN or infinite (after reading at 16 kHz)")
    peak = float(np.abs(samples).max())
    if peak == 0.0:
        raise InputError(f"{path}: the file is digital silence (every sample is zero)")
    if peak < SILENCE_PEAK:
        raise InputError(f"{path}: the file is silent (peak {20 * np.log10(peak):.1f} dBFS, under -90 dBFS)")
    return QualityInput(
        path=path,
        samples=samples,
        original_sample_rate=audio.original_sample_rate,
        original_channels=audio.original_channels,
        original_frames=audio.original_frames,
    )
