"""XACLE metrics: the official evaluate.py formulas on hand-worked data, agreement with scipy, the official
0.0 for a constant side, NaN dropping, the join counts and the seeded bootstrap."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from jasco.tasks.xacle.metrics import (
    XacleMetricsError,
    average_ranks,
    bootstrap_intervals,
    concordance_counts,
    kendall_tau_b_official,
    official_metrics,
)
from jasco.tasks.xacle.scoring import evaluate_predictions


def test_hand_worked_without_ties() -> None:
    # pred 1,2,3,4 vs gt 1,3,2,4: centred values -1.5,-0.5,0.5,1.5 and -1.5,0.5,-0.5,1.5 give
    # sxy = 4, sxx = syy = 5 -> r = 0.8 (the ranks are the values: SRCC 0.8). Of the 6 pairs only
    # (2,3) is discordant -> tau = (5 - 1) / 6. Squared errors 0,1,1,0 -> MSE 0.5.
    m = official_metrics([1, 2, 3, 4], [1, 3, 2, 4])
    assert m.lcc == pytest.approx(0.8, abs=1e-15)
    assert m.srcc == pytest.approx(0.8, abs=1e-15)
    assert m.ktau == pytest.approx(4 / 6, abs=1e-15)
    assert m.mse == 0.5
    assert m.n == 4
    assert not m.constant_prediction and not m.constant_label


def test_hand_worked_with_ties() -> None:
    # pred 1,1,2,3 vs gt 1,2,2,3. Average ranks: 1.5,1.5,3,4 and 1,2.5,2.5,4; centred on 2.5:
    # -1,-1,.5,1.5 and -1.5,0,0,1.5 -> sxy 3.75, sxx 4.5, syy 4.5 -> SRCC 3.75/4.5.
    # Raw: means 1.75 and 2; sxy 2, sxx 2.75, syy 2 -> LCC 2/sqrt(5.5).
    # Pairs: (0,1) tied in pred, (1,2) tied in gt, the other 4 concordant; n0 = 6, one tied pair
    # each side -> tau-b = 4 / sqrt(5 * 5) = 0.8. MSE: one error of 1 over 4 pairs.
    m = official_metrics([1, 1, 2, 3], [1, 2, 2, 3])
    assert m.srcc == pytest.approx(3.75 / 4.5, abs=1e-15)
    assert m.lcc == pytest.approx(2 / math.sqrt(5.5), abs=1e-15)
    assert m.ktau == pytest.approx(0.8, abs=1e-15)
    assert m.mse == 0.25


def test_average_ranks_share_tied_positions() -> None:
    assert average_ranks([30, 10, 20, 20]).tolist() == [4.0, 1.0, 2.5, 2.5]


def test_concordance_counts_by_hand() -> None:
    assert concordance_counts([1, 2, 3, 4], [1, 3, 2, 4]) == (5, 1)
    assert concordance_counts([1, 1, 2, 3], [1, 2, 2, 3]) == (4, 0)
    assert concordance_counts([1, 2, 3], [3, 2, 1]) == (0, 3)


@pytest.mark.parametrize("n", [2, 57, 1500])  # 1500 crosses the 512-row blocks of the exact pair count
def test_agrees_with_scipy_on_random_data_with_ties(n: int) -> None:
    rng = np.random.default_rng(n)
    labels = np.round(rng.uniform(0, 10, n) * 4) / 4  # a mean of four integer ratings: many ties
    predictions = rng.integers(0, 11, n).astype(float)  # integer answers: many ties
    if n == 2:
        predictions, labels = np.array([3.0, 8.0]), np.array([2.25, 9.5])
    m = official_metrics(predictions, labels)
    assert m.srcc == pytest.approx(stats.spearmanr(predictions, labels).statistic, abs=1e-12)
    assert m.lcc == pytest.approx(stats.pearsonr(predictions, labels).statistic, abs=1e-12)
    assert m.ktau == pytest.approx(stats.kendalltau(predictions, labels, variant="b").statistic, abs=1e-12)
    assert m.mse == pytest.approx(float(np.mean((predictions - labels) ** 2)), abs=1e-12)
    assert m.n == n


def test_constant_predictions_score_zero_and_are_flagged() -> None:
    labels = [1.0, 4.5, 7.25, 9.0]
    m = official_metrics([5.0] * 4, labels)
    assert (m.srcc, m.lcc, m.ktau) == (0.0, 0.0, 0.0)
    assert m.mse == pytest.approx(np.mean((5.0 - np.array(labels)) ** 2))
    assert m.constant_prediction and not m.constant_label
    assert any("prediction" in flag for flag in m.flags)
    with np.errstate(invalid="ignore"), pytest.warns(stats.ConstantInputWarning):
        assert math.isnan(stats.pearsonr([5.0] * 4, labels).statistic)  # where scipy alone would differ


def test_constant_labels_score_zero_and_are_flagged() -> None:
    m = official_metrics([1.0, 2.0, 3.0], [6.0, 6.0, 6.0])
    assert (m.srcc, m.lcc, m.ktau) == (0.0, 0.0, 0.0)
    assert m.constant_label and not m.constant_prediction
    assert kendall_tau_b_official([1, 2, 3], [6, 6, 6]) == 0.0


def test_pairs_with_a_missing_value_are_dropped() -> None:
    m = official_metrics([1, None, 3, 4, float("nan"), 2], [1, 5, float("nan"), 4, 2, 3])
    reference = official_metrics([1, 4, 2], [1, 4, 3])
    assert m == reference and m.n == 3


def test_fewer_than_two_pairs_is_an_error() -> None:
    with pytest.raises(XacleMetricsError, match="at least 2"):
        official_metrics([1.0, None], [2.0, 3.0])
    with pytest.raises(XacleMetricsError, match="length"):
        official_metrics([1.0, 2.0], [2.0])


def test_join_counts_every_row_left_out() -> None:
    labels = {"a.wav": 1.0, "b.wav": 5.0, "c.wav": 9.0, "d.wav": None, "e.wav": 3.0, "f.wav": 7.0}
    predictions = {"zz.wav": 4.0, "c.wav": 8.0, "a.wav": 2.0, "b.wav": None, "d.wav": 6.0, "e.wav": 11.0}
    evaluation = evaluate_predictions(labels, predictions, n_boot=50, seed=1)
    counts = evaluation.counts
    assert counts.n_predictions == 6 and counts.n_labels == 6
    assert counts.n_unmatched_predictions == 1 and counts.unmatched_examples == ("zz.wav",)
    assert counts.n_unlabelled == 1  # f.wav has a label and no prediction
    assert counts.n_missing_prediction == 1 and counts.n_missing_label == 1
    assert counts.n_pairs == 3 == evaluation.metrics.n
    assert counts.n_out_of_range == 1  # e.wav's 11, scored as it is (as officially)
    assert evaluation.metrics == official_metrics([8.0, 2.0, 11.0], [9.0, 1.0, 3.0])


def test_too_few_pairs_after_the_join_names_the_source_and_the_losses() -> None:
    with pytest.raises(XacleMetricsError, match=r"preds\.csv: 1 scorable pair.*2 with no label"):
        evaluate_predictions({"a.wav": 1.0, "b.wav": 2.0}, {"a.wav": 1.0, "x.wav": 2.0, "y.wav": 3.0},
                             source="preds.csv")


def test_bootstrap_is_seeded_and_brackets_the_estimate() -> None:
    rng = np.random.default_rng(0)
    labels = rng.uniform(0, 10, 400)
    predictions = labels + rng.normal(0, 2, 400)
    first = bootstrap_intervals(predictions, labels, n_boot=300, seed=7)
    assert first == bootstrap_intervals(predictions, labels, n_boot=300, seed=7)
    assert first != bootstrap_intervals(predictions, labels, n_boot=300, seed=8)
    point = official_metrics(predictions, labels).official_row()
    for name, (lo, hi) in first.items():
        assert lo < point[name] < hi, name


def test_bootstrap_of_a_constant_side_is_the_official_zero() -> None:
    intervals = bootstrap_intervals(np.full(30, 5.0), np.linspace(0, 10, 30), n_boot=40, seed=0)
    assert intervals["SRCC"] == intervals["LCC"] == intervals["KTAU"] == [0.0, 0.0]
