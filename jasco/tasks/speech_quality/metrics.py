"""Speech-quality metrics per model x dimension: small pure functions with stated denominators.

Input is a long table, one row per (model, dimension, file) (per (model, family, dimension, file)
when a ``family`` column says which question family asked): ``y_true`` (the human rating),
``y_pred`` (the extracted or predicted value; NaN = unscored) and optionally ``con`` (the NISQA
condition) and ``status`` (the extractor's status). Per (model[, family], dimension):

- ``n_total``: its rows; ``n``: rows with a score; ``coverage = n / n_total``; ``unscored_share =
  1 - coverage``; ``flagged`` when unscored_share > ``max_unscored`` (default 5%, as JASCO's
  ``--max-unscored``).
- MAE, RMSE, Pearson, Spearman and Kendall tau-b over its n scored files (the file is the unit).
  With n < 2, or a side constant, the correlations are undefined (NaN, None in JSON).
- Per condition (as NISQA reports): per ``con``, the mean human and the mean predicted value over
  the condition's scored files; then the same five metrics over the conditions that have one.
- 95% file-level bootstrap intervals (``resample.py``) over the report's shared file list.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from jasco.tasks.speech_quality.resample import (
    STATISTICS,
    Series,
    confidence_intervals,
    fisher_z_kendall_ci,
    replicate_statistics,
)
from jasco.tasks.speech_quality.scale import QUANTITIES

REQUIRED_COLUMNS = ("model", "dimension", "file", "y_true", "y_pred")
DEFAULT_MAX_UNSCORED = 0.05


class ScoresError(ValueError):
    """The scores table is malformed; the message names the source and the row."""


def regression_metrics(y_true: Any, y_pred: Any) -> dict[str, Any]:
    """n, MAE, RMSE, Pearson, Spearman and Kendall tau-b over the given pairs (all of them).

    Callers pass scored pairs only. n == 0: every metric NaN; n < 2 or a constant side: the
    three correlations NaN. MAE = mean |pred - true|, RMSE = sqrt(mean (pred - true)^2); Pearson,
    Spearman (average ranks for ties) and Kendall tau-b as scipy computes them."""
    from scipy.stats import kendalltau, pearsonr, spearmanr

    true = np.asarray(y_true, dtype=float)
    pred = np.asarray(y_pred, dtype=float)
    if true.shape != pred.shape or true.ndim != 1:
        raise ScoresError(f"y_true and y_pred must be two vectors of one length, got {true.shape} and {pred.shape}")
    nan = float("nan")
    result: dict[str, Any] = {"n": int(true.size), "mae": nan, "rmse": nan, "pearson": nan, "spearman": nan,
                              "kendall": nan}
    if true.size == 0:
        return result
    diff = pred - true
    result["mae"] = float(np.mean(np.abs(diff)))
    result["rmse"] = float(np.sqrt(np.mean(diff**2)))
    if true.size >= 2 and np.ptp(true) > 0 and np.ptp(pred) > 0:
        result["pearson"] = float(pearsonr(true, pred).statistic)
        result["spearman"] = float(spearmanr(true, pred).statistic)
        result["kendall"] = float(kendalltau(true, pred, variant="b").statistic)
    return result


def validate_scores(frame: pd.DataFrame, source: str = "scores") -> pd.DataFrame:
    """Check columns, dimensions, labels and duplicates; return a clean copy (floats, strings)."""
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise ScoresError(f"{source}: missing column(s) {', '.join(missing)} (need {', '.join(REQUIRED_COLUMNS)})")
    table = frame.copy()
    for column in ("model", "dimension", "file", *(["family"] if "family" in table.columns else [])):
        if not pd.api.types.is_string_dtype(table[column]):
            table[column] = table[column].astype(str)
    unknown = sorted(set(table["dimension"]) - set(QUANTITIES))
    if unknown:
        raise ScoresError(f"{source}: unknown dimension(s) {', '.join(unknown)}; known: {', '.join(QUANTITIES)}")
    for column in ("y_true", "y_pred"):
        if pd.api.types.is_numeric_dtype(table[column]):
            table[column] = table[column].astype(float)
            continue
        values = pd.to_numeric(table[column], errors="coerce")
        bad = values.isna() & table[column].notna() & (table[column].astype(str).str.strip() != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise ScoresError(f"{source}: row {row + 1}: {column} {table[column].iloc[row]!r} is not a number")
        table[column] = values.astype(float)
    if table["y_true"].isna().any():
        row = int(np.flatnonzero(table["y_true"].isna().to_numpy())[0])
        raise ScoresError(f"{source}: row {row + 1}: no human rating (y_true) for {table['file'].iloc[row]}")
    keys = [*group_keys(table), "file"]
    duplicated = table.duplicated(keys)
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        key = tuple(table[c].iloc[row] for c in keys)
        raise ScoresError(f"{source}: row {row + 1}: duplicate ({', '.join(keys)}) {key}")
    return table


def group_keys(table: pd.DataFrame) -> list[str]:
    """Results are per (model, dimension), or per (model, family, dimension) when a family column is given."""
    return ["model", "family", "dimension"] if "family" in table.columns else ["model", "dimension"]


def per_condition_metrics(group: pd.DataFrame) -> dict[str, Any] | None:
    """Metrics over condition means of the scored files; None without a ``con`` column."""
    if "con" not in group.columns or group["con"].isna().all():
        return None
    scored = group[group["y_pred"].notna() & group["con"].notna()]
    means = scored.groupby("con", sort=True)[["y_true", "y_pred"]].mean()
    result = regression_metrics(means["y_true"].to_numpy(), means["y_pred"].to_numpy())
    result["n_conditions"] = result.pop("n")
    result["n_conditions_total"] = int(group["con"].nunique())
    return result


def score_table(frame: pd.DataFrame, *, n_boot: int = 1000, seed: int = 0, confidence: float = 0.95,
                max_unscored: float = DEFAULT_MAX_UNSCORED, kendall_ci: str = "fisher-z",
                source: str = "scores") -> dict[str, Any]:
    """The report payload: ``results`` (one entry per model x dimension) and how it was computed."""
    if not 0.0 <= max_unscored <= 1.0:
        raise ScoresError(f"max_unscored must be a share between 0 and 1, got {max_unscored}")
    table = validate_scores(frame, source)
    files, positions = np.unique(table["file"].to_numpy(dtype=str), return_inverse=True)  # sorted file list
    table["position"] = positions.astype(np.int64)
    keys = group_keys(table)
    groups = list(table.groupby(keys, sort=False))
    groups.sort(key=lambda item: (*(str(k) for k in item[0][:-1]), QUANTITIES.index(str(item[0][-1]))))
    results, all_series = [], []
    for names, group in groups:
        scored = group[group["y_pred"].notna()]
        entry: dict[str, Any] = {key: str(name) for key, name in zip(keys, names, strict=True)}
        entry.update(regression_metrics(scored["y_true"].to_numpy(), scored["y_pred"].to_numpy()))
        n_total = len(group)
        entry["n_total"] = n_total
        entry["n_unscored"] = n_total - entry["n"]
        entry["coverage"] = entry["n"] / n_total
        entry["unscored_share"] = entry["n_unscored"] / n_total
        entry["flagged"] = entry["unscored_share"] > max_unscored
        if "status" in group.columns:
            unscored = group.loc[group["y_pred"].isna(), "status"].astype(str)
            entry["unscored_by_status"] = {str(k): int(v) for k, v in unscored.value_counts().sort_index().items()}
        entry["per_condition"] = per_condition_metrics(group)
        results.append(entry)
        all_series.append(Series(scored["position"].to_numpy(), scored["y_true"].to_numpy(dtype=float),
                                 scored["y_pred"].to_numpy(dtype=float)))
    replicates = replicate_statistics(all_series, len(files), n_boot, seed, kendall=kendall_ci) if len(files) else []
    for entry, values in zip(results, replicates, strict=True):
        entry["ci"] = confidence_intervals(values, confidence)
        if kendall_ci == "fisher-z":
            entry["ci"]["kendall"] = fisher_z_kendall_ci(entry["kendall"], entry["n"], confidence)
    return {
        "results": results,
        "flagged": [{**{k: e[k] for k in keys}, "unscored_share": e["unscored_share"]}
                    for e in results if e["flagged"]],
        "max_unscored": max_unscored,
        "n_files": len(files),
        "bootstrap": {"n_boot": n_boot, "seed": seed, "confidence": confidence, "unit": "file",
                      "statistics": list(STATISTICS), "kendall_ci": kendall_ci},
    }

