"""Speech levels: ITU-T P.56 method B active speech level and activity, and the noise floor.

Levels are in dBov for float samples whose full scale is 1.0: the RMS of the samples in dB,
so a full-scale sine is -3.01 dBov (ITU-T G.100.1).

P.56 method B (as in the ITU-T Software Tool Library ``actlev``): the rectified signal is
smoothed by two cascaded one-pole filters (time constant 0.03 s); for each of 15 thresholds
c_j = 2^(j-15), j = 0..14, a sample counts as active while the envelope is at or above c_j or
during the 0.2 s hangover after it fell below. With a_j active samples and energy E, the level
estimate at threshold j is A_j = 10 log10(E / a_j) and the active speech level is the point
where A_j lies 15.9 dB (the margin) above the threshold level 20 log10(c_j), interpolated
linearly in dB between the two thresholds that bracket the margin. Activity = active samples /
all samples at that point.

The noise floor is the 10th percentile of 20 ms frame powers (exact digital zeros excluded),
in dBov: in speech with pauses it is the level of the background between words.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

P56_TIME_CONSTANT_S = 0.03
P56_HANGOVER_S = 0.2
P56_MARGIN_DB = 15.9
P56_THRESHOLDS = 2.0 ** (np.arange(15) - 15)  # 2^-15 .. 2^-1 of full scale
NOISE_FLOOR_FRAME_S = 0.02
NOISE_FLOOR_PERCENTILE = 10.0
POWER_FLOOR = 1e-20  # below any 24-bit sample power; keeps log10 finite


def power_db(power: float | np.ndarray) -> np.ndarray | float:
    return 10.0 * np.log10(np.maximum(power, POWER_FLOOR))


@dataclass(frozen=True)
class ActiveLevel:
    level_dbov: float  # active speech level
    activity: float  # active share of the samples, 0..1
    active_mask: np.ndarray  # bool per sample, at the threshold just below the crossing


class SilentSignalError(ValueError):
    """No part of the signal reaches the lowest P.56 threshold (2^-15 of full scale)."""


def p56_envelope(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    g = float(np.exp(-1.0 / (sample_rate * P56_TIME_CONSTANT_S)))
    once = lfilter([1.0 - g], [1.0, -g], np.abs(samples))
    return np.asarray(lfilter([1.0 - g], [1.0, -g], once))


def _with_hangover(above: np.ndarray, hangover: int) -> np.ndarray:
    """True where ``above`` was True at this sample or at any of the previous ``hangover`` samples."""
    counts = np.cumsum(above, dtype=np.int64)
    lagged = np.concatenate([np.zeros(hangover + 1, dtype=np.int64), counts[: -hangover - 1]])
    return (counts - lagged[: len(counts)]) > 0


def active_speech_level(samples: np.ndarray, sample_rate: int) -> ActiveLevel:
    """P.56 method B; raises SilentSignalError when the envelope never reaches 2^-15."""
    x = np.asarray(samples, dtype=np.float64)
    envelope = p56_envelope(x, sample_rate)
    hangover = round(P56_HANGOVER_S * sample_rate)
    energy = float(np.sum(x * x))
    masks = [_with_hangover(envelope >= c, hangover) for c in P56_THRESHOLDS]
    counts = np.array([mask.sum() for mask in masks], dtype=float)
    if counts[0] == 0 or energy <= 0.0:
        raise SilentSignalError("the signal never rises above -90 dBov (2^-15): no active speech")
    threshold_db = 20.0 * np.log10(P56_THRESHOLDS)
    with np.errstate(divide="ignore"):
        level_db = np.where(counts > 0, 10.0 * np.log10(energy / np.maximum(counts, 1.0)), np.inf)
    difference = level_db - threshold_db
    below = np.nonzero(difference <= P56_MARGIN_DB)[0]
    if len(below) == 0:  # never reaches the margin: the highest threshold still leaves > 15.9 dB
        j = len(P56_THRESHOLDS) - 1
        level, active = float(level_db[j]), counts[j]
        return ActiveLevel(level, float(active / len(x)), masks[j])
    j = int(below[0])
    if j == 0:  # already within the margin at the lowest threshold (very noisy or constant)
        return ActiveLevel(float(level_db[0]), float(counts[0] / len(x)), masks[0])
    d_hi, d_lo = difference[j - 1], difference[j]  # d_hi > margin >= d_lo
    fraction = (d_hi - P56_MARGIN_DB) / (d_hi - d_lo) if np.isfinite(d_lo) else 1.0
    crossing_db = threshold_db[j - 1] + fraction * (threshold_db[j] - threshold_db[j - 1])
    level = float(crossing_db + P56_MARGIN_DB)
    activity = float(min(1.0, energy / (len(x) * 10.0 ** (level / 10.0))))
    return ActiveLevel(level, activity, masks[j - 1])


def frame_powers(samples: np.ndarray, frame: int) -> np.ndarray:
    """Mean power of consecutive non-overlapping frames (a final partial frame is included)."""
    x = np.asarray(samples, dtype=np.float64)
    n_frames = -(-len(x) // frame)
    padded = np.zeros(n_frames * frame)
    padded[: len(x)] = x
    sums = (padded.reshape(n_frames, frame) ** 2).sum(axis=1)
    sizes = np.full(n_frames, float(frame))
    sizes[-1] = len(x) - (n_frames - 1) * frame
    return np.asarray(sums / sizes)


def frame_nonzero(samples: np.ndarray, frame: int) -> np.ndarray:
    """True for frames that hold at least one non-zero sample."""
    x = np.asarray(samples)
    n_frames = -(-len(x) // frame)
    padded = np.zeros(n_frames * frame, dtype=bool)
    padded[: len(x)] = x != 0
    return np.asarray(padded.reshape(n_frames, frame).any(axis=1))


def noise_floor_dbov(samples: np.ndarray, sample_rate: int) -> float:
    """10th percentile of 20 ms frame powers in dBov, frames of digital zeros excluded."""
    frame = max(1, round(NOISE_FLOOR_FRAME_S * sample_rate))
    powers = frame_powers(samples, frame)[frame_nonzero(samples, frame)]
    if len(powers) == 0:
        raise SilentSignalError("every frame is digital silence: no noise floor")
    return float(power_db(np.percentile(powers, NOISE_FLOOR_PERCENTILE)))
