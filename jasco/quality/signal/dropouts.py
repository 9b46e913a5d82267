"""Dropouts and mutes inside active speech: gaps that cut speech off mid-sound.

The signal is cut into 2 ms frames (power in dB); only frames inside active speech count (the
ITU-T P.56 activity mask, which bridges pauses shorter than its 0.2 s hangover), so the silence
before and after the utterance never does. Two kinds of gap are found there:

- runs of exact digital zeros, counted when the 10 ms of signal on each side lies within
  ``ZERO_CONTEXT_DB`` of the P.56 active level (speech was cut off, not a quiet pause that
  quantised to zero in a very low-level recording);
- runs of *deep* frames (at most the higher of: ``GAP_DEPTH_DB`` under the active level, or
  ``FLOOR_MARGIN_DB`` over the noise floor: a gap filled with background noise), counted when
  speech surrounds them (each 10 ms window within ``CONTEXT_DB`` of the active level and at
  least ``CONTEXT_GAP_DB`` above the gap) and they start and end abruptly (a change of at least
  ``EDGE_DB`` between neighbouring frames at both edges). Speech decays into a natural pause or
  a stop closure over several milliseconds; a lost packet or a mute cuts it within one frame.

A gap of ``MIN_GAP_S`` to ``MAX_GAP_S`` is a dropout, a longer one a mute. Measured on the 23
clean demo recordings: no gap in 22 of them, one 16 ms gap in one (libri_3259-158083-0000); the
86 ms of digital zeros inside a pause of libri_5456-24741-0000 (a fade to zero, an edit) is not
counted. Of 40 ms bursts of zeros inserted every 0.3 s, all those that cut speech are found;
dropouts later covered by added noise are found only in part (about a third at 20 dB SNR).

Denominators: ``share`` = total dropout duration / active speech duration (frames inside the
P.56 mask); ``mute_share`` likewise for mutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jasco.quality.signal.levels import POWER_FLOOR

FRAME_S = 0.002
CONTEXT_S = 0.010
GAP_DEPTH_DB = 25.0
CONTEXT_DB = 15.0
EDGE_DB = 10.0
ZERO_CONTEXT_DB = 30.0
CONTEXT_GAP_DB = 12.0
FLOOR_MARGIN_DB = 3.0
MIN_GAP_S = 0.010
MAX_GAP_S = 0.4


@dataclass(frozen=True)
class DropoutFeatures:
    count: int
    share: float  # dropout duration / active speech duration
    mute_count: int
    mute_share: float
    longest_s: float


def _frames(samples: np.ndarray, frame: int) -> tuple[np.ndarray, np.ndarray]:
    """(power in dB per frame, True where the frame is all digital zeros); the tail is dropped."""
    n_frames = len(samples) // frame
    blocks = np.asarray(samples[: n_frames * frame], dtype=np.float64).reshape(n_frames, frame)
    power = (blocks**2).mean(axis=1)
    return 10.0 * np.log10(np.maximum(power, POWER_FLOOR)), np.asarray(~blocks.any(axis=1))


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) index pairs of the runs of True."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.diff(padded)
    return list(zip(np.nonzero(edges == 1)[0].tolist(), np.nonzero(edges == -1)[0].tolist(), strict=True))


def _window_db(power_db: np.ndarray, start: int, stop: int) -> float:
    if start < 0 or stop > len(power_db) or start >= stop:
        return -np.inf
    return float(10.0 * np.log10(np.mean(10.0 ** (power_db[start:stop] / 10.0))))


def _is_cut_speech(power_db: np.ndarray, start: int, stop: int, context: int, active_level_dbov: float) -> bool:
    """Speech-level signal on both sides of a run of digital zeros."""
    before = _window_db(power_db, start - context, start)
    after = _window_db(power_db, stop, stop + context)
    return min(before, after) >= active_level_dbov - ZERO_CONTEXT_DB


def _is_abrupt_gap(power_db: np.ndarray, start: int, stop: int, context: int, active_level_dbov: float) -> bool:
    """Speech on both sides, well above the gap, with a sudden drop into it and rise out of it."""
    if start == 0 or stop >= len(power_db):
        return False
    before = _window_db(power_db, start - context, start)
    after = _window_db(power_db, stop, stop + context)
    gap = _window_db(power_db, start, stop)
    return (
        min(before, after) >= active_level_dbov - CONTEXT_DB
        and min(before, after) - gap >= CONTEXT_GAP_DB
        and power_db[start - 1] - power_db[start] >= EDGE_DB
        and power_db[stop] - power_db[stop - 1] >= EDGE_DB
    )


def dropouts(
    samples: np.ndarray, sample_rate: int, active_mask: np.ndarray, active_level_dbov: float, noise_floor_dbov: float
) -> DropoutFeatures:
    frame = max(1, round(FRAME_S * sample_rate))
    context = max(1, round(CONTEXT_S / FRAME_S))
    power_db, zero = _frames(samples, frame)
    n_frames = len(power_db)
    active = np.asarray(active_mask[: n_frames * frame]).reshape(n_frames, frame).all(axis=1)
    deep_below = max(active_level_dbov - GAP_DEPTH_DB, noise_floor_dbov + FLOOR_MARGIN_DB)
    deep = zero | (power_db <= deep_below)
    gaps = [(start, stop) for start, stop in _runs(zero & active) if _is_cut_speech(
        power_db, start, stop, context, active_level_dbov)]
    gaps += [(start, stop) for start, stop in _runs(deep & ~zero & active) if _is_abrupt_gap(
        power_db, start, stop, context, active_level_dbov)]
    dropout_frames, mute_frames, count, mute_count, longest = 0, 0, 0, 0, 0
    for start, stop in gaps:
        length = stop - start
        seconds = length * FRAME_S
        if seconds < MIN_GAP_S:
            continue
        if seconds > MAX_GAP_S:
            mute_count += 1
            mute_frames += length
        else:
            count += 1
            dropout_frames += length
        longest = max(longest, length)
    active_frames = max(1, int(np.count_nonzero(active)))
    return DropoutFeatures(
        count=count,
        share=dropout_frames / active_frames,
        mute_count=mute_count,
        mute_share=mute_frames / active_frames,
        longest_s=longest * FRAME_S,
    )
