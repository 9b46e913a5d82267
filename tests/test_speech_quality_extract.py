"""The speech-quality extractor: the case table, bad calls, and properties over SpeechQualityLLM's real answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from jasco.tasks.speech_quality.extract import (
    SCORED_STATUSES,
    UNSCORED_STATUSES,
    ExtractError,
    extract,
    extract_multi,
)
from jasco.tasks.speech_quality.scale import QUANTITIES, load_scale

REPO = Path(__file__).resolve().parents[1]
SQLLM = REPO.parent / "shared" / "quality" / "speechqualityllm"
CASES = json.loads((Path(__file__).parent / "data" / "speech_quality_extract_cases.json").read_text("utf-8"))["cases"]
KIND_OF_TASK = {"mos_numeric": "numeric", "explanatory": "explanatory", "multi_dim": "multi"}
NAMES = {"noi": "noisiness", "col": "coloration", "dis": "discontinuity", "loud": "loudness"}


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_case_table(case: dict) -> None:
    if case["kind"] == "multi":
        got = extract_multi(case["text"])
        assert {q: [e.value, e.status] for q, e in got.items()} == case["values"]
        return
    got = extract(case["text"], case["quantity"], case["kind"])
    assert (got.value, got.status) == (case["value"], case["status"]), got.reason
    assert got.scored == (case["value"] is not None)
    assert got.status in (SCORED_STATUSES if got.scored else UNSCORED_STATUSES)
    if not got.scored:
        assert got.reason  # every unscored answer says why


def test_case_table_covers_every_status_and_kind() -> None:
    statuses = {c["status"] for c in CASES if c["kind"] != "multi"}
    assert statuses == set(SCORED_STATUSES) | set(UNSCORED_STATUSES)
    assert {c["kind"] for c in CASES} == {"numeric", "categorical", "multi", "explanatory"}


@pytest.mark.parametrize("empty", [None, float("nan"), " \t"])
def test_missing_answers_are_empty_not_read(empty: object) -> None:
    assert extract(empty, "mos").status == "empty"
    assert {e.status for e in extract_multi(empty).values()} == {"empty"}


def test_category_words_map_to_the_documented_bin_centres() -> None:
    scale = load_scale()
    centres = {c.word: c.value for c in scale.categories}
    assert centres == {"very bad": 1.0, "bad": 1.0, "poor": 2.0, "fair": 3.0, "good": 4.0, "excellent": 5.0}
    for category in scale.categories:  # each centre lies in its bin
        assert category.bin[0] <= category.value <= category.bin[1]
    # SpeechQualityLLM's bin_score: [1,1.5) very bad, [1.5,2.5) poor, ..., [4.5,5] excellent
    assert [scale.category_of(v) for v in (1.0, 1.49, 1.5, 2.49, 2.5, 3.5, 4.49, 4.5, 5.0)] == [
        "very bad", "very bad", "poor", "poor", "fair", "good", "good", "excellent", "excellent"]


@pytest.mark.parametrize(("quantity", "kind"), [("overall", "numeric"), ("mos", "yes/no")])
def test_unknown_quantity_or_kind_is_an_error_naming_the_known_ones(quantity: str, kind: str) -> None:
    with pytest.raises(ExtractError, match="known: "):
        extract("3", quantity, kind)


def _their_files() -> list[Path]:
    files = sorted(SQLLM.glob("*__predictions_*.csv"))
    if len(files) != 6:
        pytest.fail(f"expected six SpeechQualityLLM prediction files in {SQLLM}")
    return files


def _their_value(text: str) -> float | None:
    return float(text) if text.strip() else None


@pytest.fixture(scope="module")
def real_answers() -> pd.DataFrame:
    frames = []
    for path in _their_files():
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        frame["file"] = path.name
        frames.append(frame)
    table = pd.concat(frames, ignore_index=True)
    values, statuses = [], []
    for text, dim, task in zip(table["generated"], table["dim"], table["task"], strict=True):
        got = extract(text, dim, KIND_OF_TASK[task])
        values.append(got.value)
        statuses.append(got.status)
    table["ours"] = values
    table["our_status"] = statuses
    return table


def test_runs_over_all_real_answers_and_scores_only_values_on_the_scale(real_answers: pd.DataFrame) -> None:
    assert len(real_answers) > 8000
    scored = real_answers[real_answers["ours"].notna()]
    assert scored["ours"].between(1.0, 5.0).all()
    assert set(real_answers["our_status"]) <= set(SCORED_STATUSES) | set(UNSCORED_STATUSES)
    for text, value in zip(scored["generated"], scored["ours"], strict=True):
        assert re.search(rf"(?<![\d.]){value:g}(?:\.0)?(?![\d])", text), (text, value)  # the number is in the text


def test_agrees_with_their_y_pred_wherever_their_rule_read_the_answer_right(real_answers: pd.DataFrame) -> None:
    # Their rule (first number in [0, 6]; for multi_dim the k-th number is the k-th dimension) is right
    # on every row they marked 'success': single answers, and five numbers in the canonical order.
    # In Reference explanatory their committed y_pred is the last number, which is the named MOS.
    success = real_answers[real_answers["status"] == "success"]
    assert len(success) == len(real_answers) - (real_answers["status"] != "success").sum()
    theirs = success["y_pred"].map(_their_value)
    assert (success["ours"].to_numpy() == theirs.to_numpy()).all()


def test_their_empty_answers_are_unscored_and_so_are_ours(real_answers: pd.DataFrame) -> None:
    empty = real_answers[real_answers["generated"].str.strip() == ""]
    assert len(empty) > 0
    assert (empty["y_pred"] == "").all()
    assert (empty["our_status"] == "empty").all()


def test_partial_multi_answers_are_read_by_name_where_their_order_rule_shifted(real_answers: pd.DataFrame) -> None:
    partial = real_answers[real_answers["status"].isin(["partial", "no_number_in_dim"])]
    assert len(partial) > 0
    checked = 0
    for text, dim, ours in zip(partial["generated"], partial["dim"], partial["ours"], strict=True):
        name = "overall mos" if dim == "mos" else NAMES[dim]
        named = re.search(rf"{name}[^:]*:\s*(\d+(?:\.\d+)?)", text, flags=re.IGNORECASE)
        if named:
            assert ours == float(named.group(1)), (text, dim)
            checked += 1
        else:  # the dimension is not named in the answer: unscored, never guessed from the order
            assert pd.isna(ours), (text, dim)
    assert checked > 0
    # Their order rule gave some of these rows a value that belongs to another dimension.
    shifted = partial[(partial["y_pred"] != "") & partial["ours"].notna()]
    assert (shifted["y_pred"].map(_their_value) != shifted["ours"]).any()


def test_all_quantities_have_aliases_that_match_their_own_label() -> None:
    scale = load_scale()
    for quantity in QUANTITIES:
        got = extract(f"{scale.labels[quantity]}: 2.5", quantity)
        assert (got.value, got.status) == (2.5, "named")
