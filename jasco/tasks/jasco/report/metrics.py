"""The JASCO metrics as pure functions of a ``Grid``; each docstring states its denominator.

Per clip first (``clip_best``, ``clip_mean``, ``clip_counts``), then over clips (``mean_over_clips``,
``dependence_shares``), so the bootstrap can resample the per-clip values. Unscored rows are in
no numerator or denominator; a clip with no scored row is left out of the means (NaN per clip).
On judge outputs that all parse, these equal upstream eval.py's stats(): best-mean = mean over
clips of max over variants of (rating if the orientation is Both else 0); dependence shares =
count(label) / (count(Audio) + count(Both) + count(Speech)).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jasco.tasks.jasco.report.grid import BOTH_CODE, Grid

DEPENDENCE_KEYS = ("audio", "both", "speech")  # columns 0..2 of the counts arrays


def score(grid: Grid) -> np.ndarray:
    """Per cell: the rating if the orientation is Both, else 0; NaN for unscored or absent cells."""
    return np.where(grid.scored, np.where(grid.orientation == BOTH_CODE, grid.rating, 0.0), np.nan)


def _per_clip(values: np.ndarray, reduce: str) -> np.ndarray:
    scored = ~np.isnan(values)
    any_scored = scored.any(axis=1)
    filled = np.where(scored, values, -np.inf if reduce == "max" else 0.0)
    result = filled.max(axis=1) if reduce == "max" else filled.sum(axis=1) / np.maximum(scored.sum(axis=1), 1)
    return np.where(any_scored, result, np.nan)


def clip_best(grid: Grid) -> np.ndarray:
    """Per clip: max over its scored variants of ``score``; NaN when the clip has no scored row."""
    return _per_clip(score(grid), "max")


def clip_mean(grid: Grid) -> np.ndarray:
    """Per clip: mean of ``score`` over its scored variants (denominator: that clip's scored rows)."""
    return _per_clip(score(grid), "mean")


def clip_counts(grid: Grid) -> np.ndarray:
    """Per clip, int (n_clips, 4): scored rows labelled Audio, Both, Speech, Neither."""
    return np.stack([(grid.orientation == code).sum(axis=1) for code in range(4)], axis=1)



def mean_over_clips(per_clip: np.ndarray) -> float:
    """Mean over clips with a value (not NaN): denominator = clips with at least one scored row."""
    kept = per_clip[~np.isnan(per_clip)]
    return float(kept.mean()) if kept.size else float("nan")


def dependence_shares(counts: np.ndarray) -> dict[str, float]:
    """Audio/Both/Speech shares of summed per-clip ``counts``; denominator = Audio + Both + Speech
    (Neither excluded, as upstream). NaN shares when that denominator is 0."""
    totals = np.asarray(counts).reshape(-1, 4).sum(axis=0)[:3].astype(float)
    denominator = totals.sum()
    if denominator == 0:
        return dict.fromkeys(DEPENDENCE_KEYS, float("nan"))
    return {key: float(value / denominator) for key, value in zip(DEPENDENCE_KEYS, totals, strict=True)}


@dataclass(frozen=True)
class PairMetrics:
    """The headline numbers of one (ALLM, judge) pair."""

    n_rows: int  # rows in the files
    n_scored: int
    n_unscored: int  # rows whose judgment did not parse: in no numerator or denominator
    n_clips: int  # clips with at least one scored row: the best-mean denominator
    n_clips_unscored: int  # clips with rows but none scored: left out of the mean
    n_neither: int  # scored rows labelled Neither: outside the dependence denominator
    best_mean: float
    mean_over_variants: float
    dependence: dict[str, float]


def pair_metrics(grid: Grid) -> PairMetrics:
    best = clip_best(grid)
    has_rows = grid.present.any(axis=1)
    n_rows = int(grid.present.sum())
    n_scored = int(grid.scored.sum())
    n_clips = int((~np.isnan(best)).sum())
    counts = clip_counts(grid)
    return PairMetrics(
        n_rows=n_rows, n_scored=n_scored, n_unscored=n_rows - n_scored, n_clips=n_clips,
        n_clips_unscored=int(has_rows.sum()) - n_clips, n_neither=int(counts[:, 3].sum()),
        best_mean=mean_over_clips(best), mean_over_variants=mean_over_clips(clip_mean(grid)),
        dependence=dependence_shares(counts),
    )


def variant_stats(grid: Grid, variants: list[int]) -> dict[str, float | int]:
    """Over the scored rows of the given instruction variants (1-based), pooled over clips:
    ``mean_rating`` (raw rating; denominator: those scored rows), ``mean_score`` (rating if Both
    else 0; same denominator) and ``both_share`` (Both / (Audio + Both + Speech) among them)."""
    columns = [variant - 1 for variant in variants]
    scored = grid.scored[:, columns]
    n_scored = int(scored.sum())
    ratings = grid.rating[:, columns][scored]
    scores = score(grid)[:, columns][scored]
    nan = float("nan")
    orientation = grid.orientation[:, columns]
    counts = np.stack([(orientation == code).sum(axis=1) for code in range(4)], axis=1)
    return {
        "n_scored": n_scored,
        "mean_rating": float(ratings.mean()) if n_scored else nan,
        "mean_score": float(scores.mean()) if n_scored else nan,
        "both_share": dependence_shares(counts)["both"],
    }
