"""ITU-R BS.1770-4 integrated loudness (LUFS) through ``pyloudnorm``.

BS.1770 gates 400 ms blocks (absolute gate -70 LUFS, relative gate -10 LU), so a signal shorter
than 0.4 s has no loudness; ``TooShortError`` says so instead of a made-up number. A signal
whose every block falls under the absolute gate has no loudness either (``GatedOutError``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

MIN_DURATION_S = 0.4


class LoudnessError(ValueError):
    """BS.1770 loudness is undefined for this signal; the message says why."""


class TooShortError(LoudnessError):
    pass


class GatedOutError(LoudnessError):
    pass


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness in LUFS of a mono signal (full scale 1.0)."""
    import pyloudnorm

    duration = len(samples) / sample_rate
    if duration < MIN_DURATION_S:
        raise TooShortError(f"{duration:.3f} s is shorter than the {MIN_DURATION_S} s BS.1770 gating block")
    meter = pyloudnorm.Meter(sample_rate)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyloudnorm warns about silence; we raise instead
        value = float(meter.integrated_loudness(np.asarray(samples, dtype=np.float64)))
    if not math.isfinite(value):
        raise GatedOutError("every 400 ms block is below the -70 LUFS absolute gate")
    return value


def package_version() -> str:
    from importlib import metadata

    return metadata.version("pyloudnorm")
