"""The A/B half of the evaluation: which of two files sounds better, asked in both orders.

Each pair is asked as built (``AB``) and swapped (``BA``: ``pairs.both_orders``). An answer is
read with ``verdict.parse_allm_verdict`` (the model's own ``[SpeechA]``/``[SpeechB]``), or comes
as a ``Verdict`` from the text LLM's summary of its comparison (as in ALLD). An empty or
undecided answer is unscored with its reason, never a guess.

``ab_metrics`` per model, with stated denominators:

- ``accuracy``: correct / scored answers (the expected answer is the higher human MOS);
  ``accuracy_all``: correct / all answers (unscored count as wrong); ``coverage``: scored / all;
- ``by_order``: the same for ``AB`` and ``BA`` answers separately;
- ``consistency``: among pairs answered (scored) in both orders, the share where the same file
  was chosen both times;
- ``first_position_share``: among scored answers, the share choosing the first-heard file
  (SpeechA); 0.5 is no position bias, since the design balances the expected answers;
- ``confusion``: expected x answered (SpeechA, SpeechB, unparsed) counts;
- ``ci``: 95% percentile bootstrap interval of ``accuracy``, resampling pairs (both orders of
  a pair together).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from jasco.report.bootstrap import percentile_ci, resample_indices
from jasco.tasks.alld.errors import EvaluationError
from jasco.tasks.alld.pairs import CHOICES, ORDERS, SPEECH_A, ABItem
from jasco.tasks.alld.verdict import Verdict, parse_allm_verdict

UNPARSED_COLUMN = "unparsed"


@dataclass(frozen=True)
class ABAnswer:
    """One model's answer to one A/B item; ``choice`` None means unscored (``reason`` says why)."""

    model: str
    item_id: str
    pair_id: str
    order: str
    expected: str
    choice: str | None
    reason: str = ""
    text: str = ""

    @property
    def correct(self) -> bool | None:
        return None if self.choice is None else self.choice == self.expected


def answer_from_verdict(model: str, item: ABItem, verdict: Verdict, text: str = "") -> ABAnswer:
    """An answer from an already-read verdict (e.g. the text LLM's strict summary)."""
    return ABAnswer(model, item.item_id, item.pair.pair_id, item.order, item.expected, verdict.choice,
                    verdict.reason, text)


def answer_from_text(model: str, item: ABItem, text: str | None) -> ABAnswer:
    """An answer from the audio LLM's own text (``parse_allm_verdict``)."""
    return answer_from_verdict(model, item, parse_allm_verdict(text), text or "")


def _share(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else math.nan


def _accuracy(answers: Sequence[ABAnswer]) -> dict[str, Any]:
    scored = [answer for answer in answers if answer.choice is not None]
    correct = sum(1 for answer in scored if answer.correct)
    return {"n_total": len(answers), "n_scored": len(scored), "n_correct": correct,
            "accuracy": _share(correct, len(scored)), "accuracy_all": _share(correct, len(answers)),
            "coverage": _share(len(scored), len(answers))}


def _consistency(answers: Sequence[ABAnswer]) -> dict[str, Any]:
    chosen: dict[str, dict[str, bool]] = defaultdict(dict)  # pair -> order -> chose the pair's built-A file
    for answer in answers:
        if answer.choice is not None:
            chose_first = answer.choice == SPEECH_A
            chosen[answer.pair_id][answer.order] = chose_first if answer.order == "AB" else not chose_first
    both = [orders for orders in chosen.values() if len(orders) == 2]
    same = sum(1 for orders in both if orders["AB"] == orders["BA"])
    return {"n_pairs_both_orders": len(both), "n_consistent": same, "consistency": _share(same, len(both))}


def _confusion(answers: Sequence[ABAnswer]) -> dict[str, dict[str, int]]:
    table = {expected: dict.fromkeys((*CHOICES, UNPARSED_COLUMN), 0) for expected in CHOICES}
    for answer in answers:
        table[answer.expected][answer.choice or UNPARSED_COLUMN] += 1
    return table


def _accuracy_ci(answers: Sequence[ABAnswer], n_boot: int, seed: int) -> list[float]:
    by_pair: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # pair -> [correct, scored]
    for answer in answers:
        if answer.choice is not None:
            by_pair[answer.pair_id][0] += int(bool(answer.correct))
            by_pair[answer.pair_id][1] += 1
    if len(by_pair) < 2:
        return [math.nan, math.nan]
    counts = np.array(list(by_pair.values()), dtype=float)
    indices = resample_indices(len(counts), n_boot, seed)
    sums = counts[indices].sum(axis=1)
    return percentile_ci(sums[:, 0] / sums[:, 1])


def _check(answers: Sequence[ABAnswer]) -> dict[str, list[ABAnswer]]:
    grouped: dict[str, list[ABAnswer]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for answer in answers:
        if answer.order not in ORDERS or answer.expected not in CHOICES or answer.choice not in (*CHOICES, None):
            raise EvaluationError(f"A/B answer {answer.item_id} by {answer.model}: bad order, expected or choice")
        if (answer.model, answer.item_id) in seen:
            raise EvaluationError(f"{answer.model} answered A/B item {answer.item_id} twice")
        seen.add((answer.model, answer.item_id))
        grouped[answer.model].append(answer)
    return dict(sorted(grouped.items()))


def ab_metrics(answers: Sequence[ABAnswer], *, n_boot: int = 1000, seed: int = 0) -> dict[str, Any]:
    """``{"results": [per model: accuracy..., by_order, consistency, first_position_share,
    confusion, ci, unscored]}`` (see the module doc for every denominator)."""
    results = []
    for model, rows in _check(answers).items():
        scored = [answer for answer in rows if answer.choice is not None]
        first = sum(1 for answer in scored if answer.choice == SPEECH_A)
        unscored: dict[str, int] = defaultdict(int)
        for answer in rows:
            if answer.choice is None:
                unscored[answer.reason or "unparsed"] += 1
        results.append({
            "model": model, **_accuracy(rows), "ci": _accuracy_ci(rows, n_boot, seed),
            "by_order": {order: _accuracy([a for a in rows if a.order == order]) for order in ORDERS},
            **_consistency(rows),
            "n_first_position": first, "first_position_share": _share(first, len(scored)),
            "confusion": _confusion(rows), "unscored": dict(sorted(unscored.items())),
        })
    return {"results": results, "n_boot": n_boot, "seed": seed}
