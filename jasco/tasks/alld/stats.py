"""Regression metrics of predicted vs human ratings, with file-level bootstrap CIs.

``regression_metrics(y_true, y_pred)``: n, MSE (ALLD's headline), MAE, Pearson r and Spearman
rho over the given pairs (the caller passes only scored files; the denominator is ``n``).
A correlation needs at least 3 files and variation on both sides, else it is NaN (shown as n/a),
never a warning or a guess. ``regression_cis`` resamples files with replacement (the shared
``jasco.report.bootstrap`` index matrix) and gives percentile intervals of every metric.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from jasco.report.bootstrap import percentile_ci, replicate_means, resample_indices
from jasco.tasks.alld.errors import EvaluationError

MIN_FOR_CORRELATION = 3
METRICS = ("mse", "mae", "pearson", "spearman")


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < MIN_FOR_CORRELATION or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    from scipy.stats import pearsonr

    return float(pearsonr(x, y).statistic)


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    if len(x) < MIN_FOR_CORRELATION or np.ptp(x) == 0 or np.ptp(y) == 0:
        return math.nan
    from scipy.stats import spearmanr

    return float(spearmanr(x, y).statistic)


def _arrays(y_true: Sequence[float], y_pred: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    true, pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    if true.shape != pred.shape or true.ndim != 1:
        raise EvaluationError(f"ratings and predictions differ in length ({true.size} vs {pred.size})")
    if not (np.isfinite(true).all() and np.isfinite(pred).all()):
        raise EvaluationError("ratings and predictions must be finite numbers (leave unscored files out)")
    return true, pred


def regression_metrics(y_true: Sequence[float], y_pred: Sequence[float]) -> dict[str, Any]:
    """n, mse, mae, pearson, spearman over the given (scored) files; NaN where undefined."""
    true, pred = _arrays(y_true, y_pred)
    if true.size == 0:
        return {"n": 0, **dict.fromkeys(METRICS, math.nan)}
    errors = pred - true
    return {
        "n": int(true.size),
        "mse": float(np.mean(errors**2)),
        "mae": float(np.mean(np.abs(errors))),
        "pearson": _pearson(true, pred),
        "spearman": _spearman(true, pred),
    }


def _row_correlation(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Pearson r per row of two (n_boot, n) matrices; NaN for rows without variation."""
    xc = x - x.mean(axis=1, keepdims=True)
    yc = y - y.mean(axis=1, keepdims=True)
    denominator = np.sqrt((xc**2).sum(axis=1) * (yc**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, (xc * yc).sum(axis=1) / np.where(denominator > 0, denominator, 1.0), np.nan)


def regression_cis(
    y_true: Sequence[float], y_pred: Sequence[float], *, n_boot: int = 1000, seed: int = 0,
) -> dict[str, list[float]]:
    """Percentile 95% intervals of each metric over ``n_boot`` file resamples (NaN if < 3 files)."""
    true, pred = _arrays(y_true, y_pred)
    if true.size < MIN_FOR_CORRELATION:
        return {metric: [math.nan, math.nan] for metric in METRICS}
    from scipy.stats import rankdata

    indices = resample_indices(true.size, n_boot, seed)
    errors = pred - true
    sampled_true, sampled_pred = true[indices], pred[indices]
    return {
        "mse": percentile_ci(replicate_means(errors**2, indices)),
        "mae": percentile_ci(replicate_means(np.abs(errors), indices)),
        "pearson": percentile_ci(_row_correlation(sampled_true, sampled_pred)),
        "spearman": percentile_ci(_row_correlation(rankdata(sampled_true, axis=1), rankdata(sampled_pred, axis=1))),
    }
