"""The judge-output parser, driven by the case table in tests/data/judge_parse_cases.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jasco.tasks.jasco.labels import Orientation
from jasco.tasks.jasco.parse import explanation2, parse_judgment, parse_repair_answer

CASES = json.loads((Path(__file__).parent / "data" / "judge_parse_cases.json").read_text("utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_case_table(case: dict) -> None:
    judgment = parse_judgment(case["text"])
    assert judgment.rating == case["rating"]
    assert judgment.orientation_label == (case["orientation"] or "")
    assert judgment.status == case["status"]
    assert judgment.scored == (case["status"] == "ok")


def test_table_covers_the_four_upstream_readme_examples() -> None:
    assert sum(case["name"].startswith("upstream README example") for case in CASES) == 4


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("Good.", Orientation.BOTH),
        ("The final choice is Speech-Oriented.", Orientation.SPEECH),
        ("Audio-Oriented/Speech-Oriented/Good/Neither.", None),
        ("I cannot tell", None),
        ("", None),
    ],
)
def test_repair_answer(answer: str, expected: Orientation | None) -> None:
    assert parse_repair_answer(answer) == expected


def test_explanation2_is_the_text_after_the_last_marker() -> None:
    assert explanation2("Explanation1: a\nRating: 1\nExplanation2: it is both\nOrientation: ?") == (
        "it is both\nOrientation: ?"
    )
