"""Agreement between judges: Fleiss' kappa, Cohen's kappa and Krippendorff's alpha, from scratch.

Small pure functions on plain arrays (numpy only, so ``jasco report`` needs no statistics
package), checked in tests against published worked examples and cross-checked on random and
edge-case data against scikit-learn (``cohen_kappa_score``), statsmodels (``fleiss_kappa``,
``cohens_kappa``) and the ``krippendorff`` package. Cohen's kappa takes weights: unweighted for
nominal labels (orientation), quadratic for the ordinal rating. Undefined values (e.g. kappa
when every label is the same, so chance agreement is 1) are NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np


def fleiss_kappa(counts: np.ndarray) -> float:
    """Fleiss' kappa of an (items x categories) count table; every row sums to the same n >= 2
    raters. P_i = (sum_j n_ij^2 - n) / (n (n-1)); p_j = column total / (N n);
    kappa = (mean P_i - sum p_j^2) / (1 - sum p_j^2)."""
    table = np.asarray(counts, dtype=float)
    if table.ndim != 2 or table.shape[0] == 0:
        return float("nan")
    raters = table.sum(axis=1)
    n = raters[0]
    if n < 2 or not np.all(raters == n):
        raise ValueError("fleiss_kappa needs the same number (>= 2) of ratings for every item")
    agreement = ((table**2).sum(axis=1) - n) / (n * (n - 1))
    shares = table.sum(axis=0) / table.sum()
    chance = float((shares**2).sum())
    if chance >= 1.0:
        return float("nan")
    return float((agreement.mean() - chance) / (1.0 - chance))


KAPPA_WEIGHTS = (None, "linear", "quadratic")


def cohen_kappa(
    first: Sequence[object], second: Sequence[object], *, weights: str | None = None,
    labels: Sequence[object] | None = None,
) -> float:
    """Cohen's kappa of two raters' labels on the same items: 1 - sum(w * observed) /
    sum(w * expected), where observed is the joint share table, expected the product of the two
    raters' marginal shares and w the disagreement weight of a pair of labels at positions i, j
    in ``labels`` (default: the sorted labels seen): 1 if i != j (``weights=None``, then
    (p_o - p_e) / (1 - p_e)), |i - j| (``"linear"``) or (i - j)^2 (``"quadratic"``, for ordinal
    ratings: pass ``labels=(0, 1, 2)`` so that the positions are the values). NaN when no item,
    or when the expected disagreement is 0 (every label the same)."""
    if weights not in KAPPA_WEIGHTS:
        raise ValueError(f"cohen_kappa weights must be one of {KAPPA_WEIGHTS}, not {weights!r}")
    if len(first) != len(second):
        raise ValueError("cohen_kappa needs two label lists of the same length")
    if not first:
        return float("nan")
    order = list(labels) if labels is not None else sorted(set(first) | set(second), key=str)
    index = {label: position for position, label in enumerate(order)}
    unknown = (set(first) | set(second)) - set(index)
    if unknown:
        raise ValueError(f"cohen_kappa: labels {sorted(unknown, key=str)} are not in {order}")
    table = np.zeros((len(order), len(order)))
    for a, b in zip(first, second, strict=True):
        table[index[a], index[b]] += 1
    table /= table.sum()
    positions = np.arange(len(order))
    distance = np.abs(positions[:, None] - positions[None, :]).astype(float)
    weight = {None: (distance > 0).astype(float), "linear": distance, "quadratic": distance**2}[weights]
    expected = float((weight * np.outer(table.sum(axis=1), table.sum(axis=0))).sum())
    if expected <= 0.0:
        return float("nan")
    return float(1.0 - (weight * table).sum() / expected)


def _nominal(values: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
    return (values[:, None] != values[None, :]).astype(float)


def _interval(values: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
    return (values[:, None] - values[None, :]) ** 2


def _ordinal(values: np.ndarray, frequencies: np.ndarray) -> np.ndarray:
    """delta^2(c, k) = (sum of n_g for g from c to k - (n_c + n_k) / 2)^2, values sorted."""
    cumulative = np.concatenate([[0.0], np.cumsum(frequencies)])
    size = len(values)
    delta = np.zeros((size, size))
    for c in range(size):
        for k in range(size):
            lo, hi = min(c, k), max(c, k)
            between = cumulative[hi + 1] - cumulative[lo]
            delta[c, k] = (between - (frequencies[c] + frequencies[k]) / 2.0) ** 2
    return delta


METRICS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "nominal": _nominal,
    "interval": _interval,
    "ordinal": _ordinal,
}


def krippendorff_alpha(data: np.ndarray, level: str = "ordinal") -> float:
    """Krippendorff's alpha of (coders x units) numeric data, NaN = missing.

    Only units with >= 2 values are pairable. Coincidences o_ck = sum over units of
    (ordered c-k value pairs in the unit) / (m_u - 1); n_c = sum_k o_ck; n = sum n_c;
    alpha = 1 - (n - 1) * sum o_ck d_ck / sum_{c,k} n_c n_k d_ck  (d = the level's delta^2)."""
    matrix = np.asarray(data, dtype=float)
    values = np.unique(matrix[~np.isnan(matrix)])
    if values.size == 0:
        return float("nan")
    position = {value: index for index, value in enumerate(values)}
    coincidence = np.zeros((values.size, values.size))
    for unit in matrix.T:
        present = unit[~np.isnan(unit)]
        m = present.size
        if m < 2:
            continue
        unit_counts = np.zeros(values.size)
        for value in present:
            unit_counts[position[value]] += 1
        pairs = np.outer(unit_counts, unit_counts) - np.diag(unit_counts)
        coincidence += pairs / (m - 1)
    frequencies = coincidence.sum(axis=1)
    n = frequencies.sum()
    if n <= 1:
        return float("nan")
    delta = METRICS[level](values, frequencies)
    expected = float((np.outer(frequencies, frequencies) * delta).sum())
    if expected == 0.0:
        return float("nan")
    return float(1.0 - (n - 1) * (coincidence * delta).sum() / expected)
