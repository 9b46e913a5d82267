"""Speech-quality metrics: against scipy, hand-worked cases, the vectorised bootstrap against materialised resamples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from jasco.tasks.speech_quality.metrics import ScoresError, regression_metrics, score_table
from jasco.tasks.speech_quality.resample import Series, count_chunks, fisher_z_kendall_ci, replicate_statistics


def test_regression_metrics_match_scipy_on_random_data() -> None:
    rng = np.random.default_rng(7)
    true = rng.uniform(1, 5, 300)
    pred = np.round(np.clip(true + rng.normal(0, 0.7, 300), 1, 5), 1)  # one decimal: many ties
    got = regression_metrics(true, pred)
    assert got["n"] == 300
    assert got["mae"] == pytest.approx(np.abs(pred - true).mean(), abs=1e-15)
    assert got["rmse"] == pytest.approx(math.sqrt(((pred - true) ** 2).mean()), abs=1e-15)
    assert got["pearson"] == pytest.approx(stats.pearsonr(true, pred).statistic, abs=1e-12)
    assert got["spearman"] == pytest.approx(stats.spearmanr(true, pred).statistic, abs=1e-12)
    assert got["kendall"] == pytest.approx(stats.kendalltau(true, pred, variant="b").statistic, abs=1e-12)


def test_hand_worked_without_ties() -> None:
    got = regression_metrics([1, 2, 3, 4], [1, 2, 3, 5])
    # errors 0,0,0,1: MAE 1/4, RMSE sqrt(1/4); centred sums Sxy 6.5, Sxx 5, Syy 8.75
    assert (got["mae"], got["rmse"]) == (0.25, 0.5)
    assert got["pearson"] == pytest.approx(6.5 / math.sqrt(5 * 8.75), abs=1e-15)
    assert (got["spearman"], got["kendall"]) == (pytest.approx(1.0), pytest.approx(1.0))


def test_hand_worked_with_ties() -> None:
    got = regression_metrics([1, 2, 2, 3], [1, 3, 2, 3])
    # average ranks x 1,2.5,2.5,4 and y 1,3.5,2,3.5: rho = 3.75 / 4.5; tau-b: C=4, D=0, one tie on
    # each side among 6 pairs: 4 / sqrt(5 * 5)
    assert got["spearman"] == pytest.approx(3.75 / 4.5, abs=1e-15)
    assert got["kendall"] == pytest.approx(0.8, abs=1e-15)


@pytest.mark.parametrize(("true", "pred"), [([1, 2, 3], [3, 3, 3]), ([2, 2, 2], [1, 2, 3]), ([2.5], [3.0])])
def test_constant_input_or_one_pair_leaves_correlations_undefined(true: list, pred: list) -> None:
    got = regression_metrics(true, pred)
    assert got["n"] == len(true)
    assert math.isfinite(got["mae"])
    assert all(math.isnan(got[k]) for k in ("pearson", "spearman", "kendall"))


def test_no_pairs_leaves_everything_undefined() -> None:
    got = regression_metrics([], [])
    assert got["n"] == 0
    assert all(math.isnan(got[k]) for k in ("mae", "rmse", "pearson", "spearman", "kendall"))


def _table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["model", "dimension", "file", "con", "y_true", "y_pred", "status"])


def test_score_table_coverage_flag_and_condition_means() -> None:
    rows = [("m", "mos", f"f{i}", f"c{i // 2}", 1.0 + i * 0.2, 1.2 + i * 0.2, "named") for i in range(19)]
    rows.append(("m", "mos", "f19", "c9", 4.8, None, "no_number"))  # 1 of 20 unscored: exactly 5%
    rows += [("m", "noi", f"f{i}", f"c{i // 2}", 2.0 + (i % 5) * 0.5, 2.0 + (i % 5) * 0.5, "named") for i in range(18)]
    rows += [("m", "noi", "f18", "c9", 3.0, None, "ambiguous"), ("m", "noi", "f19", "c9", 3.0, None, "empty")]
    payload = score_table(_table(rows), n_boot=50, seed=1)
    mos, noi = payload["results"]
    assert (mos["dimension"], mos["n"], mos["n_total"], mos["n_unscored"]) == ("mos", 19, 20, 1)
    assert mos["coverage"] == 19 / 20
    assert not mos["flagged"]  # 5% is not more than the 5% default
    assert noi["flagged"] and noi["unscored_share"] == 0.1
    assert noi["unscored_by_status"] == {"ambiguous": 1, "empty": 1}
    assert payload["flagged"] == [{"model": "m", "dimension": "noi", "unscored_share": 0.1}]
    assert mos["mae"] == pytest.approx(0.2)
    # per condition: condition c9 has only its scored file f18 (pred - true = 0.2 everywhere)
    assert mos["per_condition"]["n_conditions"] == 10
    assert mos["per_condition"]["mae"] == pytest.approx(0.2)
    assert noi["per_condition"]["n_conditions"] == 9  # c9 has no scored noi file
    assert noi["mae"] == 0.0 and noi["pearson"] == pytest.approx(1.0)
    for entry in payload["results"]:
        assert set(entry["ci"]) == {"mae", "rmse", "pearson", "spearman", "kendall"}
        lo, hi = entry["ci"]["mae"]
        assert lo <= entry["mae"] + 1e-12 and entry["mae"] - 1e-12 <= hi


def test_score_table_with_a_stricter_flag_and_no_condition_column() -> None:
    rows = [("a", "loud", f"f{i}", 3.0 + (i % 3) * 0.5, 3.0 + (i % 4) * 0.5 if i else None) for i in range(40)]
    frame = pd.DataFrame(rows, columns=["model", "dimension", "file", "y_true", "y_pred"])
    payload = score_table(frame, n_boot=20, max_unscored=0.01)
    (entry,) = payload["results"]
    assert entry["flagged"] and entry["per_condition"] is None and "unscored_by_status" not in entry


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda f: f.drop(columns=["y_true"]), "missing column"),
        (lambda f: pd.concat([f, f.iloc[:1]]), "duplicate"),
        (lambda f: f.assign(dimension="overall"), "unknown dimension"),
        (lambda f: f.assign(y_true=[None, 2.0]), "no human rating"),
        (lambda f: f.assign(y_pred=["3.1", "three"]), "row 2: y_pred 'three' is not a number"),
    ],
)
def test_bad_scores_raise_one_clear_error(change, message: str) -> None:
    frame = pd.DataFrame({"model": ["m", "m"], "dimension": ["mos", "mos"], "file": ["a", "b"],
                          "y_true": [3.0, 2.0], "y_pred": [3.0, 2.5]})
    with pytest.raises(ScoresError, match=message):
        score_table(change(frame), n_boot=5, source="scores.csv")


def _materialised(series: Series, counts: np.ndarray) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"mae": [], "rmse": [], "pearson": [], "spearman": [], "kendall": []}
    for row in counts.astype(np.int64):
        draws = row[series.positions]
        true, pred = np.repeat(series.y_true, draws), np.repeat(series.y_pred, draws)
        got = regression_metrics(true, pred)
        for name in out:
            out[name].append(got[name])
    return out


def _series(rng: np.random.Generator, n_files: int, true: np.ndarray, pred: np.ndarray) -> Series:
    positions = np.sort(rng.choice(n_files, size=len(true), replace=False))
    return Series(positions, true, pred)


def test_vectorised_bootstrap_equals_scipy_on_every_materialised_resample() -> None:
    rng = np.random.default_rng(3)
    n_files = 180
    continuous = rng.uniform(1, 5, 150)
    all_series = [
        # human ratings without ties, one-decimal predictions (few values: ranked from group sums)
        _series(rng, n_files, continuous, np.round(np.clip(continuous + rng.normal(0, 0.5, 150), 1, 5), 1)),
        # human ratings with ties, continuous predictions (ranked from running counts)
        _series(rng, n_files, np.round(continuous, 0), continuous + rng.normal(0, 0.3, 150)),
        # both sides few-valued, most files unscored
        _series(rng, n_files, np.round(continuous[:40]), np.round(continuous[:40] + rng.normal(0, 1, 40))),
        # one scored file: every replicate's correlations undefined
        Series(np.array([5]), np.array([3.0]), np.array([2.0])),
        Series(np.array([], dtype=np.int64), np.array([]), np.array([])),
    ]
    n_boot, seed = 40, 11
    got = replicate_statistics(all_series, n_files, n_boot, seed, kendall="bootstrap")
    counts = np.concatenate(list(count_chunks(n_files, n_boot, seed)))
    assert counts.shape == (n_boot, n_files) and (counts.sum(axis=1) == n_files).all()
    for series, values in zip(all_series, got, strict=True):
        expected = _materialised(series, counts)
        for name in ("mae", "rmse", "pearson", "spearman", "kendall"):
            np.testing.assert_allclose(values[name], expected[name], rtol=0, atol=1e-9, err_msg=name)


def test_bootstrap_is_seeded_and_shared_across_series() -> None:
    rng = np.random.default_rng(5)
    true = rng.uniform(1, 5, 60)
    series = [Series(np.arange(60), true, np.round(true + rng.normal(0, 0.5, 60), 1))]
    first = replicate_statistics(series, 60, 30, seed=1)[0]
    again = replicate_statistics(series, 60, 30, seed=1)[0]
    other = replicate_statistics(series, 60, 30, seed=2)[0]
    assert all(np.array_equal(first[k], again[k]) for k in first)
    assert not np.array_equal(first["mae"], other["mae"])
    chunked = np.concatenate(list(count_chunks(60, 30, seed=1, chunk=7)))
    whole = np.concatenate(list(count_chunks(60, 30, seed=1, chunk=30)))
    assert np.array_equal(chunked, whole)  # the block size does not change the resamples


def test_fisher_z_kendall_interval_covers_the_bootstrap_one_roughly() -> None:
    rng = np.random.default_rng(9)
    true = rng.uniform(1, 5, 300)
    pred = np.round(np.clip(true + rng.normal(0, 0.8, 300), 1, 5), 1)
    tau = stats.kendalltau(true, pred).statistic
    lo, hi = fisher_z_kendall_ci(tau, 300)
    assert lo < tau < hi
    frame = pd.DataFrame({"model": "m", "dimension": "mos", "file": [f"f{i}" for i in range(300)],
                          "y_true": true, "y_pred": pred})
    boot = score_table(frame, n_boot=200, seed=0, kendall_ci="bootstrap")["results"][0]["ci"]["kendall"]
    assert abs(boot[0] - lo) < 0.03 and abs(boot[1] - hi) < 0.03
    assert fisher_z_kendall_ci(0.5, 4) == [pytest.approx(math.nan, nan_ok=True)] * 2
