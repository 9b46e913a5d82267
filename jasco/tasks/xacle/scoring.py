"""Predictions against labels as the official ``evaluate.py`` pairs them, with every dropped row counted.

The official script inner-joins the prediction file with the label file on ``wav_file_name``
(pandas ``merge(how="inner")``: prediction-file order), drops pairs with a NaN on either side and
needs at least 2 pairs. It says nothing about what it left out. ``evaluate_predictions`` does the
same join in the same order (so the metrics are bit-identical) and reports, beside the figures:

- ``n_predictions`` / ``n_labels``: rows in each input;
- ``n_unmatched_predictions``: prediction rows whose ``wav_file_name`` has no label (dropped by the
  join); ``n_unlabelled``: label rows nothing predicted (absent from the join);
- ``n_missing_prediction`` / ``n_missing_label``: joined pairs dropped for a missing (empty/NaN)
  prediction or label (a pair missing both counts in both);
- ``n_pairs``: what the metrics are computed over (N);
- ``n_out_of_range``: kept predictions outside 0-10 (scored as they are, as officially).

Inputs are mappings ``wav_file_name -> score or None`` (what ``tables`` reads: names unique).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from jasco.tasks.xacle.metrics import (
    MIN_PAIRS,
    OfficialMetrics,
    XacleMetricsError,
    bootstrap_intervals,
    drop_nan_pairs,
    official_metrics,
)
from jasco.tasks.xacle.tables import SCORE_BOUNDS

DEFAULT_N_BOOT = 1000
DEFAULT_SEED = 0
_EXAMPLES = 5


@dataclass(frozen=True)
class JoinCounts:
    n_predictions: int
    n_labels: int
    n_unmatched_predictions: int
    n_unlabelled: int
    n_missing_prediction: int
    n_missing_label: int
    n_pairs: int
    n_out_of_range: int
    unmatched_examples: tuple[str, ...] = ()  # a few prediction names with no label

    @property
    def n_joined(self) -> int:
        return self.n_predictions - self.n_unmatched_predictions


@dataclass(frozen=True)
class XacleEvaluation:
    metrics: OfficialMetrics
    counts: JoinCounts
    intervals: dict[str, list[float]] = field(default_factory=dict)  # metric -> [lo, hi]
    n_boot: int = 0
    seed: int = DEFAULT_SEED


def join_pairs(
    labels: Mapping[str, float | None], predictions: Mapping[str, float | None]
) -> tuple[list[float | None], list[float | None], JoinCounts]:
    """(predictions, labels) of the inner join in prediction order, and the counts of what was dropped."""
    joined = [name for name in predictions if name in labels]
    pred = [predictions[name] for name in joined]
    gt = [labels[name] for name in joined]
    missing_pred = sum(1 for value in pred if value is None or value != value)
    missing_label = sum(1 for value in gt if value is None or value != value)
    kept_pred, _ = drop_nan_pairs(pred, gt)
    low, high = SCORE_BOUNDS
    unmatched = [name for name in predictions if name not in labels]
    counts = JoinCounts(
        n_predictions=len(predictions),
        n_labels=len(labels),
        n_unmatched_predictions=len(unmatched),
        n_unlabelled=sum(1 for name in labels if name not in predictions),
        n_missing_prediction=missing_pred,
        n_missing_label=missing_label,
        n_pairs=len(kept_pred),
        n_out_of_range=int(np.count_nonzero((kept_pred < low) | (kept_pred > high))),
        unmatched_examples=tuple(unmatched[:_EXAMPLES]),
    )
    return pred, gt, counts


def evaluate_predictions(
    labels: Mapping[str, float | None],
    predictions: Mapping[str, float | None],
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    source: str = "predictions",
) -> XacleEvaluation:
    """The official metrics of ``predictions`` against ``labels``, the join counts and bootstrap CIs.

    Fewer than 2 pairs after the join and the NaN drop raise XacleMetricsError naming ``source``
    and how many rows each step removed.
    """
    pred, gt, counts = join_pairs(labels, predictions)
    if counts.n_pairs < MIN_PAIRS:
        raise XacleMetricsError(
            f"{source}: {counts.n_pairs} scorable pair(s), need at least {MIN_PAIRS} "
            f"({counts.n_predictions} predictions, {counts.n_unmatched_predictions} with no label"
            f"{' e.g. ' + ', '.join(counts.unmatched_examples) if counts.unmatched_examples else ''}, "
            f"{counts.n_missing_prediction} without a score, {counts.n_missing_label} without a label)"
        )
    metrics = official_metrics(pred, gt)
    kept_pred, kept_gt = drop_nan_pairs(pred, gt)
    intervals = bootstrap_intervals(kept_pred, kept_gt, n_boot=n_boot, seed=seed)
    return XacleEvaluation(metrics=metrics, counts=counts, intervals=intervals, n_boot=n_boot, seed=seed)
