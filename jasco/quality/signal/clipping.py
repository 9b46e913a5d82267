"""Clipping: the share of samples stuck at the signal's extreme values, and the longest such run.

A clipped waveform has plateaus: consecutive samples at the same extreme value. For each
polarity the plateau is the set of samples within ``TOLERANCE_LSB`` 16-bit steps of that
polarity's extreme (so +32767 and -32768 both count after a clip to full scale). A polarity is
clipped when its plateau holds a run of at least ``MIN_RUN`` consecutive samples (a natural
waveform peak at 16 kHz changes by more than that tolerance from one sample to the next);
all its plateau samples then count as clipped. Clipping at any level is found, also when a
clipped recording was scaled down afterwards.

Denominator of ``share``: all samples of the file.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOLERANCE_LSB = 2.0
MIN_RUN = 3
LSB_16BIT = 1.0 / 32768.0


@dataclass(frozen=True)
class ClippingFeatures:
    share: float  # clipped samples / all samples
    clipped_samples: int
    longest_run_samples: int
    n_runs: int  # plateau runs of at least MIN_RUN samples


def _runs(mask: np.ndarray) -> np.ndarray:
    """Lengths of the runs of True in a boolean array."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.diff(padded)
    return np.asarray(np.nonzero(edges == -1)[0] - np.nonzero(edges == 1)[0])


def clipping(samples: np.ndarray) -> ClippingFeatures:
    x = np.asarray(samples, dtype=np.float64)
    clipped = 0
    longest = 0
    n_runs = 0
    for polarity in (x, -x):
        extreme = float(polarity.max(initial=0.0))
        if extreme <= 0.0:
            continue
        plateau = polarity >= extreme - TOLERANCE_LSB * LSB_16BIT
        lengths = _runs(plateau)
        long_runs = lengths[lengths >= MIN_RUN]
        if len(long_runs) == 0:
            continue
        clipped += int(plateau.sum())
        longest = max(longest, int(long_runs.max()))
        n_runs += len(long_runs)
    share = clipped / len(x) if len(x) else 0.0
    return ClippingFeatures(share=share, clipped_samples=clipped, longest_run_samples=longest, n_runs=n_runs)
