"""File-level bootstrap of the speech-quality metrics, seeded and vectorised.

A replicate draws the report's file list with replacement; it is held as a count matrix
(replicates x files: how often each file was drawn), shared by every (model, dimension), so all
CIs of one report use the same resamples. Every statistic is then a weighted statistic with
those counts as weights, over the files a (model, dimension) has a scored value for (a file it
has no score for adds nothing to its replicate):

- MAE and RMSE: weighted mean absolute / squared error.
- Pearson: weighted moments (one matrix product per chunk of replicates).
- Spearman: Pearson of the replicate's own mid-ranks (ties share the average rank), computed
  from running sums of the counts in sorted order (or, for a side with at most 64 distinct
  values, from per-value group sums), so a drawn-twice file counts as two tied values exactly as
  in the materialised resample (a test checks every replicate against scipy).
- Kendall tau-b is not bootstrapped by default (no vectorised form; O(n log n) per replicate):
  its interval is the Fisher-z interval with the Fieller-Hartley-Pearson (1957) variance
  0.437 / (n - 4). ``kendall="bootstrap"`` computes it from the replicates with scipy instead.

Intervals are the percentile intervals of the finite replicates (``jasco.report.bootstrap``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from jasco.report.bootstrap import CONFIDENCE, percentile_ci

STATISTICS = ("mae", "rmse", "pearson", "spearman", "kendall")
CHUNK_BYTES = 64 << 20  # one (replicates x files) float64 block of work, at most; several are alive at once
MAX_CHUNK = 512  # replicates per block: larger blocks measured faster up to here (fewer, longer numpy calls)
FHP_VARIANCE = 0.437  # Fieller, Hartley & Pearson (1957): var(atanh(tau)) ~ 0.437 / (n - 4)


@dataclass(frozen=True)
class Series:
    """One (model, dimension): its scored files (positions in the shared file list) and values."""

    positions: np.ndarray  # int, positions into the report's file list
    y_true: np.ndarray
    y_pred: np.ndarray


def count_chunks(n_files: int, n_boot: int, seed: int, chunk: int | None = None) -> Iterator[np.ndarray]:
    """(rows, n_files) float64 draw counts, ``n_boot`` rows in all, from numpy's PCG64(seed).

    Each row holds n_files uniform draws with replacement; rows come in blocks of ``chunk`` (by
    default as many as fit CHUNK_BYTES, 16 to MAX_CHUNK). The block size does not change the draws."""
    chunk = chunk or max(16, min(MAX_CHUNK, CHUNK_BYTES // (8 * max(n_files, 1))))
    rng = np.random.default_rng(seed)
    for start in range(0, n_boot, chunk):
        rows = min(chunk, n_boot - start)
        draws = rng.integers(0, n_files, size=(rows, n_files))
        flat = (draws + (np.arange(rows) * n_files)[:, None]).ravel()
        yield np.bincount(flat, minlength=rows * n_files).reshape(rows, n_files).astype(np.float64)


def _correlation(n: np.ndarray, co: np.ndarray, var_x: np.ndarray, var_y: np.ndarray,
                 ref_x: np.ndarray, ref_y: np.ndarray) -> np.ndarray:
    """co / sqrt(var_x var_y) (centred sums); NaN where n < 2 or a side is constant in that replicate.

    A side counts as constant when its centred sum of squares is below 1e-12 of its raw one."""
    with np.errstate(invalid="ignore", divide="ignore"):
        defined = (n >= 2) & (var_x > 1e-12 * ref_x) & (var_y > 1e-12 * ref_y)
        r = co / np.sqrt(np.where(defined, var_x * var_y, 1.0))
    return np.where(defined, np.clip(r, -1.0, 1.0), np.nan)


DENSE_GROUPS = 64  # up to this many distinct values, ranks come from per-value group sums


class _Ranker:
    """Per replicate mid-ranks of one side's values, and the sum of cubed tie sizes, from draw counts.

    Items are in the series' base order (sorted by human rating). A value group's size in a
    replicate is G = its draws (drawn duplicates are ties too); its mid-rank r is the draws before
    it plus (G + 1) / 2. Ranks are handed out as s = 2r - 1 (a sum of two running counts), which
    saves two passes over the replicate matrix; callers undo it with r = (s + 1) / 2."""

    def __init__(self, values: np.ndarray, base_is_sorted: bool) -> None:
        order = np.argsort(values, kind="stable")
        ordered = values[order]
        starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
        ends = np.append(starts[1:], len(values))
        self.group = np.empty(len(values), dtype=np.int64)
        self.group[order] = np.repeat(np.arange(len(starts)), ends - starts)
        self.dense = len(starts) <= DENSE_GROUPS
        self.starts = starts
        self.in_order = base_is_sorted and bool(np.all(order == np.arange(len(values))))
        self.order = order
        self.low, self.high = starts[self.group], ends[self.group]  # per item: its group's a, b + 1
        tied = (ends - starts) > 1
        self.tied_low, self.tied_high = starts[tied], ends[tied]
        self.tied_items = np.flatnonzero(np.repeat(tied, ends - starts))

    @staticmethod
    def group_midranks(sizes: np.ndarray) -> np.ndarray:
        return np.cumsum(sizes, axis=1) - (sizes - 1.0) / 2.0

    def group_sums(self, values: np.ndarray) -> np.ndarray:
        """(rows, groups): per replicate row, the sum of ``values`` over each group of equal values."""
        return np.add.reduceat(np.take(values, self.order, axis=1), self.starts, axis=1)

    def doubled_ranks(self, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(2 r - 1 per item, sum of cubed tie sizes) per replicate, from the running draw counts."""
        sorted_weights = weights if self.in_order else np.take(weights, self.order, axis=1)
        running = np.zeros((weights.shape[0], weights.shape[1] + 1))
        np.cumsum(sorted_weights, axis=1, out=running[:, 1:])
        if self.in_order and len(self.tied_low) == 0:
            doubled = running[:, :-1] + running[:, 1:]
        else:  # np.take: several times faster than running[:, index]
            doubled = np.take(running, self.low, axis=1)
            doubled += np.take(running, self.high, axis=1)
        cubes = np.einsum("ij,ij,ij->i", sorted_weights, sorted_weights, sorted_weights)  # as if no value ties
        if len(self.tied_low):
            sizes = np.take(running, self.tied_high, axis=1) - np.take(running, self.tied_low, axis=1)
            inside = np.take(sorted_weights, self.tied_items, axis=1)
            cubes += np.einsum("ij,ij,ij->i", sizes, sizes, sizes) - np.einsum("ij,ij,ij->i", inside, inside, inside)
        return doubled, cubes


