"""An answer's stored logprobs -> its expected score: the answer position, the check against the text
rating, the generated token outside the top-k, "10" on digit tokenizers, and the tokenization read
from the tokenizer's own tokens. Hand-worked tables."""

from __future__ import annotations

import json
from math import log

import pytest

from jasco.models.types import TokenLogprob
from jasco.tasks.xacle.expected import MOS_SCALE
from jasco.tasks.xacle.expected_answer import (
    expected_from_positions,
    has_whole_number_tokens,
    positions_from_json,
    tokenization_of,
)
from jasco.tasks.xacle.extract import extract_rating


def plain(token: str) -> TokenLogprob:
    """A position that is certain of its token."""
    return TokenLogprob(token, 0.0, ((token, 0.0),))


def test_the_expectation_is_read_at_the_first_score_token() -> None:
    # "Score: 7": p(7) = 0.5, p(8) = 0.25, p(6) = 0.25 -> 7.0; the "Score" and ":" positions are ignored.
    score = TokenLogprob(" 7", log(0.5), ((" 7", log(0.5)), (" 8", log(0.25)), (" 6", log(0.25))))
    positions = (plain("Score"), plain(":"), score, plain("<|im_end|>"))
    got = expected_from_positions(positions, extract_rating("Score: 7"))
    assert got.status == "scored" and got.value == pytest.approx(7.0)


def test_a_generated_token_outside_the_top_k_counts_once() -> None:
    # Server style: top-2 lists 8 and 9; the generated 7 (p 0.2) comes apart. vLLM style: it is in the list.
    server = TokenLogprob("7", log(0.2), (("8", log(0.5)), ("9", log(0.3))))
    in_process = TokenLogprob("7", log(0.2), (("8", log(0.5)), ("9", log(0.3)), ("7", log(0.2))))
    values = [expected_from_positions((p,), extract_rating("7"), min_mass=0.0).value for p in (server, in_process)]
    assert values == pytest.approx([8 * 0.5 + 9 * 0.3 + 7 * 0.2] * 2)


def test_a_preamble_number_is_not_the_answer_position() -> None:
    # "On a scale of 0 to 10, I rate it 7": the first score token is the 0 of the scale, not the rating.
    tokens = ["On", " a", " scale", " of", " 0", " to", " 1", "0", ",", " I", " rate", " it", " 7"]
    text = "".join(tokens)
    assert extract_rating(text).value == 7
    got = expected_from_positions(tuple(plain(t) for t in tokens), extract_rating(text))
    assert got.value is None and got.reason.startswith("position-mismatch: the first score token spells 0")


def test_an_answer_the_text_rule_cannot_score_is_unscored() -> None:
    got = expected_from_positions((plain("6"), plain("-"), plain("7")), extract_rating("6-7"))
    assert got.value is None and got.reason.startswith("text-unscored: range")
    assert expected_from_positions((), extract_rating("7")).reason.startswith("no-logprobs")
    words = expected_from_positions((plain("Seven"),), extract_rating("Seven"))
    assert words.reason.startswith("no-score-token")


def test_ten_on_a_digit_tokenizer_uses_the_next_position() -> None:
    # Generated "1" "0": p("1") = 0.6, p("9") = 0.4; after "1", p("0") = 0.5 -> p(10) = 0.3, p(1) = 0.3.
    first = TokenLogprob("1", log(0.6), (("1", log(0.6)), ("9", log(0.4))))
    second = TokenLogprob("0", log(0.5), (("0", log(0.5)), ("<|im_end|>", log(0.5))))
    got = expected_from_positions((first, second), extract_rating("10"), tokenization="digits")
    assert got.value == pytest.approx(0.3 * 10 + 0.3 * 1 + 0.4 * 9)
    # A whole-number tokenizer generated "10" as one token: read as it is.
    whole = TokenLogprob("10", log(0.6), (("10", log(0.6)), ("9", log(0.4))))
    assert expected_from_positions((whole,), extract_rating("10"), tokenization="whole").value == pytest.approx(9.6)


def test_too_little_score_mass_and_malformed_tables_are_unscored_with_reasons() -> None:
    thin = TokenLogprob("7", log(0.1), (("I", log(0.8)), ("7", log(0.1))))
    assert expected_from_positions((thin,), extract_rating("7")).reason.startswith("low-mass")
    assert expected_from_positions((thin,), extract_rating("7"), min_mass=0.05).value == pytest.approx(7.0)
    broken = TokenLogprob("7", log(0.9), (("7", log(0.9)), ("8", log(0.9))))
    assert expected_from_positions((broken,), extract_rating("7")).reason.startswith("bad-logprobs")


def test_a_five_point_scale() -> None:
    position = TokenLogprob("4", log(0.75), (("4", log(0.75)), ("5", log(0.25))))
    assert expected_from_positions((position,), extract_rating("4", MOS_SCALE), MOS_SCALE).value == pytest.approx(4.25)


def test_tokenization_is_read_from_the_tokens_themselves() -> None:
    digits = [(plain("7"), TokenLogprob("1", -1.0, (("1", -1.0), ("7", -1.0))))]
    assert tokenization_of(digits) == "digits"
    whole = [*digits, (TokenLogprob("7", -1.0, (("7", -1.0), ("\u012010", -1.5))),)]
    assert has_whole_number_tokens(whole[-1]) and tokenization_of(whole) == "whole"
    assert not has_whole_number_tokens((plain("\u00b2\u00b3"), plain("1a")))  # not ASCII digits, not a number


def test_stored_logprobs_round_trip_and_malformed_cells_are_errors() -> None:
    positions = (TokenLogprob("7", -0.5, (("7", -0.5), ("8", -1.0))),)
    cell = json.dumps([p.as_dict() for p in positions])
    assert positions_from_json(cell) == positions
    assert positions_from_json("") == () and positions_from_json("null") == ()
    with pytest.raises(ValueError, match="malformed position"):
        positions_from_json('[{"token": "7"}]')
    with pytest.raises(ValueError, match="not a list"):
        positions_from_json('{"token": "7"}')
