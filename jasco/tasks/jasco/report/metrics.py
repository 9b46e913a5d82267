"""The JASCO metrics as pure functions of a ``Grid``; each docstring states its denominator.

Per clip first (``clip_best``, ``clip_mean``, ``clip_counts``), then over clips (``mean_over_clips``,
``dependence_shares``), so the bootstrap can resample the per-clip values. A failure never raises
a score: a row without an answer (rating 0, Neither, by rule) and a row whose judge verdict did
not parse (upstream's ``?``) both score 0 in best-mean and mean-over-variants, exactly as upstream
eval.py's stats() scores ``?``; a clip's best is over all its rows. Modality dependence counts
every row whose orientation label is known (Neither excluded from the denominator, as upstream);
an unparseable orientation is in no dependence count. These equal upstream's stats() on every
input but one (see tests/test_report_upstream_oracle.py): upstream carries the previous row's
score over to a row without a Rating line, jasco scores that row 0. ``clip_best_scored_only``
gives the secondary figure that leaves out everything the judge did not score.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from jasco.tasks.jasco.report.grid import BOTH_CODE, Grid

DEPENDENCE_KEYS = ("audio", "both", "speech")  # columns 0..2 of the counts arrays


def score(grid: Grid) -> np.ndarray:
    """Per cell: the rating if the row is rated Both, else 0 (unscored and no-answer rows
    included); NaN for absent cells."""
    both = grid.rated & (grid.orientation == BOTH_CODE)
    return np.where(grid.present, np.where(both, np.nan_to_num(grid.rating), 0.0), np.nan)


def scored_only_score(grid: Grid) -> np.ndarray:
    """Per cell: the rating if judged Both, 0 if judged otherwise; NaN unless the judge scored it."""
    return np.where(grid.judged, np.where(grid.orientation == BOTH_CODE, grid.rating, 0.0), np.nan)


def _per_clip(values: np.ndarray, reduce: str) -> np.ndarray:
    kept = ~np.isnan(values)
    any_kept = kept.any(axis=1)
    filled = np.where(kept, values, -np.inf if reduce == "max" else 0.0)
    result = filled.max(axis=1) if reduce == "max" else filled.sum(axis=1) / np.maximum(kept.sum(axis=1), 1)
    return np.where(any_kept, result, np.nan)


def clip_best(grid: Grid) -> np.ndarray:
    """Per clip: max of ``score`` over its rows; NaN when the clip has no row in the file."""
    return _per_clip(score(grid), "max")


def clip_mean(grid: Grid) -> np.ndarray:
    """Per clip: mean of ``score`` over its rows (denominator: that clip's rows)."""
    return _per_clip(score(grid), "mean")


def clip_best_scored_only(grid: Grid) -> np.ndarray:
    """Per clip: max of ``scored_only_score`` over its judged rows; NaN when none was judged."""
    return _per_clip(scored_only_score(grid), "max")


def clip_counts(grid: Grid) -> np.ndarray:
    """Per clip, int (n_clips, 4): rows labelled Audio, Both, Speech, Neither (any row whose label is known)."""
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
    """The headline numbers of one (ALLM, judge) pair and their coverage."""

    n_rows: int  # rows in the files
    n_scored: int  # rows the judge scored (verdict parsed): the coverage numerator
    n_unscored: int  # rows whose verdict did not parse: 0 in best-mean, out of dependence unless labelled
    n_no_answer: int  # rows without an answer: rating 0, Neither, by rule
    n_clips: int  # clips with rows: the best-mean and mean-over-variants denominator
    n_clips_scored: int  # clips with at least one row the judge scored
    n_clips_total: int  # clips in the report (every file's clips)
    n_neither: int  # rows labelled Neither (no-answer rows included): outside the dependence denominator
    best_mean: float
    best_mean_scored_only: float  # over judged rows and the clips that have one (secondary)
    mean_over_variants: float
    dependence: dict[str, float]

    @property
    def n_clips_unscored(self) -> int:
        """Clips with rows but none scored by the judge."""
        return self.n_clips - self.n_clips_scored

    @property
    def coverage_rows(self) -> float:
        """Scored rows / rows."""
        return self.n_scored / self.n_rows if self.n_rows else float("nan")

    @property
    def coverage_clips(self) -> float:
        """Clips with a scored row / clips in the report."""
        return self.n_clips_scored / self.n_clips_total if self.n_clips_total else float("nan")

    @property
    def failed_share(self) -> float:
        """(Unscored + no-answer rows) / rows: what ``--max-unscored`` bounds."""
        return (self.n_unscored + self.n_no_answer) / self.n_rows if self.n_rows else float("nan")


def pair_metrics(grid: Grid) -> PairMetrics:
    best = clip_best(grid)
    counts = clip_counts(grid)
    return PairMetrics(
        n_rows=int(grid.present.sum()), n_scored=int(grid.judged.sum()), n_unscored=int(grid.unscored.sum()),
        n_no_answer=int(grid.no_answer.sum()), n_clips=int((~np.isnan(best)).sum()),
        n_clips_scored=int(grid.judged.any(axis=1).sum()), n_clips_total=len(grid.clips),
        n_neither=int(counts[:, 3].sum()), best_mean=mean_over_clips(best),
        best_mean_scored_only=mean_over_clips(clip_best_scored_only(grid)),
        mean_over_variants=mean_over_clips(clip_mean(grid)), dependence=dependence_shares(counts),
    )


def variant_stats(grid: Grid, variants: list[int]) -> dict[str, float | int]:
    """Over the rated rows (judged or no answer) of the given instruction variants (1-based),
    pooled over clips: ``mean_rating`` (denominator: those rows), ``mean_score`` (rating if Both
    else 0; same denominator) and ``both_share`` (Both / (Audio + Both + Speech) among the rows
    whose label is known); ``n_unscored`` counts the rows left out."""
    columns = [variant - 1 for variant in variants]
    rated = grid.rated[:, columns]
    n_scored = int(rated.sum())
    ratings = grid.rating[:, columns][rated]
    scores = score(grid)[:, columns][rated]
    nan = float("nan")
    orientation = grid.orientation[:, columns]
    counts = np.stack([(orientation == code).sum(axis=1) for code in range(4)], axis=1)
    return {
        "n_scored": n_scored,
        "n_unscored": int(grid.unscored[:, columns].sum()),
        "mean_rating": float(ratings.mean()) if n_scored else nan,
        "mean_score": float(scores.mean()) if n_scored else nan,
        "both_share": dependence_shares(counts)["both"],
    }