@dataclass(frozen=True)
class _Prepared:
    """One series laid out in the order of its human ratings, with a ranker per side."""

    positions: np.ndarray  # file positions, in y_true order
    table: np.ndarray  # (k, 8) summed per replicate: 1, |e|, e^2, x, y, x^2, y^2, xy (x, y centred)
    x_ranks: _Ranker
    y_ranks: _Ranker

    @classmethod
    def of(cls, series: Series) -> _Prepared:
        order = np.argsort(series.y_true, kind="stable")
        true, pred = series.y_true[order], series.y_pred[order]
        x, y, error = true - true.mean(), pred - pred.mean(), pred - true
        y_ranks = _Ranker(pred, base_is_sorted=False)
        table = np.column_stack([np.ones_like(x), np.abs(error), error * error, x, y, x * x, y * y, x * y])
        return cls(series.positions[order], table, _Ranker(true, base_is_sorted=True), y_ranks)

    def statistics(self, counts: np.ndarray) -> dict[str, np.ndarray]:
        weights = np.take(counts, self.positions, axis=1)
        n, abs_error, squared_error, sx, sy, sxx, syy, sxy = (weights @ self.table).T
        with np.errstate(invalid="ignore", divide="ignore"):
            out = {"mae": abs_error / n, "rmse": np.sqrt(squared_error / n),
                   "pearson": _correlation(n, sxy - sx * sy / n, sxx - sx * sx / n, syy - sy * sy / n, sxx, syy)}
        doubled_x, ties_x = self.x_ranks.doubled_ranks(weights)
        rank_sum = n * (n + 1.0) / 2.0  # the ranks of a replicate sum to n (n + 1) / 2, ties or not
        if self.y_ranks.dense:  # sum w r_x r_y = 1/2 sum_g r_y,g (sum_{i in g} w_i s_x,i) + 1/2 sum w r_y
            sizes = self.y_ranks.group_sums(weights)
            doubled_x *= weights
            products = np.einsum("ij,ij->i", self.y_ranks.group_sums(doubled_x), _Ranker.group_midranks(sizes))
            co = (products + rank_sum) / 2.0
            ties_y = np.einsum("ij,ij,ij->i", sizes, sizes, sizes)
        else:  # sum w r_x r_y = 1/4 (sum w s_x s_y + 2 n^2 + n), as sum w s = n^2
            doubled_y, ties_y = self.y_ranks.doubled_ranks(weights)
            co = (np.einsum("ij,ij,ij->i", weights, doubled_x, doubled_y) + 2.0 * n * n + n) / 4.0
        cube = n**3
        # centred sums: co - n mean^2, and of squares (n^3 - sum of cubed tie sizes) / 12
        with np.errstate(invalid="ignore", divide="ignore"):  # a replicate that drew none of the files
            out["spearman"] = _correlation(n, co - rank_sum**2 / n, (cube - ties_x) / 12.0, (cube - ties_y) / 12.0,
                                           cube / 12.0, cube / 12.0)
        return out


