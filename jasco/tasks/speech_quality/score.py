"""From items and a model's raw answers to the long scores table the metrics read.

One row per (item, asked quantity with a human rating): ``model``, ``family``, ``dimension``,
``file`` (``<db>/<file>``, the bootstrap unit), ``con``, ``item_id``, ``y_true``, ``y_pred``
(None when unscored), ``status``, ``reason`` and the ``raw`` answer, kept as it came. An item
with no answer at all (the model call failed) is unscored with status ``no_answer``, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jasco.tasks.speech_quality.extract import Extraction, extract, extract_multi
from jasco.tasks.speech_quality.items import Item

SCORE_COLUMNS = ("model", "family", "dimension", "file", "con", "item_id", "y_true", "y_pred", "status", "reason",
                 "raw")


def extract_item(item: Item, answer: str | None) -> dict[str, Extraction]:
    """The extraction of every quantity ``item`` asks for from ``answer`` (None: no answer)."""
    if answer is None:
        missing = Extraction(None, "no_answer", "the model gave no answer (see the infer error)")
        return dict.fromkeys(item.quantities, missing)
    if item.kind == "multi":
        return extract_multi(answer, item.quantities)
    return {q: extract(answer, q, item.kind) for q in item.quantities}


def score_rows(items: Sequence[Item], answers: Mapping[str, str | None], model: str) -> list[dict[str, Any]]:
    """Rows for ``metrics.score_table``; ``answers`` maps item id -> raw text (absent: no answer)."""
    rows = []
    for item in items:
        raw = answers.get(item.id)
        for quantity, got in extract_item(item, raw).items():
            truth = item.label(quantity)
            if truth is None:
                continue  # no human rating: nothing to compare (counted when the items were expanded)
            rows.append({"model": model, "family": item.family, "dimension": quantity, "file": f"{item.db}/{item.file}",
                         "con": item.con, "item_id": item.id, "y_true": truth, "y_pred": got.value,
                         "status": got.status, "reason": got.reason, "raw": raw})
    return rows
