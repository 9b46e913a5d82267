"""Every single-ended feature of one mono recording, in one frozen record.

``analyze(samples, sample_rate)`` runs the feature modules of this package. Two SNR estimates:

- ``snr_db``: P.56 active level over the noise floor, corrected for the noise inside the
  active level: 10 log10(10^((L - N)/10) - 1), clamped to [``SNR_MIN_DB``, ``SNR_CAP_DB``].
  Measured on the 23 demo recordings with white noise added at a known active-level SNR: median
  error under 0.6 dB from -5 to 20 dB, 10-90 % range within 1.2 dB; babble reads 1-5 dB high.
  This is the estimate the quality mapping uses.
- ``wada_snr_db``: WADA-SNR (the paper's whole-file definition: all speech energy over all
  noise energy), reported beside it and not used by the mapping: it reads clipping as noise
  (the clipped amplitude distribution looks noisier) and overshoots to 100 dB on recordings
  whose amplitude distribution is heavier-tailed than its model (several LibriSpeech files).

``AnalysisError`` is raised (one line, saying why) for a signal that has no features: silent,
or shorter than the 0.4 s BS.1770 block.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from jasco.quality.signal import clipping, dropouts, levels, loudness, spectrum, wada

SNR_CAP_DB = 45.0
SNR_MIN_DB = -10.0


class AnalysisError(ValueError):
    """The signal analyzer cannot describe this signal; the message says why."""


@dataclass(frozen=True)
class SignalFeatures:
    duration_s: float
    peak_dbfs: float
    active_level_dbov: float
    activity: float
    loudness_lufs: float
    noise_floor_dbov: float
    wada_snr_db: float
    snr_db: float
    bandwidth_hz: float
    band_limit_hz: float
    spectral_flatness: float
    spectral_tilt_db_per_octave: float
    clipping_share: float
    clipping_longest_run_ms: float
    clipping_runs: int
    dropout_count: int
    dropout_share: float
    mute_count: int
    mute_share: float
    dropout_longest_ms: float

    def as_dict(self) -> dict[str, float]:
        return {name: float(value) for name, value in asdict(self).items()}


def _clamp_snr(value: float) -> float:
    return float(min(SNR_CAP_DB, max(SNR_MIN_DB, value)))


def analyze(samples: np.ndarray, sample_rate: int) -> SignalFeatures:
    x = np.asarray(samples, dtype=np.float64)
    if len(x) == 0:
        raise AnalysisError("the signal has no samples")
    if not np.isfinite(x).all():
        raise AnalysisError(f"the signal holds {int(np.count_nonzero(~np.isfinite(x)))} NaN or infinite samples")
    try:
        lufs = loudness.integrated_loudness(x, sample_rate)
        active = levels.active_speech_level(x, sample_rate)
        floor = levels.noise_floor_dbov(x, sample_rate)
    except (loudness.LoudnessError, levels.SilentSignalError) as error:
        raise AnalysisError(str(error)) from None
    wada_result = wada.wada_snr(x)
    over_floor = active.level_dbov - floor
    floor_snr = _clamp_snr(10.0 * math.log10(max(10.0 ** (over_floor / 10.0) - 1.0, 1e-6)))
    spectral = spectrum.spectrum_features(x, sample_rate)
    clip = clipping.clipping(x)
    gaps = dropouts.dropouts(x, sample_rate, active.active_mask, active.level_dbov, floor)
    return SignalFeatures(
        duration_s=len(x) / sample_rate,
        peak_dbfs=float(20.0 * math.log10(max(float(np.abs(x).max()), 1e-10))),
        active_level_dbov=active.level_dbov,
        activity=active.activity,
        loudness_lufs=lufs,
        noise_floor_dbov=floor,
        wada_snr_db=wada_result.snr_db,
        snr_db=floor_snr,
        bandwidth_hz=spectral.bandwidth_hz,
        band_limit_hz=spectral.band_limit_hz,
        spectral_flatness=spectral.flatness,
        spectral_tilt_db_per_octave=spectral.tilt_db_per_octave,
        clipping_share=clip.share,
        clipping_longest_run_ms=1000.0 * clip.longest_run_samples / sample_rate,
        clipping_runs=clip.n_runs,
        dropout_count=gaps.count,
        dropout_share=gaps.share,
        mute_count=gaps.mute_count,
        mute_share=gaps.mute_share,
        dropout_longest_ms=1000.0 * gaps.longest_s,
    )