def replicate_statistics(all_series: list[Series], n_files: int, n_boot: int, seed: int,
                         kendall: str = "fisher-z") -> list[dict[str, np.ndarray]]:
    """Per series, per replicate: MAE, RMSE, Pearson, Spearman (and Kendall if ``kendall='bootstrap'``).

    All series share the same ``n_boot`` resamples of the ``n_files`` files (``count_chunks``);
    the series of one block of replicates run on a thread pool (numpy releases the GIL)."""
    if kendall not in ("fisher-z", "bootstrap"):
        raise ValueError(f"kendall must be 'fisher-z' or 'bootstrap', got {kendall!r}")
    prepared = [_Prepared.of(s) if len(s.positions) else None for s in all_series]
    names = STATISTICS if kendall == "bootstrap" else STATISTICS[:4]

    def one(counts: np.ndarray, index: int) -> dict[str, np.ndarray]:
        plan, series = prepared[index], all_series[index]
        if plan is None:  # nothing scored: every replicate is undefined
            return {name: np.full(len(counts), np.nan) for name in names}
        values = plan.statistics(counts)
        if kendall == "bootstrap":
            weights = np.take(counts, series.positions, axis=1)
            values["kendall"] = _kendall_by_materialising(weights, series.y_true, series.y_pred)
        return values

    out: list[dict[str, list[np.ndarray]]] = [{name: [] for name in names} for _ in all_series]
    with ThreadPoolExecutor(max_workers=max(1, min(len(all_series), os.cpu_count() or 1))) as pool:
        for counts in count_chunks(n_files, n_boot, seed):
            for index, values in enumerate(pool.map(lambda i, c=counts: one(c, i), range(len(all_series)))):
                for name in names:
                    out[index][name].append(values[name])
    return [{name: np.concatenate(v) for name, v in values.items()} for values in out]


def _kendall_by_materialising(weights: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    from scipy.stats import kendalltau

    values = []
    for row in weights.astype(np.int64):
        x, y = np.repeat(y_true, row), np.repeat(y_pred, row)
        values.append(np.nan if len(x) < 2 or np.ptp(x) == 0 or np.ptp(y) == 0 else kendalltau(x, y).statistic)
    return np.asarray(values, dtype=float)


def fisher_z_kendall_ci(tau: float, n: int, confidence: float = CONFIDENCE) -> list[float]:
    """Fisher-z interval for Kendall's tau with the Fieller-Hartley-Pearson variance ([nan, nan] if n <= 4)."""
    if n <= 4 or not math.isfinite(tau):
        return [float("nan"), float("nan")]
    from scipy.stats import norm

    z = math.atanh(min(max(tau, -0.999999), 0.999999))
    half = float(norm.ppf(0.5 + confidence / 2.0)) * math.sqrt(FHP_VARIANCE / (n - 4))
    return [math.tanh(z - half), math.tanh(z + half)]


def confidence_intervals(replicates: dict[str, np.ndarray], confidence: float = CONFIDENCE) -> dict[str, list[float]]:
    return {name: percentile_ci(values, confidence) for name, values in replicates.items()}
