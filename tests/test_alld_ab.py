"""A/B metrics on a hand-worked table: accuracy per order, consistency, position bias, confusion.

Four pairs, each asked in both orders (8 answers), worked out by hand:

| pair | order | expected | answered | correct |
|------|-------|----------|----------|---------|
| p1   | AB    | SpeechA  | SpeechA  | yes     |
| p1   | BA    | SpeechB  | SpeechB  | yes     |  same file both times
| p2   | AB    | SpeechB  | SpeechA  | no      |
| p2   | BA    | SpeechA  | SpeechA  | yes     |  first position both times
| p3   | AB    | SpeechA  | SpeechA  | yes     |
| p3   | BA    | SpeechB  | (none)   | -       |  unparsed
| p4   | AB    | SpeechB  | SpeechB  | yes     |
| p4   | BA    | SpeechA  | SpeechB  | no      |  second position both times

scored 7 of 8, correct 5: accuracy 5/7, counting unscored as wrong 5/8. AB: 3/4; BA: 2/3 of 3
scored. Pairs scored in both orders: p1, p2, p4; same file chosen only in p1: 1/3. First
position chosen (SpeechA) in 4 of 7 scored answers. Confusion, expected SpeechA: 3 A, 1 B, 0
unparsed; expected SpeechB: 1 A, 2 B, 1 unparsed.
"""

from __future__ import annotations

import math
import re

import pytest

from jasco.tasks.alld.ab import ABAnswer, ab_metrics, answer_from_text, answer_from_verdict
from jasco.tasks.alld.errors import EvaluationError
from jasco.tasks.alld.meta import QualityMeta, meta_from_mapping
from jasco.tasks.alld.pairs import both_orders, make_pair
from jasco.tasks.alld.tables import ab_tables
from jasco.tasks.alld.verdict import parse_summary

A, B = "SpeechA", "SpeechB"
TABLE = [  # pair, order, expected, answered
    ("p1", "AB", A, A), ("p1", "BA", B, B), ("p2", "AB", B, A), ("p2", "BA", A, A),
    ("p3", "AB", A, A), ("p3", "BA", B, None), ("p4", "AB", B, B), ("p4", "BA", A, B),
]


def answers(model: str = "m") -> list[ABAnswer]:
    return [ABAnswer(model, f"{pair}:{order}", pair, order, expected, answered,
                     "" if answered else "no [SpeechA] or [SpeechB] verdict")
            for pair, order, expected, answered in TABLE]


def test_hand_worked_table() -> None:
    (result,) = ab_metrics(answers(), n_boot=200, seed=1)["results"]
    assert (result["n_total"], result["n_scored"], result["n_correct"]) == (8, 7, 5)
    assert result["accuracy"] == pytest.approx(5 / 7) and result["accuracy_all"] == pytest.approx(5 / 8)
    assert result["coverage"] == pytest.approx(7 / 8)
    assert result["by_order"]["AB"]["accuracy"] == pytest.approx(3 / 4)
    assert (result["by_order"]["BA"]["n_scored"], result["by_order"]["BA"]["accuracy"]) == (3, pytest.approx(2 / 3))
    assert (result["n_pairs_both_orders"], result["n_consistent"]) == (3, 1)
    assert result["consistency"] == pytest.approx(1 / 3)
    assert (result["n_first_position"], result["first_position_share"]) == (4, pytest.approx(4 / 7))
    assert result["confusion"] == {A: {A: 3, B: 1, "unparsed": 0}, B: {A: 1, B: 2, "unparsed": 1}}
    assert result["unscored"] == {"no [SpeechA] or [SpeechB] verdict": 1}
    low, high = result["ci"]
    assert 0 <= low <= 5 / 7 <= high <= 1


def test_models_are_separate_and_duplicates_refused() -> None:
    payload = ab_metrics(answers("x") + answers("y"), n_boot=50)
    assert [entry["model"] for entry in payload["results"]] == ["x", "y"]
    with pytest.raises(EvaluationError, match="answered A/B item p1:AB twice"):
        ab_metrics(answers() + answers()[:1])
    with pytest.raises(EvaluationError, match="bad order"):
        ab_metrics([ABAnswer("m", "p:CD", "p", "CD", A, A)])


def test_answers_from_items_in_both_orders() -> None:
    worse = meta("worse.wav", 1.5)
    better = meta("better.wav", 4.0)
    ab, ba = both_orders([make_pair(worse, better)])
    own = answer_from_text("m", ab, "SpeechB is cleaner.\n[SpeechB]")
    assert (own.item_id, own.expected, own.choice, own.correct) == (ab.item_id, B, B, True)
    empty = answer_from_text("m", ba, "   ")
    assert (empty.choice, empty.correct, empty.reason) == (None, None, "empty answer")
    summarised = answer_from_verdict("m", ba, parse_summary("[SpeechB]"), "long comparison")
    assert (summarised.expected, summarised.correct, summarised.text) == (A, False, "long comparison")
    (result,) = ab_metrics([own, summarised], n_boot=20)["results"]
    assert result["consistency"] == 0.0  # B then B: the worse file first, the better file second
    assert math.isnan(result["ci"][0])  # one pair: no interval


def meta(name: str, mos: float) -> QualityMeta:
    return meta_from_mapping(name, {"mos": mos, "noi": 3, "col": 3, "dis": 3, "loud": 3}, source="test")


def test_tables_show_the_figures_with_their_denominators() -> None:
    summary, confusion = ab_tables(ab_metrics(answers(), n_boot=50))
    assert summary.rows[0][:5] == ("m", "7/8", "71.4%", summary.rows[0][3], "62.5%")
    assert summary.rows[0][5:9] == ("75.0%", "66.7%", "33.3% of 3", "57.1%")
    assert re.fullmatch(r"\[\d+\.\d%, \d+\.\d%\]", summary.rows[0][3])  # CI to the accuracy's one decimal
    assert "98.6%" in summary.note
    assert confusion.title == "A/B confusion: m"
    assert confusion.rows == [(A, 3, 1, 0), (B, 1, 2, 1)]
