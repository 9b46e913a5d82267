"""The expected score from the probabilities a model puts on the score tokens (G-Eval style).

Input: the top-k log-probabilities at the answer position, ``token text -> logprob`` or a list of
``(token text, logprob)`` pairs (what vLLM and OpenAI-compatible servers return per generated
position; pass pairs when two token ids decode to the same text, so neither is lost). Output: ``sum(s * p(s))`` over the
scores ``s`` of a scale, with ``p`` renormalised over the score tokens present, a continuous score
without the ties of integer answers. Works for any integer scale whose top is at most 10: 0-10
for XACLE, 1-5 for the speech-quality task (``MOS_SCALE``).

Token texts are compared after stripping whitespace and the word-start markers of SentencePiece
(``▁``) and byte-level BPE (``Ġ``); several tokens for the same score (``"7"`` and ``" 7"``) add up.

"10" depends on the tokenizer (``tokenization``):
- ``"whole"``: numbers are single tokens (Llama-3 / tiktoken-style: "10" is one token). ``"10"``
  is 10 and ``"1"`` is 1.
- ``"digits"``: every digit is its own token (Qwen2 / Qwen2-Audio, Llama-2, Mistral, Gemma), so
  the first token of "10" is ``"1"`` and p("1") is p(1) + p(10). Pass ``after_one``, the top-k at
  the next position *when the generated token was "1"* (the same generation's next logprobs): then
  p(10) = p("1") * q("0") and p(1) = p("1") * (1 - q("0")), where q is that next distribution
  (mass outside its top-k counts as "not 0"). Without ``after_one`` the split is unknown: if "1"
  holds more than ``max_ambiguous`` (default 0.05) of the score mass the result is unscored
  (``ambiguous-ten``); below that its mass is read as 1 and ``ten_assumed_one`` is set.
  A scale whose top is below 10 (1-5) has no such token and ignores ``tokenization``.

Unscored (value None, reason ``code: detail``):
- ``no-score-token``: no score token among the top-k;
- ``low-mass``: the score tokens carry less than ``min_mass`` (default 0.5) of the probability:
  most of the model's mass goes elsewhere ("Score", "I", ...), so the answer position is not a
  score position or the model is not answering with a number; the renormalised expectation
  would describe a minority of its behaviour;
- ``ambiguous-ten``: see above.
Malformed input (a logprob above 0, NaN, or probabilities summing over 1) raises ExpectedScoreError.

``answer_position`` finds the first generated position whose token is a score token, for answers
such as "Score: 7" where the number is not the first token.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from jasco.tasks.xacle.errors import XacleError
from jasco.tasks.xacle.extract import XACLE_SCALE, ScoreScale

MOS_SCALE = ScoreScale(1, 5)
DEFAULT_MIN_MASS = 0.5
DEFAULT_MAX_AMBIGUOUS = 0.05
Tokenization = Literal["whole", "digits"]
# token text -> logprob, or (text, logprob) pairs: two token ids can decode to the same text
TopLogprobs = Mapping[str, float] | Iterable[tuple[str, float]]
_WORD_MARKERS = "\u2581\u0120\u010a"  # SentencePiece ▁, byte-level BPE Ġ (space) and Ċ (newline)
_TOLERANCE = 1e-6


class ExpectedScoreError(XacleError):
    """The logprob table is not a probability table, or the scale is not supported."""


@dataclass(frozen=True)
class ExpectedScore:
    value: float | None
    status: str  # "scored" or "unscored"
    reason: str = ""  # "code: detail" when unscored
    score_mass: float = 0.0  # probability on score tokens before renormalising
    distribution: Mapping[int, float] = field(default_factory=dict)  # renormalised, score -> p
    ten_assumed_one: bool = False  # digit tokenizer, no after_one: p("1") read as 1 (below max_ambiguous)


def token_text(token: str) -> str:
    """A token's text without surrounding whitespace and word-start markers."""
    return token.strip().strip(_WORD_MARKERS).strip()


