"""Speech-quality metrics and bootstrap speed on one machine, in one run (not a test).

Synthetic numbers the size of the whole NISQA corpus: 14,432 files x 5 dimensions, human
ratings uniform on 1-5, predictions the rating plus noise rounded to one decimal (ties, as LLM
answers have), 3% unscored. Measured:

  score_table    the full payload: point metrics, per condition, 1000 file-level bootstrap
                 resamples of MAE, RMSE, Pearson and Spearman (vectorised), Kendall's interval
  points only    score_table with 1 resample (what the bootstrap adds is the difference)
  naive loop     the same bootstrap done the obvious way (materialise each resample, scipy per
                 statistic), timed on a few resamples and scaled to 1000: the speed-up ratio

    PYTHONPATH=$PWD python benchmarks/speech_quality_metrics.py [--files 14432] [--n-boot 1000]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time

import numpy as np
import pandas as pd


def synthetic(n_files: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    files = [f"DB/deg/f{i:05d}" for i in range(n_files)]
    conditions = [f"c{i // 4}" for i in range(n_files)]
    frames = []
    for dimension in ("mos", "noi", "col", "dis", "loud"):
        true = rng.uniform(1, 5, n_files)
        pred = np.round(np.clip(true + rng.normal(0, 0.6, n_files), 1, 5), 1)
        pred[rng.random(n_files) < 0.03] = np.nan
        frames.append(pd.DataFrame({"model": "synthetic", "dimension": dimension, "file": files, "con": conditions,
                                    "y_true": true, "y_pred": pred}))
    return pd.concat(frames, ignore_index=True)


def best_of(repeats: int, function) -> tuple[float, float]:
    """(best wall seconds, CPU seconds of that run)."""
    best = (float("inf"), 0.0)
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        best = min(best, (time.perf_counter() - wall, time.process_time() - cpu))
    return best


def naive_seconds_per_resample(frame: pd.DataFrame, resamples: int) -> float:
    from scipy.stats import pearsonr, spearmanr

    rng = np.random.default_rng(0)
    groups = [g[g["y_pred"].notna()] for _, g in frame.groupby("dimension")]
    start = time.perf_counter()
    for _ in range(resamples):
        for group in groups:
            index = rng.integers(0, len(group), len(group))
            true, pred = group["y_true"].to_numpy()[index], group["y_pred"].to_numpy()[index]
            np.mean(np.abs(pred - true))
            np.sqrt(np.mean((pred - true) ** 2))
            pearsonr(true, pred)
            spearmanr(true, pred)
    return (time.perf_counter() - start) / resamples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=14_432)
    parser.add_argument("--n-boot", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3, help="each timing is the best of this many runs")
    parser.add_argument("--naive-resamples", type=int, default=20)
    args = parser.parse_args()

    import scipy.stats  # noqa: F401  (imported once, outside the timings)

    from jasco.tasks.speech_quality.metrics import score_table

    frame = synthetic(args.files)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"rows: {len(frame):,} ({args.files:,} files x 5 dimensions), {args.n_boot} resamples")
    full_wall, full_cpu = best_of(args.repeats, lambda: score_table(frame, n_boot=args.n_boot, seed=0))
    point_wall, point_cpu = best_of(args.repeats, lambda: score_table(frame, n_boot=1, seed=0))
    naive = naive_seconds_per_resample(frame, args.naive_resamples) * args.n_boot
    print(f"score_table, {args.n_boot} resamples: {full_wall:6.2f} s wall ({full_cpu:.2f} s CPU)")
    print(f"score_table, points only:       {point_wall:6.2f} s wall ({point_cpu:.2f} s CPU)")
    print(f"naive bootstrap loop (scaled):  {naive:6.1f} s wall, from {args.naive_resamples} resamples")
    print(f"speed-up of the vectorised bootstrap over the naive loop: {naive / max(full_wall - point_wall, 1e-9):.0f}x")
    print(f"peak resident memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")


if __name__ == "__main__":
    main()
