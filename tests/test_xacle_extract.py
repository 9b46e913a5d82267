"""The XACLE rating extractor against its committed case table (tests/data/xacle_extract_cases.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jasco.tasks.xacle.extract import SCORED, UNSCORED, ScoreScale, extract_rating

CASES = json.loads((Path(__file__).parent / "data" / "xacle_extract_cases.json").read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[repr(case["text"])[:40] for case in CASES])
def test_case_table(case: dict) -> None:
    result = extract_rating(case["text"])
    if case["code"] == "scored":
        assert (result.status, result.value, result.reason) == (SCORED, case["value"], "")
    else:
        assert result.status == UNSCORED and result.value is None
        assert result.code == case["code"], result.reason


def test_case_table_covers_every_reason() -> None:
    codes = {case["code"] for case in CASES}
    assert codes == {"scored", "empty", "no-number", "untied", "range", "out-of-range", "conflict", "other-scale"}


def test_none_is_unscored_not_zero() -> None:
    result = extract_rating(None)
    assert result.value is None and result.code == "empty"


def test_reason_names_the_offending_number() -> None:
    assert "12" in extract_rating("Score: 12").reason
    assert "7, 8" in extract_rating("Score: 7. Final score: 8").reason
    assert "70/100" in extract_rating("Score: 70/100").reason


def test_a_five_point_scale_reuses_the_rules() -> None:
    five = ScoreScale(1, 5)
    assert extract_rating("4 out of 5", five).value == 4
    assert extract_rating("Score: 3", five).value == 3
    assert extract_rating("Score: 0", five).code == "out-of-range"
    assert extract_rating("7/10", five).code == "other-scale"
