"""The judge-output parser, driven by the case table in tests/data/judge_parse_cases.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jasco.tasks.jasco.labels import Orientation
from jasco.tasks.jasco.parse import (
    explanation2,
    orientation_needs_repair,
    parse_judgment,
    parse_repair_answer,
    rating_needs_repair,
)

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


# ------------------------------------------------------------ properties (hypothesis)

_NOISE = st.text(alphabet=st.sampled_from(list("abcdefghij klmnopqrstuvwxyz ABCXYZ.,;!?'\"()*_")), max_size=30)
_MARKUP = st.sampled_from(["", "**", "*", "`"])
# ways to name a second rating b after "Rating: a": on the same line, on the lines after it
# (before the next field line), or in a second Rating line
_SAME_LINE = [" or {b}", "-{b}", " - {b}", " to {b}", " and {b}", " (maybe {b})", ", or rather {b}", "; I give {b}",
              " but {b} fits better", ". Final answer: {b}."]
_NEXT_LINES = ["{b} would be too generous; I give {b}", "I give it a {b}.", "Actually {b}.", "-> {b}", "**{b}**",
               "On reflection, {b}."]


@st.composite
def _two_candidates(draw: st.DrawFn) -> tuple[str, int, int]:
    a, b = draw(st.permutations([0, 1, 2]).map(lambda p: (p[0], p[1])))
    mark = draw(_MARKUP)
    shape = draw(st.sampled_from(["same line", "next lines", "second Rating line"]))
    rating_line = f"{mark}Rating:{mark} {a}"
    if shape == "same line":
        rating_line += draw(_NOISE).replace("-", "") + draw(st.sampled_from(_SAME_LINE)).format(b=b)
        after = ""
    elif shape == "next lines":
        after = draw(_NOISE) + "\n" + draw(st.sampled_from(_NEXT_LINES)).format(b=b) + " " + draw(_NOISE) + "\n"
    else:
        after = f"Explanation2: {draw(_NOISE)}\nOrientation: Both\nRating: {b}\n"
    label = draw(st.sampled_from(["Both", "Good", "Neither"]))
    ending = f"Explanation2: {draw(_NOISE)}\n{mark}Orientation:{mark} {label}"
    text = f"Explanation1: {draw(_NOISE)}\n{rating_line}\n{after}{ending}"
    return text, a, b


@settings(max_examples=400, deadline=None)
@given(_two_candidates())
def test_two_different_candidate_ratings_are_never_scored_as_one(case: tuple[str, int, int]) -> None:
    text, a, b = case
    judgment = parse_judgment(text)
    assert judgment.rating is None and not judgment.scored, text
    assert judgment.status.startswith("unscored: ")
    assert rating_needs_repair(judgment) and {a, b} <= set(judgment.rating_candidates), judgment


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([0, 1, 2]), _NOISE, _NOISE, _MARKUP,
       st.sampled_from(["", " (0-2 scale)", " out of 2", "/2", " on a scale of 0 to 2", ". The answer is close."]))
def test_one_candidate_rating_is_scored(rating: int, first: str, second: str, mark: str, scale: str) -> None:
    """The other side: one rating, digit-free text and a mention of the scale still score."""
    text = f"Explanation1: {first}\n{mark}Rating:{mark} {rating}{scale}\n\nExplanation2: {second}\nOrientation: Both"
    judgment = parse_judgment(text)
    assert judgment.status == "ok" and judgment.rating == rating, text
    assert not rating_needs_repair(judgment)


def test_only_choices_between_named_ratings_go_to_a_rating_re_ask() -> None:
    assert rating_needs_repair(parse_judgment("Rating: 0 or 2\nOrientation: Both"))
    for text in ("Rating: -2\nOrientation: Both", "Rating: 2/10\nOrientation: Both", "Orientation: Both",
                 "Rating: (int)\nOrientation: Both", "Rating: 2\nOrientation: Goodbye"):
        assert not rating_needs_repair(parse_judgment(text)), text
    assert orientation_needs_repair(parse_judgment("Rating: 2\nOrientation: Goodbye"))
