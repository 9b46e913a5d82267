"""SpeechQualityLLM's predictions layout: read it, score their values as they did, re-extract with jasco.

Their evaluation writes one CSV per task (``predictions_<task>.csv``) with the columns
``task,dim_from_meta,question,gt_answer_template,generated,dim,y_true,y_pred,status``: one row
per sample, five consecutive rows (mos, noi, col, dis, loud) per sample for ``multi_dim``. A row
without a number has an empty ``y_pred``. Their metrics (``metrics_<task>.json``) leave those
rows out and count them (``n_no_number``); ``their_metrics`` computes the same numbers.

``reparse`` re-extracts every ``generated`` text with jasco's extractor and puts both values
side by side: their committed ``y_pred`` were not all produced by the rule in their code (first
number in [0, 6]); in the Reference explanatory file they are the last number of the text.
Samples are numbered in file order (``sample`` column); a sample's id is ``<file stem>#<sample>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jasco.tasks.speech_quality.extract import extract, extract_multi
from jasco.tasks.speech_quality.metrics import regression_metrics, score_table
from jasco.tasks.speech_quality.scale import QUANTITIES

COLUMNS = ("task", "dim_from_meta", "question", "gt_answer_template", "generated", "dim", "y_true", "y_pred",
           "status")
KIND_OF_TASK = {"mos_numeric": "numeric", "dim_numeric": "numeric", "dim_categ": "categorical",
                "multi_dim": "multi", "explanatory": "explanatory"}


class PredictionsError(ValueError):
    """A predictions file is not in SpeechQualityLLM's layout; the message names the file and row."""


def is_sqllm_layout(columns: Any) -> bool:
    return all(column in set(columns) for column in COLUMNS)


