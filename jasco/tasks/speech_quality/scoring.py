"""The score step of the speech-quality task: a model's answers table -> the long scored table.

One output row per (item, asked quantity) (``SCORED_COLUMNS``): ``y_true`` the human rating,
``y_pred`` the value or empty, ``status`` and ``reason``, ``raw`` the answer as it came. How a
row is read depends on the answers:

- **text** (``score_mode`` text): ``extract``/``extract_multi`` by the question's kind;
- **expected** (``score_mode`` expected): ``expected_mode.expected_reading`` from the text and the
  stored top logprobs (``answer_logprobs``);
- **values** (an answers table with ``answer_values``: the quality predictors): no text is
  parsed. A predictor hears a file, not a question, so it is scored once per file, under the
  family ``predictor``, on each dimension it predicts (the quantities among its values), from the
  first answered row of that file; ``raw`` keeps its values as JSON.

Never dropped: a row with no answer (``infer_error``) is ``no_answer`` with the error as reason;
a row that was not asked (``excluded`` in the items: no reference for a double-ended item, no
human rating; ``infer_excluded``: the audio is longer than the model takes, under the "exclude"
policy) is ``excluded`` with its reason. The report leaves excluded rows out of every metric and
its denominator and counts them apart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from jasco.tasks.speech_quality.expected_mode import expected_reading
from jasco.tasks.speech_quality.extract import Extraction
from jasco.tasks.speech_quality.item_table import is_excluded
from jasco.tasks.speech_quality.items import item_from_row
from jasco.tasks.speech_quality.scale import QUANTITIES
from jasco.tasks.speech_quality.score import extract_item

SCORED_COLUMNS = ("model", "family", "dimension", "file", "db", "con", "item_id", "setting", "score_mode", "y_true",
                  "y_pred", "status", "reason", "raw")
EXCLUDED = "excluded"
NO_ANSWER = "no_answer"
PREDICTOR_FAMILY = "predictor"


def _text(row: Mapping[str, Any], column: str) -> str:
    value = row.get(column, "")
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def _label(row: Mapping[str, Any], quantity: str) -> float | None:
    text = _text(row, f"label_{quantity}").strip()
    return float(text) if text else None


def _base(row: Mapping[str, Any], model: str, mode: str) -> dict[str, Any]:
    return {"model": model, "file": f"{row['db']}/{row['file']}", "db": row["db"], "con": row["con"],
            "item_id": row["id"], "setting": "double" if str(row["id"]).endswith("#ref") else "single",
            "score_mode": mode}


def _excluded_reason(row: Mapping[str, Any]) -> str:
    if is_excluded(row):
        return _text(row, "excluded")
    return _text(row, "infer_excluded").strip()


def _row(base: dict[str, Any], family: str, quantity: str, truth: float | None, got: Extraction,
         raw: str) -> dict[str, Any]:
    return {**base, "family": family, "dimension": quantity, "y_true": truth, "y_pred": got.value,
            "status": got.status, "reason": got.reason, "raw": raw}


def is_values_table(rows: list[dict[str, Any]]) -> bool:
    """True for a predictor's answers: some row answered with named values."""
    return any(_text(row, "answer_values").strip() for row in rows)


def scored_rows(rows: list[dict[str, Any]], answer_column: str, mode: str) -> list[dict[str, Any]]:
    """Every answers row as scored rows (see the module docstring)."""
    if is_values_table(rows):
        return list(_values_rows(rows))
    out = []
    for row in rows:
        model = _text(row, "model")
        base = _base(row, model, mode)
        quantities = str(row["quantities"]).split(";")
        reason = _excluded_reason(row)
        if reason:
            out += [_row(base, row["family"], q, _label(row, q), Extraction(None, EXCLUDED, reason), "")
                    for q in quantities]
            continue
        item = item_from_row(dict(row))
        error = _text(row, "infer_error").strip()
        raw = _text(row, answer_column)
        if error:
            readings = dict.fromkeys(item.quantities, Extraction(None, NO_ANSWER, error))
        elif mode == "expected" and item.kind == "numeric":
            logprobs = json.loads(_text(row, "answer_logprobs") or "null")
            readings = {q: expected_reading(raw, logprobs, q) for q in item.quantities}
        else:
            readings = extract_item(item, raw)
        for quantity, got in readings.items():
            truth = item.label(quantity)
            if truth is not None:
                out.append(_row(base, item.family, quantity, truth, got, raw))
    return out


def _values_rows(rows: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    predicted = [q for q in QUANTITIES if any(q in _values(row) for row in rows)]
    by_file: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_file.setdefault(f"{row['db']}/{row['file']}", []).append(row)
    for file_rows in by_file.values():
        asked = [row for row in file_rows if not _excluded_reason(row)]
        answered = [row for row in asked if _values(row)]
        chosen = (answered or asked or file_rows)[0]
        base = _base(chosen, _text(chosen, "model"), "values")
        values = _values(chosen)
        for quantity in predicted:
            truth = _label(chosen, quantity)
            if not asked:
                got = Extraction(None, EXCLUDED, _excluded_reason(chosen))
            elif values:
                got = Extraction(values[quantity], "predicted") if quantity in values else Extraction(
                    None, "not_predicted", f"no {quantity} among this file's values")
            else:
                got = Extraction(None, NO_ANSWER, _text(chosen, "infer_error").strip() or "no values")
            if truth is not None or got.status == EXCLUDED:
                yield _row(base, PREDICTOR_FAMILY, quantity, truth, got, _text(chosen, "answer_values"))


def _values(row: Mapping[str, Any]) -> dict[str, float]:
    text = _text(row, "answer_values").strip()
    return {str(k): float(v) for k, v in json.loads(text).items()} if text else {}
