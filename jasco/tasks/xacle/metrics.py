"""XACLE's four metrics exactly as the challenge's official ``evaluate.py`` computes them, plus bootstrap CIs.

The official script (XACLE-Challenge/the_first_XACLE_challenge_baseline_model, ``evaluate.py``;
the 2027 baseline repository ships the same command line) does, on the pairs (pred, gt):

- drop every pair where either value is NaN, and require at least 2 pairs;
- LCC: Pearson's r from sequential sums ``sxy / sqrt(sxx * syy)``, and **0.0 when either side has
  zero variance** (scipy would return NaN);
- SRCC: the LCC of the average ranks (ties share the mean of their positions), so a constant side
  gives 0.0 as well;
- KTAU: Kendall's tau-b, ``(C - D) / sqrt((n0 - n1) * (n0 - n2))`` with tied pairs left out of C
  and D, and 0.0 when the denominator is 0 (a constant side);
- MSE: the mean of squared differences; N: the number of pairs kept.

``official_metrics`` reproduces those numbers bit for bit: the same sequential float sums for
LCC/SRCC/MSE and exact integer pair counts for KTAU (O(n^2) pairs, in row blocks with numpy).
Unlike the official script it flags a constant side (``constant_prediction`` /
``constant_label``) so a 0.0 is never mistaken for a measured correlation.

``bootstrap_intervals`` resamples the pairs with replacement (numpy PCG64 seeded, the report's
``resample_indices``) and recomputes each metric per replicate with the same conventions
(vectorised; KTAU per replicate with scipy's O(n log n) tau-b); the interval is the 2.5th-97.5th
percentile of the replicates. Denominator everywhere: the N pairs kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jasco.report.bootstrap import percentile_ci, resample_indices
from jasco.tasks.xacle.errors import XacleError

METRICS = ("SRCC", "LCC", "KTAU", "MSE")
MIN_PAIRS = 2
_KTAU_BLOCK = 512  # rows per block of the exact pair count (512 x n booleans at a time)
_BOOT_BLOCK = 128  # replicates per vectorised block


class XacleMetricsError(XacleError):
    """Too few pairs, or inputs of different lengths."""


@dataclass(frozen=True)
class OfficialMetrics:
    srcc: float
    lcc: float
    ktau: float
    mse: float
    n: int
    constant_prediction: bool  # LCC, SRCC and KTAU are the official 0.0, not a measurement
    constant_label: bool

    def official_row(self) -> dict[str, float | int]:
        """SRCC, LCC, KTAU, MSE, N in the official order (what evaluation_result.csv holds)."""
        return {"SRCC": self.srcc, "LCC": self.lcc, "KTAU": self.ktau, "MSE": self.mse, "N": self.n}

    @property
    def flags(self) -> list[str]:
        notes = []
        if self.constant_prediction:
            notes.append("every prediction is the same value: SRCC, LCC and KTAU are 0.0 by the official rule")
        if self.constant_label:
            notes.append("every label is the same value: SRCC, LCC and KTAU are 0.0 by the official rule")
        return notes


def _floats(values: Sequence[float] | np.ndarray) -> list[float]:
    return [float(value) for value in values]


def _sequential_mean(values: list[float]) -> float:
    return sum(values) / len(values)


def pearson_official(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Pearson's r with the official summation order; 0.0 when either side has zero variance."""
    xs, ys = _floats(x), _floats(y)
    _check_pairs(xs, ys)
    mean_x, mean_y = _sequential_mean(xs), _sequential_mean(ys)
    sxx = syy = sxy = 0.0
    for xi, yi in zip(xs, ys, strict=True):
        dx, dy = xi - mean_x, yi - mean_y
        sxx += dx * dx
        syy += dy * dy
        sxy += dx * dy
    if sxx == 0.0 or syy == 0.0:
        return 0.0
    return sxy / math.sqrt(sxx * syy)


def average_ranks(values: Sequence[float] | np.ndarray) -> np.ndarray:
    """1-based ranks, ties sharing the mean of their positions ([30, 10, 20, 20] -> [4, 1, 2.5, 2.5])."""
    from scipy.stats import rankdata

    return np.asarray(rankdata(np.asarray(values, dtype=float), method="average"), dtype=float)