def read_predictions(path: str | Path, model: str | None = None) -> pd.DataFrame:
    """Their CSV, checked, with ``model``, ``sample`` and ``file`` (the sample id) added.

    Numbers are parsed with pandas' default (round-trip exact) float parser."""
    path = Path(path)
    try:
        frame = pd.read_csv(path, dtype={c: str for c in COLUMNS if c not in ("y_true", "y_pred")},
                            keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise PredictionsError(f"{path}: cannot read as CSV ({error})") from None
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise PredictionsError(f"{path}: not SpeechQualityLLM's predictions layout; missing column(s) "
                               f"{', '.join(missing)}")
    if frame.empty:
        raise PredictionsError(f"{path}: no rows")
    tasks = sorted(set(frame["task"]))
    if len(tasks) != 1 or tasks[0] not in KIND_OF_TASK:
        raise PredictionsError(f"{path}: one task per file expected, one of {', '.join(KIND_OF_TASK)}; got {tasks}")
    for row, dim in enumerate(frame["dim"]):
        if dim not in QUANTITIES:
            raise PredictionsError(f"{path}: row {row + 2}: unknown dim {dim!r}; known: {', '.join(QUANTITIES)}")
    for column in ("y_true", "y_pred"):
        frame[column] = _numbers(frame[column], path, column, allow_empty=column == "y_pred")
    frame["sample"] = _sample_numbers(frame, path, tasks[0])
    frame["model"] = model or path.stem
    frame["file"] = [f"{path.stem}#{s}" for s in frame["sample"]]
    return frame


def _numbers(values: pd.Series, path: Path, column: str, allow_empty: bool) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype(float)
    else:
        numbers = pd.to_numeric(values.replace("", np.nan), errors="coerce")
        bad = numbers.isna() & (values.astype(str).str.strip() != "")
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise PredictionsError(f"{path}: row {row + 2}: {column} {values.iloc[row]!r} is not a number")
    if not allow_empty and numbers.isna().any():
        row = int(np.flatnonzero(numbers.isna().to_numpy())[0])
        raise PredictionsError(f"{path}: row {row + 2}: {column} is empty")
    return numbers


def _sample_numbers(frame: pd.DataFrame, path: Path, task: str) -> np.ndarray:
    if task != "multi_dim":
        return np.arange(len(frame))
    dims = frame["dim"].tolist()
    expected = list(QUANTITIES) * (len(dims) // len(QUANTITIES))
    if dims != expected:
        row = next((i for i, (a, b) in enumerate(zip(dims, expected, strict=False)) if a != b), len(expected))
        raise PredictionsError(f"{path}: row {row + 2}: multi_dim rows must cycle {', '.join(QUANTITIES)}")
    return np.arange(len(frame)) // len(QUANTITIES)


def their_metrics(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per dim, their ``metrics_<task>.json`` numbers from their y_pred: rows without one left out."""
    out = {}
    for dim in [q for q in QUANTITIES if q in set(frame["dim"])]:
        rows = frame[frame["dim"] == dim]
        scored = rows[rows["y_pred"].notna()]
        got = regression_metrics(scored["y_true"].to_numpy(), scored["y_pred"].to_numpy())
        out[dim] = {"n": got["n"], "mae": got["mae"], "rmse": got["rmse"], "pearson_r": got["pearson"],
                    "spearman_rho": got["spearman"], "n_total": len(rows), "n_no_number": len(rows) - got["n"]}
    return out


def reparse(frame: pd.DataFrame) -> pd.DataFrame:
    """Every row with jasco's reading beside theirs (``jasco_y_pred``, ``jasco_status``, ``jasco_reason``)
    and ``differs``: one side scored and the other not, or both scored with different values."""
    kind = KIND_OF_TASK[str(frame["task"].iloc[0])]
    values, statuses, reasons = [], [], []
    cache: dict[str, Any] = {}
    for text, dim in zip(frame["generated"], frame["dim"], strict=True):
        if kind == "multi":
            if text not in cache:
                cache[text] = extract_multi(text)
            got = cache[text][dim]
        else:
            got = extract(text, dim, kind)
        values.append(got.value)
        statuses.append(got.status)
        reasons.append(got.reason)
    out = frame.copy()
    out["jasco_y_pred"] = pd.array(values, dtype="Float64").astype(float)
    out["jasco_status"] = statuses
    out["jasco_reason"] = reasons
    theirs, ours = out["y_pred"], out["jasco_y_pred"]
    out["differs"] = (theirs.isna() != ours.isna()) | (theirs.notna() & ours.notna() & (theirs != ours))
    return out


def scores(frame: pd.DataFrame, value_column: str = "y_pred", status_column: str = "status",
           model: str | None = None) -> pd.DataFrame:
    """The long scores table ``metrics.score_table`` reads, from their values or from jasco's."""
    return pd.DataFrame({
        "model": model or frame["model"], "family": frame["task"], "dimension": frame["dim"], "file": frame["file"],
        "y_true": frame["y_true"], "y_pred": frame[value_column], "status": frame[status_column],
    })


def reparse_summary(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``reparse(frame)`` and how the two readings differ: counts and the first five examples."""
    both = reparse(frame)
    differs = both[both["differs"]]
    summary = {
        "model": str(frame["model"].iloc[0]), "n_rows": len(both), "n_differ": len(differs),
        "n_only_theirs": int((differs["y_pred"].notna() & differs["jasco_y_pred"].isna()).sum()),
        "n_only_jasco": int((differs["y_pred"].isna() & differs["jasco_y_pred"].notna()).sum()),
        "n_both_different": int((differs["y_pred"].notna() & differs["jasco_y_pred"].notna()).sum()),
        "examples": [{"row": row + 2, "dim": r["dim"], "generated": r["generated"], "their_y_pred": r["y_pred"],
                      "jasco_y_pred": r["jasco_y_pred"], "jasco_status": r["jasco_status"]}
                     for row, (_, r) in zip(np.flatnonzero(both["differs"].to_numpy())[:5].tolist(),
                                            differs.head(5).iterrows(), strict=True)],
    }
    return both, summary


def reparse_report(frame: pd.DataFrame, **options: Any) -> dict[str, Any]:
    """Both scorings in one payload: their y_pred (model '<name> (their y_pred)') and jasco's
    re-extraction (model '<name> (jasco extractor)'), and how many rows differ."""
    both, summary = reparse_summary(frame)
    name = summary["model"]
    table = pd.concat([scores(both, "y_pred", "status", f"{name} (their y_pred)"),
                       scores(both, "jasco_y_pred", "jasco_status", f"{name} (jasco extractor)")])
    payload = score_table(table, **options)
    payload["reparse"] = summary
    return payload
