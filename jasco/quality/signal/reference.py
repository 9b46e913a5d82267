"""Double-ended comparison of a degraded recording with its clean reference.

What can be measured honestly without a perceptual model (PESQ/POLQA are not available here):

- ``delay_ms``: the lag maximising the cross-correlation (searched within +-``MAX_DELAY_S``);
  positive when the degraded signal is late. The two signals are compared over their overlap
  after alignment; ``compared_s`` says how long that is (nothing else is cropped or padded).
- ``gain_db``: the least-squares gain from reference to degraded.
- ``snr_db``: reference (times that gain) over the residual, over the whole overlap (inf for
  identical signals).
- ``segmental_snr_db``: the mean over 20 ms frames of the same ratio, each frame clamped to
  [-10, 35] dB, over frames where the reference is within 40 dB of its loudest frame.
- ``level_difference_db``: P.56 active level of degraded minus reference.
- ``bandwidth_difference_hz``: effective bandwidth of degraded minus reference.
- ``log_spectral_distance_db``: RMS over frequency (100 Hz-7 kHz) of the difference of the
  log power spectra, averaged over the reference's loudest half of frames.

``ReferenceError`` is raised when the signals do not overlap by at least ``MIN_OVERLAP_S``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.signal import correlate

from jasco.quality.signal.levels import SilentSignalError, active_speech_level
from jasco.quality.signal.spectrum import FFT_SIZE, effective_bandwidth, frame_power_spectra

SAMPLE_RATE = 16_000
MAX_DELAY_S = 1.0
MIN_OVERLAP_S = 0.5
SEGMENT_S = 0.02
SEGMENT_CLAMP_DB = (-10.0, 35.0)
SEGMENT_RANGE_DB = 40.0
POWER_FLOOR = 1e-20


class ReferenceError(ValueError):
    """The degraded and reference signals cannot be compared; the message says why."""


def _db(value: float) -> float:
    return 10.0 * math.log10(max(value, POWER_FLOOR))


def estimate_delay(degraded: np.ndarray, reference: np.ndarray) -> int:
    """Samples by which ``degraded`` lags ``reference`` (cross-correlation peak within +-1 s)."""
    full = correlate(degraded, reference, mode="full", method="fft")
    lags = np.arange(-len(reference) + 1, len(degraded))
    limit = int(MAX_DELAY_S * SAMPLE_RATE)
    window = np.abs(lags) <= limit
    return int(lags[window][np.argmax(full[window])])


def align(degraded: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    delay = estimate_delay(degraded, reference)
    if delay >= 0:
        d, r = degraded[delay:], reference
    else:
        d, r = degraded, reference[-delay:]
    n = min(len(d), len(r))
    if n < MIN_OVERLAP_S * SAMPLE_RATE:
        raise ReferenceError(f"the aligned signals overlap by {n / SAMPLE_RATE:.2f} s, under {MIN_OVERLAP_S} s")
    return d[:n], r[:n], delay


def _snr_db(signal_power: float, residual_power: float) -> float:
    """inf when the residual is exactly zero (identical signals)."""
    return math.inf if residual_power == 0.0 else _db(signal_power) - _db(residual_power)


def _segmental_snr(reference: np.ndarray, residual: np.ndarray) -> float:
    frame = int(SEGMENT_S * SAMPLE_RATE)
    n = len(reference) // frame
    ref_power = (reference[: n * frame].reshape(n, frame) ** 2).mean(axis=1)
    err_power = (residual[: n * frame].reshape(n, frame) ** 2).mean(axis=1)
    keep = ref_power >= ref_power.max() * 10.0 ** (-SEGMENT_RANGE_DB / 10.0)
    ratios = 10.0 * np.log10(np.maximum(ref_power[keep], POWER_FLOOR) / np.maximum(err_power[keep], POWER_FLOOR))
    return float(np.clip(ratios, *SEGMENT_CLAMP_DB).mean())


def _log_spectral_distance(degraded: np.ndarray, reference: np.ndarray) -> float:
    d_spec, r_spec = frame_power_spectra(degraded), frame_power_spectra(reference)
    freqs = np.fft.rfftfreq(FFT_SIZE, 1.0 / SAMPLE_RATE)
    band = (freqs >= 100.0) & (freqs <= 7000.0)
    energy = r_spec.sum(axis=1)
    loud = np.argsort(energy)[-max(1, len(energy) // 2) :]
    d_band = np.maximum(d_spec[loud][:, band], POWER_FLOOR)
    r_band = np.maximum(r_spec[loud][:, band], POWER_FLOOR)
    diff = 10.0 * np.log10(d_band / r_band)
    return float(np.sqrt((diff**2).mean(axis=1)).mean())


def compare(degraded: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    deg = np.asarray(degraded, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    if not np.any(ref):
        raise ReferenceError("the reference is digital silence")
    d, r, delay = align(deg, ref)
    try:
        level_difference = (
            active_speech_level(deg, SAMPLE_RATE).level_dbov - active_speech_level(ref, SAMPLE_RATE).level_dbov
        )
    except SilentSignalError as error:
        raise ReferenceError(str(error)) from None
    gain = float(np.dot(d, r) / max(float(np.dot(r, r)), POWER_FLOOR))
    residual = d - gain * r
    scaled = gain * r
    return {
        "delay_ms": 1000.0 * delay / SAMPLE_RATE,
        "compared_s": len(d) / SAMPLE_RATE,
        "gain_db": 20.0 * math.log10(max(abs(gain), 1e-10)),
        "snr_db": _snr_db(float(np.mean(scaled**2)), float(np.mean(residual**2))),
        "segmental_snr_db": _segmental_snr(scaled, residual),
        "level_difference_db": level_difference,
        "bandwidth_difference_hz": effective_bandwidth(_nonsilent(frame_power_spectra(deg)), SAMPLE_RATE)
        - effective_bandwidth(_nonsilent(frame_power_spectra(ref)), SAMPLE_RATE),
        "log_spectral_distance_db": _log_spectral_distance(d, r),
    }


def _nonsilent(spectra: np.ndarray) -> np.ndarray:
    return spectra[spectra.sum(axis=1) > 0]