def _probabilities(logprobs: TopLogprobs, what: str) -> list[tuple[str, float]]:
    entries = logprobs.items() if isinstance(logprobs, Mapping) else logprobs
    probabilities: list[tuple[str, float]] = []
    for token, logprob in entries:
        value = float(logprob)
        if math.isnan(value) or value > _TOLERANCE:
            raise ExpectedScoreError(f"{what}: logprob {logprob!r} of token {token!r} is not a log-probability")
        probabilities.append((token, math.exp(min(value, 0.0))))
    total = sum(p for _, p in probabilities)
    if total > 1.0 + 1e-3:
        raise ExpectedScoreError(f"{what}: the probabilities sum to {total:.4f} > 1 (not one position's top-k)")
    return probabilities


def _score_of(text: str, scale: ScoreScale) -> int | None:
    if text.isascii() and text.isdigit() and str(int(text)) == text and scale.low <= int(text) <= scale.high:
        return int(text)
    return None


def _check_scale(scale: ScoreScale) -> None:
    if scale.high > 10 or scale.low < 0 or scale.low >= scale.high:
        raise ExpectedScoreError(f"scale {scale}: only integer scales within 0-10 are supported")


def expected_score(
    top_logprobs: TopLogprobs,
    scale: ScoreScale = XACLE_SCALE,
    *,
    tokenization: Tokenization = "whole",
    after_one: TopLogprobs | None = None,
    min_mass: float = DEFAULT_MIN_MASS,
    max_ambiguous: float = DEFAULT_MAX_AMBIGUOUS,
) -> ExpectedScore:
    """The probability-weighted mean score at one answer position (see the module docstring)."""
    _check_scale(scale)
    if tokenization not in ("whole", "digits"):
        raise ExpectedScoreError(f"tokenization {tokenization!r}: expected 'whole' or 'digits'")
    mass: dict[int, float] = {}
    for token, probability in _probabilities(top_logprobs, "answer position"):
        score = _score_of(token_text(token), scale)
        if score is not None:
            mass[score] = mass.get(score, 0.0) + probability
    total = sum(mass.values())  # splitting "1" below moves mass between 1 and 10, never changes it
    if total <= 0.0:
        return ExpectedScore(None, "unscored", f"no-score-token: no token {scale} among the top-k")
    if total < min_mass:
        return ExpectedScore(
            None, "unscored",
            f"low-mass: score tokens carry {total:.2f} of the probability (< {min_mass:.2f})",
            score_mass=total,
        )
    assumed_one = False
    if tokenization == "digits" and scale.high == 10 and mass.get(1, 0.0) > 0.0:
        p_one = mass[1]
        if after_one is not None:
            next_probabilities = _probabilities(after_one, "position after '1'")
            q_zero = sum(p for token, p in next_probabilities if token_text(token) == "0")
            mass[1] = p_one * (1.0 - q_zero)
            mass[10] = mass.get(10, 0.0) + p_one * q_zero
        elif p_one / total > max_ambiguous:
            return ExpectedScore(
                None, "unscored",
                f"ambiguous-ten: '1' holds {p_one / total:.2f} of the score mass and may begin '10' "
                "(digit tokenizer, no next-position logprobs)",
                score_mass=total,
            )
        else:
            assumed_one = True
    distribution = {score: mass[score] / total for score in sorted(mass)}
    value = sum(score * p for score, p in distribution.items())
    return ExpectedScore(value, "scored", "", total, distribution, assumed_one)


def answer_position(
    tokens: Sequence[str], scale: ScoreScale = XACLE_SCALE, tokenization: Tokenization = "whole"
) -> int | None:
    """Index of the first generated token that is a score token (or "1" of a digit-split "10"), else None."""
    _check_scale(scale)
    for index, token in enumerate(tokens):
        text = token_text(token)
        if _score_of(text, scale) is not None or (tokenization == "digits" and scale.high == 10 and text == "1"):
            return index
    return None
