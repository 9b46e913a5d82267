"""The expected score from score-token logprobs, on hand-worked tables (0-10 and 1-5 scales)."""

from __future__ import annotations

from math import log

import pytest

from jasco.tasks.xacle.expected import (
    MOS_SCALE,
    ExpectedScoreError,
    answer_position,
    expected_score,
    token_text,
)


def test_renormalised_mean_over_score_tokens() -> None:
    # p(7) = 0.6, p(8) = 0.3 and 0.05 on a non-score token: the score mass is 0.9,
    # renormalised 2/3 and 1/3 -> 7 * 2/3 + 8 * 1/3 = 22/3.
    result = expected_score({"7": log(0.6), "8": log(0.3), "Score": log(0.05)})
    assert result.status == "scored"
    assert result.value == pytest.approx(22 / 3)
    assert result.score_mass == pytest.approx(0.9)
    assert result.distribution == pytest.approx({7: 2 / 3, 8: 1 / 3})


def test_spellings_of_one_score_add_up() -> None:
    # "7", " 7" (byte-level BPE shows it as "Ġ7") and "▁7" (SentencePiece) are the same answer:
    # p(7) = 0.2 + 0.2 + 0.1 = 0.5, p(3) = 0.5 -> 5.0.
    result = expected_score({"7": log(0.2), "\u01207": log(0.2), "\u25817": log(0.1), "3": log(0.5)})
    assert result.value == pytest.approx(5.0)
    assert token_text(" \u25817 ") == "7"
    # As (text, logprob) pairs two token ids with the same text both count: p(7) = 0.25 + 0.25.
    pairs = expected_score([(" 7", log(0.25)), (" 7", log(0.25)), ("9", log(0.5))])
    assert pairs.value == pytest.approx(8.0)


def test_whole_number_tokenizers_read_10_and_1_as_themselves() -> None:
    # p(10) = 0.5, p(1) = 0.25, p(9) = 0.25 -> 5 + 0.25 + 2.25 = 7.5
    result = expected_score({"10": log(0.5), "1": log(0.25), "9": log(0.25)}, tokenization="whole")
    assert result.value == pytest.approx(7.5)


def test_digit_tokenizers_split_1_with_the_next_position() -> None:
    # "1" (0.5) may begin "10": after "1", "0" has 0.8 -> p(10) = 0.4, p(1) = 0.1; p(9) = 0.5.
    # 0.4 * 10 + 0.1 * 1 + 0.5 * 9 = 8.6
    result = expected_score(
        {"1": log(0.5), "9": log(0.5)}, tokenization="digits", after_one={"0": log(0.8), "<|im_end|>": log(0.2)}
    )
    assert result.value == pytest.approx(8.6)
    assert result.distribution == pytest.approx({1: 0.1, 9: 0.5, 10: 0.4})


def test_digit_tokenizers_without_the_next_position_are_unscored_when_1_matters() -> None:
    result = expected_score({"1": log(0.5), "9": log(0.5)}, tokenization="digits")
    assert result.value is None and result.reason.startswith("ambiguous-ten")
    # Below max_ambiguous (0.05 of the score mass) "1" is read as 1 and flagged.
    small = expected_score({"1": log(0.02), "9": log(0.98)}, tokenization="digits")
    assert small.value == pytest.approx(0.02 * 1 + 0.98 * 9)
    assert small.ten_assumed_one


def test_too_little_mass_on_score_tokens_is_unscored() -> None:
    result = expected_score({"7": log(0.3), "The": log(0.6)})
    assert result.value is None and result.reason.startswith("low-mass")
    assert result.score_mass == pytest.approx(0.3)
    assert expected_score({"7": log(0.3), "The": log(0.6)}, min_mass=0.25).value == pytest.approx(7.0)
    assert expected_score({"The": log(0.9)}).reason.startswith("no-score-token")


def test_a_five_point_scale_ignores_tokens_outside_it() -> None:
    # MOS 1-5: "0" and "7" are not scores; p(3) = 0.5, p(4) = 0.3 -> (1.5 + 1.2) / 0.8 = 3.375.
    result = expected_score({"3": log(0.5), "4": log(0.3), "0": log(0.1), "7": log(0.05)}, MOS_SCALE)
    assert result.value == pytest.approx(3.375)
    assert result.score_mass == pytest.approx(0.8)
    # "1" cannot begin "10" on a 1-5 scale: no ambiguity even for a digit tokenizer.
    assert expected_score({"1": log(0.5), "2": log(0.5)}, MOS_SCALE, tokenization="digits").value == 1.5


def test_malformed_tables_are_errors() -> None:
    with pytest.raises(ExpectedScoreError, match="not a log-probability"):
        expected_score({"7": 0.5})
    with pytest.raises(ExpectedScoreError, match="sum to"):
        expected_score({"7": log(0.8), "8": log(0.7)})
    with pytest.raises(ExpectedScoreError, match="tokenization"):
        expected_score({"7": 0.0}, tokenization="bytes")  # type: ignore[arg-type]


def test_answer_position_finds_the_score_token() -> None:
    assert answer_position(["Score", ":", " 7", "<|im_end|>"]) == 2
    assert answer_position(["I", " would", " say", " 1", "0"], tokenization="digits") == 3
    assert answer_position(["No", " idea"]) is None


def test_digit_like_tokens_that_are_not_ascii_digits_are_not_scores() -> None:
    """Superscripts and other Unicode digits are not scores (int() cannot read them)."""
    got = expected_score({"7": log(0.8), "\u00b2": log(0.1), "\u0663": log(0.05)})
    assert got.value == pytest.approx(7.0) and got.distribution == {7: pytest.approx(1.0)}
    assert answer_position(["\u00b2", " 7"]) == 1
