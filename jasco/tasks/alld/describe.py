"""The describe half of the evaluation: an audio LLM's description of one file, scored by rule.

``score_description`` extracts the MOS and each dimension (noi, col, dis, loud) from the text
with an extractor the caller passes in: ``extract(text, quantity) -> object with value (float or
None), status (str) and reason (str)``, i.e. the speech-quality task's extractor. An empty
answer is unscored for every quantity ("empty answer") without calling the extractor; a value
outside 1-5 from an extractor is unscored too, never clipped. Raw text is kept.

``describe_metrics`` compares with the human ratings, per model and quantity. Denominators:
``n_total`` is the number of descriptions the model gave (one per file), ``n_scored`` those
with a value for that quantity; MSE, MAE, Pearson and Spearman are over the scored files (with
file-level bootstrap CIs), ``coverage = n_scored / n_total``, and the unscored are counted by
reason. A description of a file with no human rating, or two of one file by one model, raises
``EvaluationError``.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from jasco.tasks.alld.errors import EvaluationError
from jasco.tasks.alld.meta import FACTORS, SCALE, QualityMeta
from jasco.tasks.alld.stats import regression_cis, regression_metrics

SCORED, UNSCORED = "scored", "unscored"
EMPTY_ANSWER = "empty answer"


class ExtractionLike(Protocol):
    @property
    def value(self) -> float | None: ...

    @property
    def status(self) -> str: ...

    @property
    def reason(self) -> str: ...


Extractor = Callable[[str, str], ExtractionLike]


@dataclass(frozen=True)
class QuantityScore:
    value: float | None
    status: str
    reason: str = ""


@dataclass(frozen=True)
class DescribeScore:
    """One model's description of one file, with what was extracted per quantity."""

    model: str
    file_id: str
    text: str
    quantities: Mapping[str, QuantityScore]


def _checked(extraction: ExtractionLike, quantity: str) -> QuantityScore:
    value = extraction.value
    if value is None:
        return QuantityScore(None, UNSCORED, extraction.reason or extraction.status or "no value")
    number = float(value)
    low, high = SCALE
    if not (math.isfinite(number) and low <= number <= high):
        return QuantityScore(None, UNSCORED, f"extracted {quantity} {value!r} is outside {low:g}-{high:g}")
    return QuantityScore(number, SCORED, "")


def score_description(
    model: str, file_id: str, text: str | None, extract: Extractor, quantities: Sequence[str] = FACTORS,
) -> DescribeScore:
    """Extract every quantity from one description (see the module doc for unscored rows)."""
    raw = text or ""
    if not raw.strip():
        empty = {quantity: QuantityScore(None, UNSCORED, EMPTY_ANSWER) for quantity in quantities}
        return DescribeScore(model, file_id, raw, empty)
    scores = {quantity: _checked(extract(raw, quantity), quantity) for quantity in quantities}
    return DescribeScore(model, file_id, raw, scores)


def _by_model(scores: Sequence[DescribeScore], human: Mapping[str, QualityMeta]) -> dict[str, list[DescribeScore]]:
    grouped: dict[str, list[DescribeScore]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for score in scores:
        if score.file_id not in human:
            raise EvaluationError(f"description of {score.file_id} by {score.model}: no human rating for that file")
        if (score.model, score.file_id) in seen:
            raise EvaluationError(f"{score.model} described {score.file_id} twice")
        seen.add((score.model, score.file_id))
        grouped[score.model].append(score)
    return dict(sorted(grouped.items()))


def describe_metrics(
    scores: Sequence[DescribeScore], human: Mapping[str, QualityMeta], *, n_boot: int = 1000, seed: int = 0,
) -> dict[str, Any]:
    """``{"results": [{model, quantity, n, n_total, coverage, mse, mae, pearson, spearman, ci,
    unscored}]}`` per model and quantity (see the module doc for the denominators)."""
    results = []
    for model, rows in _by_model(scores, human).items():
        quantities = [q for q in FACTORS if any(q in row.quantities for row in rows)]
        for quantity in quantities:
            pairs = [(getattr(human[row.file_id], quantity), row.quantities[quantity].value) for row in rows
                     if quantity in row.quantities]
            y_true = [true for true, pred in pairs if pred is not None]
            y_pred = [pred for _, pred in pairs if pred is not None]
            reasons = Counter(row.quantities[quantity].reason for row in rows
                              if quantity in row.quantities and row.quantities[quantity].value is None)
            metrics = regression_metrics(y_true, y_pred)
            results.append({
                "model": model, "quantity": quantity, **metrics, "n_total": len(rows),
                "coverage": metrics["n"] / len(rows),
                "ci": regression_cis(y_true, y_pred, n_boot=n_boot, seed=seed),
                "unscored": dict(sorted(reasons.items())),
            })
    return {"results": results, "n_boot": n_boot, "seed": seed}
