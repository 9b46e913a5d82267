"""What ``jasco report --task speech-quality FILES`` reads, checked, as one long scores table.

Each FILE is either a scored file of this task (``jasco score --task speech-quality``, or
``scored/<model>.csv`` of ``jasco run``: ``scoring.SCORED_COLUMNS``) or a predictions file of
SpeechQualityLLM (``sqllm.is_sqllm_layout``: their columns; model from ``--model``, else the
file's stem; their ``task`` is the family). With ``reparse`` (``--reparse``), each of theirs is
scored twice: their ``y_pred`` (model ``<name> (their y_pred)``) and jasco's re-extraction of
``generated`` (``<name> (jasco extractor)``), with the count of rows where the two differ.

Rows marked ``excluded`` (not asked: no reference signal, no human rating, audio longer than the
model takes) are set apart: they are in no metric and no denominator, and are counted on their
own. A double-ended model's rows are labelled ``<model> (with reference)``, so single- and
double-ended runs of one model can share a report. A file that cannot be read, lacks columns or
repeats a (model, family, dimension, file) is a ``ReportInputError`` naming it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from jasco.report.sections import ReportInputError, ReportInputs
from jasco.tasks.speech_quality.metrics import DEFAULT_MAX_UNSCORED
from jasco.tasks.speech_quality.scoring import EXCLUDED, SCORED_COLUMNS

WITH_REFERENCE = " (with reference)"


@dataclass
class SpeechQualityContext:
    scores: pd.DataFrame  # asked rows of every file: model, family, dimension, file, con, y_true, y_pred, status
    excluded: pd.DataFrame  # rows not asked, with their reasons
    sources: list[dict[str, Any]]  # per input file: path, layout, models, rows
    reparse: list[dict[str, Any]]
    settings: dict[str, set[str]]  # model label -> settings ("single", "double", "Reference", ...) it ran
    n_boot: int
    seed: int
    max_unscored: float
    extra_inputs: dict[str, Any] = field(default_factory=dict)
    built: dict[str, Any] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)  # results over max_unscored, one line each


def make_context(inputs: ReportInputs) -> SpeechQualityContext:
    frames: list[pd.DataFrame] = []
    sources: list[dict[str, Any]] = []
    summaries: list[dict[str, Any]] = []
    reparse = bool(inputs.options.get("reparse"))
    for path in inputs.files:
        header = _header(Path(path))
        from jasco.tasks.speech_quality.sqllm import is_sqllm_layout

        if is_sqllm_layout(header):
            frame, summary = _sqllm(Path(path), inputs.model, reparse)
            summaries += [summary] if summary else []
            layout = "SpeechQualityLLM predictions"
        else:
            frame = _scored(Path(path))
            layout = "jasco scored"
        frames.append(frame)
        sources.append({"path": str(path), "layout": layout, "models": sorted(set(map(str, frame["model"]))),
                        "rows": len(frame)})
    if not frames:
        raise ReportInputError("no input file given")
    table = pd.concat(frames, ignore_index=True)
    excluded = table[table["status"] == EXCLUDED].reset_index(drop=True)
    asked = table[table["status"] != EXCLUDED].reset_index(drop=True)
    settings: dict[str, set[str]] = {}
    for model, setting in zip(asked["model"], asked["setting"], strict=True):
        settings.setdefault(str(model), set()).add(str(setting))
    max_unscored = float(getattr(inputs, "max_unscored", DEFAULT_MAX_UNSCORED))
    return SpeechQualityContext(asked, excluded, sources, summaries, settings, inputs.n_boot, inputs.seed,
                                max_unscored, dict(inputs.extra_inputs))


def _header(path: Path) -> list[str]:
    try:
        return list(pd.read_csv(path, nrows=0, dtype=str).columns)
    except FileNotFoundError:
        raise ReportInputError(f"{path}: file not found") from None
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ReportInputError(f"{path}: not a readable CSV file ({error})") from None


def _scored(path: Path) -> pd.DataFrame:
    from jasco.core.table import TableError, read_table

    try:
        frame = read_table(path, required=SCORED_COLUMNS)
    except TableError as error:
        raise ReportInputError(f"{error}: not a scored speech-quality file (run `jasco score --task "
                               "speech-quality ANSWERS OUT`) nor SpeechQualityLLM's predictions layout") from None
    for column in ("y_true", "y_pred"):
        numbers = pd.to_numeric(frame[column].replace("", None), errors="coerce")
        bad = numbers.isna() & (frame[column].str.strip() != "")
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise ReportInputError(f"{path}: row {row + 2}: {column} {frame[column].iloc[row]!r} is not a number")
        frame[column] = numbers.astype(float)
    double = frame["setting"] == "double"
    frame.loc[double, "model"] = frame.loc[double, "model"] + WITH_REFERENCE
    return frame


def _sqllm(path: Path, model: str | None, reparse: bool) -> tuple[pd.DataFrame, dict[str, Any] | None]:
    from jasco.tasks.speech_quality.sqllm import PredictionsError, read_predictions, reparse_summary, scores

    try:
        frame = read_predictions(path, model=model)
    except PredictionsError as error:
        raise ReportInputError(str(error)) from None
    setting = next((s for s in ("NoReference", "Reference") if path.stem.startswith(s + "__")), "unknown")
    name = str(frame["model"].iloc[0])
    if not reparse:
        return _with_setting(scores(frame), setting), None
    both, summary = reparse_summary(frame)
    table = pd.concat([scores(both, "y_pred", "status", f"{name} (their y_pred)"),
                       scores(both, "jasco_y_pred", "jasco_status", f"{name} (jasco extractor)")], ignore_index=True)
    return _with_setting(table, setting), summary


def _with_setting(frame: pd.DataFrame, setting: str) -> pd.DataFrame:
    out = frame.copy()
    out["setting"] = setting
    out["con"] = None
    return out