def spearman_official(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """The official SRCC: ``pearson_official`` of the average ranks."""
    _check_pairs(_floats(x), _floats(y))
    return pearson_official(average_ranks(x), average_ranks(y))


def _tied_pairs(values: np.ndarray) -> int:
    _, counts = np.unique(values, return_counts=True)
    return int(sum(int(c) * (int(c) - 1) // 2 for c in counts))


def concordance_counts(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> tuple[int, int]:
    """Exact (concordant, discordant) pair counts; a pair tied on either side counts in neither."""
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    concordant = discordant = 0
    for start in range(0, len(xs), _KTAU_BLOCK):
        stop = min(start + _KTAU_BLOCK, len(xs))
        rows = np.arange(start, stop)[:, None]
        upper = np.arange(len(xs))[None, :] > rows  # each unordered pair once (j > i)
        sign = np.sign(xs[start:stop, None] - xs[None, :]) * np.sign(ys[start:stop, None] - ys[None, :])
        concordant += int(np.count_nonzero((sign > 0) & upper))
        discordant += int(np.count_nonzero((sign < 0) & upper))
    return concordant, discordant


def kendall_tau_b_official(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    """Kendall's tau-b as the official code computes it; 0.0 when the denominator is 0."""
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    _check_pairs(_floats(xs), _floats(ys))
    n = len(xs)
    n0 = n * (n - 1) // 2
    concordant, discordant = concordance_counts(xs, ys)
    denominator = math.sqrt((n0 - _tied_pairs(xs)) * (n0 - _tied_pairs(ys)))
    if denominator == 0.0:
        return 0.0
    return (concordant - discordant) / denominator


def mse_official(x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray) -> float:
    xs, ys = _floats(x), _floats(y)
    _check_pairs(xs, ys)
    total = 0.0
    for xi, yi in zip(xs, ys, strict=True):
        total += (xi - yi) * (xi - yi)
    return total / len(xs)


def _check_pairs(x: list[float], y: list[float]) -> None:
    if len(x) != len(y):
        raise XacleMetricsError(f"predictions and labels differ in length ({len(x)} vs {len(y)})")
    if len(x) < MIN_PAIRS:
        raise XacleMetricsError(f"at least {MIN_PAIRS} pairs are needed, got {len(x)}")


def drop_nan_pairs(
    predictions: Sequence[float | None], labels: Sequence[float | None]
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs where neither value is missing (None or NaN), in their order."""
    if len(predictions) != len(labels):
        raise XacleMetricsError(f"predictions and labels differ in length ({len(predictions)} vs {len(labels)})")
    kept = [
        (float(p), float(g))
        for p, g in zip(predictions, labels, strict=True)
        if p is not None and g is not None and p == p and g == g
    ]
    if not kept:
        return np.empty(0), np.empty(0)
    pred, gt = zip(*kept, strict=True)
    return np.asarray(pred, dtype=float), np.asarray(gt, dtype=float)


def official_metrics(predictions: Sequence[float | None], labels: Sequence[float | None]) -> OfficialMetrics:
    """SRCC, LCC, KTAU, MSE and N over the pairs left after dropping NaN (at least 2 are needed)."""
    pred, gt = drop_nan_pairs(predictions, labels)
    if len(pred) < MIN_PAIRS:
        raise XacleMetricsError(
            f"need at least {MIN_PAIRS} valid pairs after dropping missing values, got {len(pred)} "
            f"(of {len(predictions)})"
        )
    return OfficialMetrics(
        srcc=spearman_official(pred, gt),
        lcc=pearson_official(pred, gt),
        ktau=kendall_tau_b_official(pred, gt),
        mse=mse_official(pred, gt),
        n=len(pred),
        constant_prediction=bool(np.all(pred == pred[0])),
        constant_label=bool(np.all(gt == gt[0])),
    )


def _rowwise_pearson(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson's r per row of (b, n) arrays, 0.0 for a row where either side is constant."""
    dx = x - x.mean(axis=1, keepdims=True)
    dy = y - y.mean(axis=1, keepdims=True)
    sxx, syy, sxy = (dx * dx).sum(axis=1), (dy * dy).sum(axis=1), (dx * dy).sum(axis=1)
    constant = (np.ptp(x, axis=1) == 0) | (np.ptp(y, axis=1) == 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = sxy / np.sqrt(sxx * syy)
    return np.where(constant, 0.0, r)


def _replicate_ktau(x: np.ndarray, y: np.ndarray) -> float:
    from scipy.stats import kendalltau

    if np.ptp(x) == 0 or np.ptp(y) == 0:
        return 0.0
    return float(kendalltau(x, y, variant="b").statistic)


def bootstrap_replicates(
    predictions: np.ndarray, labels: np.ndarray, n_boot: int, seed: int
) -> dict[str, np.ndarray]:
    """Per metric, its value on each of ``n_boot`` resamples of the pairs (drawn by ``seed``)."""
    from scipy.stats import rankdata

    pred, gt = np.asarray(predictions, dtype=float), np.asarray(labels, dtype=float)
    indices = resample_indices(len(pred), n_boot, seed)
    out: dict[str, list[np.ndarray]] = {name: [] for name in METRICS}
    for start in range(0, n_boot, _BOOT_BLOCK):
        block = indices[start : start + _BOOT_BLOCK]
        p, g = pred[block], gt[block]
        out["LCC"].append(_rowwise_pearson(p, g))
        out["SRCC"].append(_rowwise_pearson(rankdata(p, axis=1), rankdata(g, axis=1)))
        out["MSE"].append(((p - g) ** 2).mean(axis=1))
        out["KTAU"].append(np.array([_replicate_ktau(p[i], g[i]) for i in range(len(block))]))
    return {name: np.concatenate(parts) if parts else np.empty(0) for name, parts in out.items()}


def bootstrap_intervals(
    predictions: np.ndarray, labels: np.ndarray, n_boot: int = 1000, seed: int = 0
) -> dict[str, list[float]]:
    """95% percentile intervals ``[lo, hi]`` of SRCC, LCC, KTAU and MSE over resampled pairs."""
    if n_boot <= 0:
        return {name: [float("nan"), float("nan")] for name in METRICS}
    replicates = bootstrap_replicates(predictions, labels, n_boot, seed)
    return {name: percentile_ci(values) for name, values in replicates.items()}
