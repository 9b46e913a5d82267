"""Degradations made in code, for the demo corpus and the tests: pure, seeded functions.

Every function takes mono float64 samples at ``SAMPLE_RATE`` and returns new samples of the same
length (nothing is cropped or padded); randomness comes only from the ``numpy.random.Generator``
passed in. A ``Step`` names one degradation and its severity; ``apply_steps`` applies a tuple of
them in order through the ``DEGRADATIONS`` table (kind -> function).

- ``white``: Gaussian white noise at ``value`` dB SNR, relative to the P.56 active speech level
  of the input (the SNR definition of ITU-T P.Sup23 and NISQA's simulations).
- ``babble``: a babble-like noise at ``value`` dB SNR: the sum of ``BABBLE_TALKERS`` other
  recordings (each at the same active level, circularly shifted to a random start, repeated to
  length), from the ``babble_sources`` given.
- ``lowpass``: an 8th-order Butterworth low-pass at ``value`` Hz, applied forward and backward
  (zero phase, 16th-order magnitude).
- ``clip``: hard clipping at the amplitude exceeded by ``value`` (a share, 0-1) of the samples,
  then the active level restored to the input's (clipping without a level change).
- ``dropout``: ``value`` (a share of the active speech, 0-1) set to digital zero, in bursts of
  ``DROPOUT_BURST_S`` at random positions where speech is present (inside the P.56 active
  speech and no more than ``DROPOUT_SPEECH_DB`` under its level: a burst never falls into a
  pause, where it would be inaudible), not overlapping.
- ``gain``: a level change of ``value`` dB.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from jasco.quality.signal.levels import active_speech_level

SAMPLE_RATE = 16_000
BABBLE_TALKERS = 6
DROPOUT_BURST_S = 0.04
DROPOUT_SPEECH_DB = 20.0


class DegradationError(ValueError):
    """A degradation cannot be applied as asked; the message names the step."""


@dataclass(frozen=True)
class Step:
    kind: str
    value: float

    def describe(self) -> str:
        return f"{self.kind}({self.value:g})"


@dataclass(frozen=True)
class Context:
    rng: np.random.Generator
    babble_sources: Sequence[np.ndarray] = ()


def _active_power(samples: np.ndarray) -> float:
    return float(10.0 ** (active_speech_level(samples, SAMPLE_RATE).level_dbov / 10.0))


def _scale_to_snr(speech: np.ndarray, noise: np.ndarray, snr_db: float) -> np.ndarray:
    noise_power = float(np.mean(noise**2))
    if noise_power <= 0.0:
        raise DegradationError("the noise signal is silent")
    target = _active_power(speech) / 10.0 ** (snr_db / 10.0)
    return np.asarray(noise * np.sqrt(target / noise_power))


def white(samples: np.ndarray, snr_db: float, context: Context) -> np.ndarray:
    noise = context.rng.standard_normal(len(samples))
    return samples + _scale_to_snr(samples, noise, snr_db)


def babble_noise(n_samples: int, sources: Sequence[np.ndarray], rng: np.random.Generator) -> np.ndarray:
    if len(sources) < BABBLE_TALKERS:
        raise DegradationError(f"babble needs {BABBLE_TALKERS} other recordings, got {len(sources)}")
    chosen = rng.choice(len(sources), BABBLE_TALKERS, replace=False)
    total = np.zeros(n_samples)
    for index in chosen:
        talker = np.asarray(sources[int(index)], dtype=np.float64)
        talker = talker / np.sqrt(_active_power(talker))
        shifted = np.roll(talker, int(rng.integers(len(talker))))
        total += np.resize(shifted, n_samples)
    return total


def babble(samples: np.ndarray, snr_db: float, context: Context) -> np.ndarray:
    noise = babble_noise(len(samples), context.babble_sources, context.rng)
    return samples + _scale_to_snr(samples, noise, snr_db)


def lowpass(samples: np.ndarray, cutoff_hz: float, context: Context) -> np.ndarray:
    from scipy.signal import butter, sosfiltfilt

    if not 0.0 < cutoff_hz < SAMPLE_RATE / 2:
        raise DegradationError(f"lowpass({cutoff_hz:g}): the cut-off must lie between 0 and {SAMPLE_RATE // 2} Hz")
    sos = butter(8, cutoff_hz, fs=SAMPLE_RATE, output="sos")
    return np.asarray(sosfiltfilt(sos, samples))


def clip(samples: np.ndarray, share: float, context: Context) -> np.ndarray:
    if not 0.0 < share < 1.0:
        raise DegradationError(f"clip({share:g}): the clipped share must lie between 0 and 1")
    threshold = float(np.quantile(np.abs(samples), 1.0 - share))
    clipped = np.clip(samples, -threshold, threshold)
    return clipped * np.sqrt(_active_power(samples) / _active_power(clipped))


def dropout(samples: np.ndarray, share: float, context: Context) -> np.ndarray:
    if not 0.0 < share < 1.0:
        raise DegradationError(f"dropout({share:g}): the dropped share must lie between 0 and 1")
    burst = round(DROPOUT_BURST_S * SAMPLE_RATE)
    level = active_speech_level(samples, SAMPLE_RATE)
    mask = level.active_mask
    active = np.nonzero(mask)[0]
    n_bursts = max(1, round(share * len(active) / burst))
    floor = burst * 10.0 ** ((level.level_dbov - DROPOUT_SPEECH_DB) / 10.0)  # least energy of a speech burst
    # non-overlapping candidate bursts that lie wholly inside active speech where speech is present
    slots = np.array([s for s in range(int(active[0]), int(active[-1]) - burst, burst)
                      if mask[s : s + burst].all() and float(np.sum(samples[s : s + burst] ** 2)) >= floor])
    if len(slots) < n_bursts:
        raise DegradationError(f"dropout({share:g}): the active speech is too short for {n_bursts} bursts")
    out = samples.copy()
    for start in context.rng.choice(slots, n_bursts, replace=False):
        out[int(start) : int(start) + burst] = 0.0
    return out


def gain(samples: np.ndarray, gain_db: float, context: Context) -> np.ndarray:
    return samples * 10.0 ** (gain_db / 20.0)


DEGRADATIONS: dict[str, Callable[[np.ndarray, float, Context], np.ndarray]] = {
    "white": white,
    "babble": babble,
    "lowpass": lowpass,
    "clip": clip,
    "dropout": dropout,
    "gain": gain,
}


def apply_steps(samples: np.ndarray, steps: Sequence[Step], context: Context) -> np.ndarray:
    out = np.asarray(samples, dtype=np.float64)
    for step in steps:
        if step.kind not in DEGRADATIONS:
            raise DegradationError(f"unknown degradation {step.kind!r}; known: {', '.join(sorted(DEGRADATIONS))}")
        out = DEGRADATIONS[step.kind](out, step.value, context)
    return out
