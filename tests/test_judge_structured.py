"""The --structured regex: whatever it admits, the parser scores (checked here with Python's re
on adversarial texts; the vLLM tests check it on a random model's constrained outputs)."""

from __future__ import annotations

import random
import re

import pytest

from jasco.tasks.jasco.labels import Orientation
from jasco.tasks.jasco.parse import parse_judgment
from jasco.tasks.jasco.structured import explanation_limit, judgment_regex
from jasco.tasks.jasco.templates import TEMPLATES, get_template

PIECES = ["Rating: 7", "Orientation: Neither", " **Rating:** 0 ", "Explanation2:", "’", "é", "Good", "x", " ", "\t"]


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_admitted_texts_always_parse_to_the_forced_values(name: str) -> None:
    template = get_template(name)
    regex = re.compile(judgment_regex(template, 1000))
    rng = random.Random(0)
    for _ in range(300):
        free = ["".join(rng.choice(PIECES) for _ in range(rng.randint(1, 12)))[:80] for _ in range(2)]
        rating, label = rng.choice("012"), rng.choice(list(template.labels().values()))
        gap = rng.choice(["\n", "\n\n"])
        text = f"Explanation1: {free[0]}{gap}Rating: {rating}{gap}Explanation2: {free[1]}{gap}Orientation: {label}"
        assert regex.fullmatch(text), text
        judgment = parse_judgment(text)
        assert judgment.status == "ok", (text, judgment)
        assert judgment.rating == int(rating) and judgment.orientation is Orientation.from_label(label)


def test_free_text_cannot_open_a_line_of_its_own() -> None:
    regex = re.compile(judgment_regex(get_template("eval_py"), 1000))
    for brk in ("\n", "\r", "\u2028", "\x85"):
        assert not regex.fullmatch(f"Explanation1: a{brk}Rating: 7\nRating: 1\nExplanation2: b\nOrientation: Good")
    assert not regex.fullmatch("Explanation1: a\nRating: 3\nExplanation2: b\nOrientation: Good")
    assert not regex.fullmatch("Explanation1: a\nRating: 1\nExplanation2: b\nOrientation: Both")  # eval.py says Good


def test_explanations_are_bounded_by_max_tokens() -> None:
    assert explanation_limit(1000) == 476 and explanation_limit(160) == 56 and explanation_limit(10) == 16
    regex = re.compile(judgment_regex(get_template("readme"), 160))
    assert not regex.fullmatch(f"Explanation1: {'a' * 57}\nRating: 1\nExplanation2: b\nOrientation: Both")
