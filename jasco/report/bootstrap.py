"""Percentile bootstrap over clips, seeded and vectorised.

One index matrix (``n_boot`` replicates x ``n_clips`` draws with replacement from the report's
shared clip list) serves every statistic, so CIs of different pairs, their averages over judges
and paired differences all use the same resamples. A clip a pair has no scored row for adds
nothing to that pair's replicate (NaN per clip / zero counts). Intervals are the 2.5th and
97.5th percentiles of the replicates (NaN replicates, where no clip had a value, are ignored).
"""

from __future__ import annotations

import numpy as np

from jasco.tasks.jasco.report.metrics import DEPENDENCE_KEYS

CONFIDENCE = 0.95


def resample_indices(n_clips: int, n_boot: int, seed: int) -> np.ndarray:
    """(n_boot, n_clips) clip indices drawn uniformly with replacement by numpy's PCG64(seed)."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, n_clips, size=(n_boot, n_clips))


def replicate_means(per_clip: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Per replicate: mean of the resampled per-clip values that are not NaN (NaN if none)."""
    values = per_clip[indices]
    kept = ~np.isnan(values)
    totals = np.where(kept, values, 0.0).sum(axis=1)
    counts = kept.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, totals / np.maximum(counts, 1), np.nan)


def replicate_shares(counts: np.ndarray, indices: np.ndarray) -> dict[str, np.ndarray]:
    """Per replicate: Audio/Both/Speech shares of the resampled clips' summed counts."""
    summed = counts[indices].sum(axis=1)[:, :3].astype(float)  # (n_boot, 3)
    denominator = summed.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(denominator[:, None] > 0, summed / np.maximum(denominator, 1)[:, None], np.nan)
    return {key: shares[:, column] for column, key in enumerate(DEPENDENCE_KEYS)}


def percentile_ci(replicates: np.ndarray, confidence: float = CONFIDENCE) -> list[float]:
    """[lo, hi]: the (1-c)/2 and (1+c)/2 percentiles of the finite replicates ([nan, nan] if none)."""
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return [float("nan"), float("nan")]
    tail = (1.0 - confidence) / 2.0 * 100.0
    lo, hi = np.percentile(finite, [tail, 100.0 - tail])
    return [float(lo), float(hi)]


def paired_difference(per_clip_a: np.ndarray, per_clip_b: np.ndarray, indices: np.ndarray) -> dict[str, object]:
    """A paired bootstrap of mean(a) - mean(b) over the clips where both have a value.

    ``per_clip_a``/``_b`` are per-clip values (e.g. best scores, or their mean over judges) on the
    same clip list; clips where either is NaN are dropped from both (a paired comparison).
    Returns the difference, its CI, the number of common clips, and a two-sided bootstrap p-value
    (twice the smaller share of replicates on either side of 0, capped at 1)."""
    common = ~np.isnan(per_clip_a) & ~np.isnan(per_clip_b)
    diff = np.where(common, per_clip_a - per_clip_b, np.nan)
    replicates = replicate_means(diff, indices)
    kept = diff[common]
    return {
        "n_clips": int(common.sum()),
        "difference": float(kept.mean()) if kept.size else float("nan"),
        "ci": percentile_ci(replicates),
        "p_value": bootstrap_p_value(replicates),
    }


def bootstrap_p_value(replicates: np.ndarray) -> float:
    """Two-sided: twice the smaller share of finite replicates at or below / at or above 0, at most 1."""
    finite = replicates[np.isfinite(replicates)]
    if finite.size == 0:
        return float("nan")
    return float(min(1.0, 2.0 * min((finite <= 0).mean(), (finite >= 0).mean())))
