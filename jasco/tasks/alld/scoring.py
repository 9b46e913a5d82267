"""Scoring ALLD answers by rule (no model): a description's ratings, an A/B answer's own verdict.

- describe: ``describe.score_description`` with the speech-quality extractor. The MOS is read as
  an explanatory answer's verdict (``extract(text, "mos", "explanatory")``: the last MOS it names
  counts); a dimension (noi, col, dis, loud) only where the description names it
  (``extract_multi``: an unnamed number is never a dimension). A quantity the corpus has no human
  rating for is unscored ("no human rating"); an empty answer is unscored for every quantity,
  with the infer error when there was one. The scored table adds ``pred_<q>`` (the value or
  empty) and ``status_<q>`` ("scored" or the reason) per quantity, and ``score_status`` (the MOS's).
- A/B: ``ab.answer_from_text`` (``verdict.parse_allm_verdict``: the model's own ``[SpeechA]`` or
  ``[SpeechB]``) on the item rebuilt from its row (``items.ab_item_from_row``). Adds ``choice``,
  ``correct`` ("1", "0", or empty when unscored) and ``score_status`` ("ok" or "unscored: why").

Raw answers stay in the table; nothing is dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from jasco.tasks.alld.ab import ABAnswer, answer_from_text
from jasco.tasks.alld.describe import EMPTY_ANSWER, SCORED, UNSCORED, DescribeScore, QuantityScore, score_description
from jasco.tasks.alld.items import ab_item_from_row
from jasco.tasks.alld.meta import FACTORS

if TYPE_CHECKING:
    import pandas as pd

NO_HUMAN_RATING = "no human rating"


def text_rows(frame: pd.DataFrame) -> list[dict[str, str]]:
    """A table's rows as text cells (the stages read every cell as text)."""
    return [{str(key): str(value) for key, value in record.items()} for record in frame.to_dict("records")]


def extract_quantity(text: str, quantity: str) -> Any:
    """The speech-quality extractor as ALLD's describe half reads a description (see the module doc)."""
    from jasco.tasks.speech_quality.extract import extract, extract_multi

    if quantity == "mos":
        return extract(text, "mos", "explanatory")
    return extract_multi(text, (quantity,))[quantity]


def describe_score(model: str, row: Mapping[str, str], text: str, infer_error: str = "") -> DescribeScore:
    """One description scored for every quantity the corpus rates (see the module doc)."""
    rated = [quantity for quantity in FACTORS if str(row.get(quantity, "")).strip()]
    if not text.strip() and infer_error:
        reason = f"{EMPTY_ANSWER} (infer error: {infer_error})"
        quantities = {quantity: QuantityScore(None, UNSCORED, reason) for quantity in rated}
        score = DescribeScore(model, str(row["id"]), text, quantities)
    else:
        score = score_description(model, str(row["id"]), text, extract_quantity, rated)
    unrated = {q: QuantityScore(None, UNSCORED, NO_HUMAN_RATING) for q in FACTORS if q not in rated}
    return DescribeScore(score.model, score.file_id, score.text, {**score.quantities, **unrated})


def score_describe_table(frame: pd.DataFrame, answer_column: str) -> tuple[pd.DataFrame, int]:
    """The answers table with the describe columns added, and how many rows have a scored MOS."""
    table = frame.copy()
    scores = [describe_score(str(row.get("model", "")), row, str(row[answer_column]), str(row.get("infer_error", "")))
              for row in text_rows(table)]
    for quantity in FACTORS:
        table[f"pred_{quantity}"] = [_number(s.quantities[quantity].value) for s in scores]
        table[f"status_{quantity}"] = [s.quantities[quantity].status if s.quantities[quantity].status == SCORED
                                       else s.quantities[quantity].reason for s in scores]
    table["score_status"] = ["ok" if s.quantities["mos"].status == SCORED else f"unscored: {s.quantities['mos'].reason}"
                             for s in scores]
    return table, sum(1 for s in scores if s.quantities["mos"].status == SCORED)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def ab_answer(model: str, row: Mapping[str, Any], text: str, infer_error: str, where: str) -> ABAnswer:
    """The model's own verdict on one A/B row (an empty answer keeps its infer error as the reason)."""
    answer = answer_from_text(model, ab_item_from_row(row, where), text)
    if answer.choice is None and not text.strip() and infer_error:
        return ABAnswer(answer.model, answer.item_id, answer.pair_id, answer.order, answer.expected, None,
                        f"{answer.reason} (infer error: {infer_error})", text)
    return answer


def score_ab_table(frame: pd.DataFrame, answer_column: str, source: str) -> tuple[pd.DataFrame, int]:
    """The answers table with ``choice``, ``correct`` and ``score_status``, and how many rows scored."""
    table = frame.copy()
    answers = [ab_answer(str(row.get("model", "")), row, str(row[answer_column]), str(row.get("infer_error", "")),
                         f"{source}, row {position + 2}")
               for position, row in enumerate(text_rows(table))]
    table["choice"] = [answer.choice or "" for answer in answers]
    table["correct"] = ["" if answer.correct is None else str(int(answer.correct)) for answer in answers]
    table["score_status"] = ["ok" if answer.choice else f"unscored: {answer.reason}" for answer in answers]
    return table, sum(1 for answer in answers if answer.choice)
