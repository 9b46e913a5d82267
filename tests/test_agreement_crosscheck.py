"""jasco.tasks.jasco.report.agreement against scikit-learn, statsmodels and the krippendorff package.

The agreement code is our own (numpy only, so ``jasco report`` needs no statistics package); here
it must equal the libraries on random data and on edge cases: every label the same, a label
never used, missing ratings, tiny samples. Where a library raises or warns on an undefined value
ours is NaN.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from jasco.tasks.jasco.report.agreement import cohen_kappa, fleiss_kappa, krippendorff_alpha

krippendorff = pytest.importorskip("krippendorff")
sklearn_metrics = pytest.importorskip("sklearn.metrics")
inter_rater = pytest.importorskip("statsmodels.stats.inter_rater")

RATINGS = (0, 1, 2)
ORIENTATIONS = ("Audio-Oriented", "Both", "Speech-Oriented", "Neither")
WEIGHTS = [None, "linear", "quadratic"]


def _sklearn_kappa(first: list, second: list, weights: str | None, labels: tuple | None = None) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it warns (and returns NaN) where kappa is undefined
        return float(sklearn_metrics.cohen_kappa_score(first, second, weights=weights, labels=labels))


def _statsmodels_kappa(first: list, second: list, weights: str | None) -> float:
    table = np.zeros((3, 3))
    for a, b in zip(first, second, strict=True):
        table[a, b] += 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(inter_rater.cohens_kappa(table, wt=weights, return_results=False))


@pytest.mark.parametrize("weights", WEIGHTS)
@pytest.mark.parametrize("seed", range(6))
def test_cohen_kappa_equals_sklearn_and_statsmodels_on_random_ratings(weights: str | None, seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(2, 120))
    first = list(rng.integers(0, 3, size))
    # correlated second rater, so kappa is not always near 0
    second = [a if rng.random() < 0.6 else int(rng.integers(0, 3)) for a in first]
    ours = cohen_kappa(first, second, weights=weights, labels=RATINGS)
    assert ours == pytest.approx(_sklearn_kappa(first, second, weights, RATINGS), nan_ok=True)
    assert ours == pytest.approx(_statsmodels_kappa(first, second, weights), nan_ok=True)


@pytest.mark.parametrize("seed", range(4))
def test_unweighted_kappa_on_orientation_labels_equals_sklearn(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    first = list(rng.choice(ORIENTATIONS, 80))
    second = [a if rng.random() < 0.5 else str(rng.choice(ORIENTATIONS)) for a in first]
    assert cohen_kappa(first, second) == pytest.approx(_sklearn_kappa(first, second, None))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ([1, 1, 1, 1], [1, 1, 1, 1]),  # every label the same: undefined
        ([2], [2]),
        ([0, 0, 0, 0], [0, 1, 2, 2]),  # one rater constant: kappa 0
        ([0, 2, 2, 0], [0, 2, 0, 2]),  # the middle rating never used
        ([0, 2], [2, 0]),  # total disagreement
        ([0, 1, 2], [0, 1, 2]),  # total agreement
    ],
)
@pytest.mark.parametrize("weights", WEIGHTS)
def test_cohen_kappa_edge_cases_equal_sklearn(first: list, second: list, weights: str | None) -> None:
    expected = _sklearn_kappa(first, second, weights, RATINGS)
    assert cohen_kappa(first, second, weights=weights, labels=RATINGS) == pytest.approx(expected, nan_ok=True)


def test_quadratic_kappa_by_hand() -> None:
    """The golden report's rating pairs (2,2) (1,0) (1,1) (0,0) (1,2): observed weighted
    disagreement (1 + 1)/5 = 2/5; marginals X 1/5 3/5 1/5, Y 2/5 1/5 2/5; expected
    (1*1 + 4*2 + 1*6 + 1*6 + 4*2 + 1*1)/25 = 6/5 -> kappa = 1 - (2/5)/(6/5) = 2/3 (unweighted: 4/9)."""
    first, second = [2, 1, 1, 0, 1], [2, 0, 1, 0, 2]
    assert cohen_kappa(first, second, weights="quadratic", labels=RATINGS) == pytest.approx(2 / 3)
    assert cohen_kappa(first, second) == pytest.approx(4 / 9)
    # quadratic weights punish a 0-2 disagreement four times as hard as a 0-1 one
    near = cohen_kappa([0, 1, 2, 0, 1, 2], [1, 1, 2, 0, 1, 2], weights="quadratic", labels=RATINGS)
    far = cohen_kappa([0, 1, 2, 0, 1, 2], [2, 1, 2, 0, 1, 2], weights="quadratic", labels=RATINGS)
    assert near > far


def test_cohen_kappa_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="weights"):
        cohen_kappa([0], [0], weights="cubic")
    with pytest.raises(ValueError, match="not in"):
        cohen_kappa([0, 3], [0, 1], labels=RATINGS)
    with pytest.raises(ValueError, match="same length"):
        cohen_kappa([0, 1], [0])
    assert np.isnan(cohen_kappa([], [], weights="quadratic"))


def _fleiss_table(rng: np.random.Generator, items: int, raters: int, categories: int) -> np.ndarray:
    table = np.zeros((items, categories), dtype=int)
    for row in table:
        favourite = rng.integers(0, categories)
        for _ in range(raters):
            row[favourite if rng.random() < 0.5 else rng.integers(0, categories)] += 1
    return table


@pytest.mark.parametrize("seed", range(6))
def test_fleiss_kappa_equals_statsmodels_on_random_tables(seed: int) -> None:
    rng = np.random.default_rng(200 + seed)
    table = _fleiss_table(rng, int(rng.integers(1, 90)), int(rng.integers(2, 6)), 4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = float(inter_rater.fleiss_kappa(table, method="fleiss"))
    assert fleiss_kappa(table) == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize(
    "table",
    [
        [[3, 0, 0, 0], [3, 0, 0, 0]],  # every rater, every item the same label: undefined
        [[2, 0, 0, 0], [0, 0, 2, 0], [1, 0, 1, 0]],  # two labels never used
        [[1, 1, 0, 0], [0, 0, 1, 1]],  # no item agreed on
    ],
)
def test_fleiss_kappa_edge_cases_equal_statsmodels(table: list) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = float(inter_rater.fleiss_kappa(np.array(table), method="fleiss"))
    assert fleiss_kappa(np.array(table)) == pytest.approx(expected, nan_ok=True)


def _krippendorff(data: np.ndarray, level: str) -> float:
    try:
        return float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
    except ValueError:  # "There has to be more than one value in the domain": undefined
        return float("nan")


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
@pytest.mark.parametrize("seed", range(6))
def test_krippendorff_alpha_equals_the_package_with_missing_ratings(level: str, seed: int) -> None:
    rng = np.random.default_rng(300 + seed)
    judges, items = int(rng.integers(2, 5)), int(rng.integers(3, 60))
    truth = rng.integers(0, 3, items)
    data = np.array([[t if rng.random() < 0.7 else rng.integers(0, 3) for t in truth] for _ in range(judges)], float)
    data[rng.random(data.shape) < 0.25] = np.nan  # unscored rows: missing ratings, some units unpairable
    assert krippendorff_alpha(data, level) == pytest.approx(_krippendorff(data, level), nan_ok=True)


NAN = np.nan


@pytest.mark.parametrize(
    "data",
    [
        [[1, 1, 1], [1, 1, 1]],  # every rating the same: undefined
        [[1, NAN, 2], [NAN, 0, NAN]],  # no unit with two ratings
        [[0, 2, NAN, 2], [0, 2, 1, NAN]],  # perfect agreement on the pairable units
        [[0, 1, 2, NAN], [2, 1, 0, 2], [NAN, NAN, NAN, NAN]],  # a judge with no scored row
    ],
)
@pytest.mark.parametrize("level", ["nominal", "ordinal"])
def test_krippendorff_alpha_edge_cases_equal_the_package(data: list, level: str) -> None:
    matrix = np.array(data, dtype=float)
    assert krippendorff_alpha(matrix, level) == pytest.approx(_krippendorff(matrix, level), nan_ok=True)
