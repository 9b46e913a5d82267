"""From one answer's generated-token logprobs (what the infer stage stores) to its expected score.

The infer stage keeps, per answer, every generated position's token, its logprob and the top-k
alternatives (``answer_logprobs``: JSON of ``TokenLogprob.as_dict``). ``expected_from_positions``
turns them into ``expected.expected_score`` at the answer position:

- the **answer position** is the first generated score token (``expected.answer_position``);
- the rating the text rule read from the same answer (``extract.extract_rating``) must be what the
  tokens from that position spell (consecutive digit tokens: "1" "0" spells 10), so a preamble
  such as "On a scale of 0 to 10, ..." never puts the expectation at the wrong number. An answer
  the text rule cannot score is unscored here too (``text-unscored``), a spelled number that is
  not the rating is ``position-mismatch``: expected mode scores exactly the answers text mode
  scores, with a continuous value instead of an integer;
- the distribution at that position is the top-k **plus the generated token** (an OpenAI-compatible
  server lists the generated token apart when it is outside the top-k; in-process vLLM lists it
  among them), so both backends give the same numbers;
- with a digit tokenizer, when the generated token is "1", the next position's distribution is
  ``after_one`` (p(10) = p("1") q("0")).

``tokenization`` is decided from the tokenizer's own output (``tokenization_of``): a tokenizer
that has whole-number tokens (Llama-3, tiktoken-style: "10", "100") shows one somewhere in a
model's top-k at its score positions; digit tokenizers (Qwen2, Llama-2, Mistral, Gemma) never
produce a token of two or more digits. No such token seen -> "digits", which is safe either way:
on a whole-number tokenizer "10" is still read as 10, and "1" is split only by the next
position's p("0"), which such a tokenizer leaves near 0.

Unscored reasons (``code: detail``) beside those of ``expected_score``: ``no-logprobs`` (the
backend returned none), ``bad-logprobs`` (not a probability table), ``no-score-token``,
``text-unscored``, ``position-mismatch``. Any integer scale within 0-10 works (``MOS_SCALE`` too).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from jasco.models.types import TokenLogprob
from jasco.tasks.xacle.expected import (
    DEFAULT_MAX_AMBIGUOUS,
    DEFAULT_MIN_MASS,
    ExpectedScore,
    ExpectedScoreError,
    Tokenization,
    answer_position,
    expected_score,
    token_text,
)
from jasco.tasks.xacle.extract import SCORED, XACLE_SCALE, Extraction, ScoreScale

TOKENIZATIONS = ("auto", "digits", "whole")
_SAME_LOGPROB = 1e-6


def positions_from_json(cell: str) -> tuple[TokenLogprob, ...]:
    """The infer stage's ``answer_logprobs`` cell as positions (empty cell: none). ValueError if malformed."""
    if not cell.strip():
        return ()
    data = json.loads(cell)
    if data is None:
        return ()
    if not isinstance(data, list):
        raise ValueError("answer_logprobs is not a list of positions")
    try:
        return tuple(TokenLogprob.from_dict(entry) for entry in data)
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"answer_logprobs has a malformed position ({error})") from None


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def has_whole_number_tokens(positions: Iterable[TokenLogprob]) -> bool:
    """A token (generated or among the top-k) that spells a number of two or more digits."""
    for position in positions:
        for token in (position.token, *(text for text, _ in position.top)):
            text = token_text(token)
            if len(text) > 1 and _is_number(text):
                return True
    return False


def tokenization_of(answers: Iterable[Sequence[TokenLogprob]]) -> Tokenization:
    """"whole" when any answer of one model shows a multi-digit token, else "digits" (see the docstring)."""
    return "whole" if any(has_whole_number_tokens(positions) for positions in answers) else "digits"


def _distribution(position: TokenLogprob) -> list[tuple[str, float]]:
    """The position's top-k with the generated token added when it is not among them."""
    top = list(position.top)
    if not any(text == position.token and abs(value - position.logprob) <= _SAME_LOGPROB for text, value in top):
        top.append((position.token, position.logprob))
    return top


def _spelled(positions: Sequence[TokenLogprob], start: int) -> str:
    """The number the generated tokens spell from ``start``: that token's digits and the digit tokens
    right after it (no space between: "1" "0" -> "10", "7" " 5" -> "7")."""
    digits = token_text(positions[start].token)
    for position in positions[start + 1:]:
        if position.token != position.token.strip() or not _is_number(position.token):
            break
        digits += position.token
    return digits


def _unscored(reason: str) -> ExpectedScore:
    return ExpectedScore(None, "unscored", reason)


def expected_from_positions(
    positions: Sequence[TokenLogprob],
    extraction: Extraction,
    scale: ScoreScale = XACLE_SCALE,
    tokenization: Tokenization = "digits",
    min_mass: float = DEFAULT_MIN_MASS,
    max_ambiguous: float = DEFAULT_MAX_AMBIGUOUS,
) -> ExpectedScore:
    """The expected score of one answer (see the module docstring); never raises for bad logprobs."""
    if not positions:
        return _unscored("no-logprobs: the answer carries no token logprobs (does the backend return them?)")
    if extraction.status != SCORED or extraction.value is None:
        return _unscored(f"text-unscored: {extraction.reason}")
    index = answer_position([p.token for p in positions], scale, tokenization)
    if index is None:
        return _unscored(f"no-score-token: no generated token is a score {scale}")
    spelled = _spelled(positions, index)
    if float(spelled) != extraction.value:
        return _unscored(f"position-mismatch: the first score token spells {spelled}, "
                         f"the answer's rating is {extraction.value:g}")
    after_one = None
    if (tokenization == "digits" and scale.high == 10 and token_text(positions[index].token) == "1"
            and index + 1 < len(positions)):
        after_one = _distribution(positions[index + 1])
    try:
        return expected_score(_distribution(positions[index]), scale, tokenization=tokenization,
                              after_one=after_one, min_mass=min_mass, max_ambiguous=max_ambiguous)
    except ExpectedScoreError as error:
        return _unscored(f"bad-logprobs: {error}")
