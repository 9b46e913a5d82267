"""Score an XACLE answers table (the infer stage's output) by rule: a pure function of the table.

Columns added (every input column, the raw answer included, is kept):

- ``text_score``: the rating the text rule reads (``extract.extract_rating``), empty if none;
- ``score``: what the report and the submission use: ``text_score`` in text mode, the expected
  score in expected mode (``expected_answer``), empty when unscored;
- ``score_status``: ``ok``, or ``unscored: <code>: <detail>`` (an infer error reads
  ``unscored: no-answer: <the error>``);
- expected mode only: ``score_mass`` (the probability on score tokens before renormalising) and
  ``tokenization`` (``digits`` or ``whole``; with ``auto``, read per model from its own tokens).

Expected mode needs the ``answer_logprobs`` column (answers asked with ``--score-mode expected``);
without it the table cannot be scored that way and ``TaskError`` says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from jasco.models.types import TokenLogprob
from jasco.tasks.base import ScoreResult, TaskError
from jasco.tasks.xacle.expected import ExpectedScore, Tokenization
from jasco.tasks.xacle.expected_answer import expected_from_positions, positions_from_json, tokenization_of
from jasco.tasks.xacle.extract import SCORED, Extraction, extract_rating

if TYPE_CHECKING:
    import pandas as pd

LOGPROBS_COLUMN = "answer_logprobs"
OK = "ok"


def _cell(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def _status(reason: str) -> str:
    return f"unscored: {reason}" if reason else OK


def _text_columns(extractions: Sequence[Extraction | None], errors: Sequence[str]) -> tuple[list[str], list[str]]:
    scores, statuses = [], []
    for extraction, error in zip(extractions, errors, strict=True):
        if extraction is None:
            scores.append("")
            statuses.append(_status(f"no-answer: {error or 'empty answer'}"))
        else:
            scores.append(_cell(extraction.value) if extraction.status == SCORED else "")
            statuses.append(_status(extraction.reason))
    return scores, statuses


def _positions(cells: Sequence[str]) -> list[tuple[TokenLogprob, ...] | str]:
    """Each row's positions, or the reason its logprobs cannot be read."""
    parsed: list[tuple[TokenLogprob, ...] | str] = []
    for cell in cells:
        try:
            parsed.append(positions_from_json(cell))
        except ValueError as error:
            parsed.append(f"bad-logprobs: {error}")
    return parsed


def _tokenizations(models: Sequence[str], positions: Sequence[tuple[TokenLogprob, ...] | str],
                   option: str) -> dict[str, Tokenization]:
    by_model: dict[str, list[tuple[TokenLogprob, ...]]] = {}
    for model, entry in zip(models, positions, strict=True):
        by_model.setdefault(model, []).append(entry if isinstance(entry, tuple) else ())
    if option in ("digits", "whole"):
        return {model: option for model in by_model}  # type: ignore[misc]
    return {model: tokenization_of(answers) for model, answers in by_model.items()}


def _expected_columns(table: pd.DataFrame, extractions: Sequence[Extraction | None], errors: Sequence[str],
                      options: Mapping[str, Any]) -> dict[str, list[str]]:
    from jasco.tasks.xacle.extract import XACLE_SCALE

    if LOGPROBS_COLUMN not in table.columns:
        raise TaskError(f"the answers have no {LOGPROBS_COLUMN} column (they were not asked for logprobs): "
                        "answer them with --score-mode expected, or score them with --score-mode text")
    positions = _positions([str(cell) for cell in table[LOGPROBS_COLUMN]])
    models = [str(m) for m in table["model"]] if "model" in table.columns else [""] * len(table)
    tokenization = _tokenizations(models, positions, options["tokenization"])
    columns: dict[str, list[str]] = {"score": [], "score_status": [], "score_mass": [], "tokenization": []}
    for extraction, error, entry, model in zip(extractions, errors, positions, models, strict=True):
        if extraction is None:
            result = ExpectedScore(None, "unscored", f"no-answer: {error or 'empty answer'}")
        elif isinstance(entry, str):
            result = ExpectedScore(None, "unscored", entry)
        else:
            result = expected_from_positions(entry, extraction, XACLE_SCALE, tokenization[model], options["min_mass"],
                                             options["max_ambiguous"])
        columns["score"].append(_cell(result.value))
        columns["score_status"].append(_status(result.reason))
        columns["score_mass"].append(_cell(result.score_mass) if result.score_mass else "")
        columns["tokenization"].append(tokenization[model])
    return columns


def score_answers(answers: pd.DataFrame, options: Mapping[str, Any], answer_column: str) -> ScoreResult:
    """The scored table and its counts (see the module docstring)."""
    table = answers.copy()
    errors = [str(e) for e in table["infer_error"]] if "infer_error" in table.columns else [""] * len(table)
    extractions = [extract_rating(str(text)) if str(text).strip() else None for text in table[answer_column]]
    text_scores, text_statuses = _text_columns(extractions, errors)
    table["text_score"] = text_scores
    if options["score_mode"] == "expected":
        for name, values in _expected_columns(table, extractions, errors, options).items():
            table[name] = values
    else:
        table["score"] = text_scores
        table["score_status"] = text_statuses
    n_scored = sum(1 for status in table["score_status"] if status == OK)
    return ScoreResult(table, len(table), n_scored)
