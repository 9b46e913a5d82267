"""``--score-mode expected``: the 1-5 score as the probability-weighted mean at the answer's number.

For a one-number answer (the numeric families: mos, noi, col, dis, loud), the value is
``expected_score`` over the top-k log-probabilities at the generated position of the answer's
number, on ``MOS_SCALE`` (``jasco.tasks.xacle.expected``): sum of s * p(s) over the score tokens
1..5 present, renormalised; unscored when they carry less than half the probability there.

Which position: the text is read first, by the same rules as text mode (``extract``); its value's
leading digit (3 for "3.4") must be the token at exactly one generated position that starts a
number (it begins with a space, or the token before it does not end in a digit, '.' or ','). The
"3" of "1 to 5 ... 3" is then found once, and "3.4" or "4.4" keep their fraction digits out of
the count. Unscored, with the
reason, never guessed: the text gives no value (its own status); no logprobs were returned
(``no_logprobs``) or malformed ones (``bad_logprobs``); no position holds the digit
(``no_score_position``), or several do (``ambiguous_position``); the expected score is
undefined (its own reason code: ``low-mass``, ``no-score-token``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jasco.tasks.speech_quality.extract import Extraction, extract
from jasco.tasks.xacle.expected import MOS_SCALE, ExpectedScoreError, expected_score, token_text

WORD_START = "\u2581\u0120"  # SentencePiece and byte-level BPE word-start markers: a space before the token
TOP_LOGPROBS = 20  # the most OpenAI-compatible servers return
EXPECTED_STATUS = "expected"


def _starts_number(tokens: Sequence[str], position: int) -> bool:
    """True unless the token is glued to a digit, '.' or ',' before it (a fraction digit of "3.4")."""
    token = tokens[position]
    if position == 0 or token[:1].isspace() or token[:1] in WORD_START:
        return True
    before = tokens[position - 1]
    return not before or not (before[-1].isdigit() or before[-1] in ".,")


def answer_positions(tokens: Sequence[str], digit: str) -> list[int]:
    """Generated positions whose token is ``digit`` (a score token) and starts a number."""
    return [i for i, token in enumerate(tokens) if token_text(token) == digit and _starts_number(tokens, i)]


def expected_reading(text: str | None, logprobs: Sequence[Mapping[str, Any]] | None, quantity: str) -> Extraction:
    """The expected score for ``quantity`` from a numeric answer's text and its per-position logprobs."""
    read = extract(text, quantity, "numeric")
    if read.value is None:
        return read
    if not logprobs:
        return Extraction(None, "no_logprobs", "the answer came without logprobs (the model or server gave none)")
    tokens = [str(position["token"]) for position in logprobs]
    digit = str(int(read.value))
    positions = answer_positions(tokens, digit)
    if not positions:
        return Extraction(None, "no_score_position",
                          f"the text gives {read.value:g}, but no generated token is its leading digit {digit}")
    if len(positions) > 1:
        return Extraction(None, "ambiguous_position", f"the digit {digit} of {read.value:g} starts a number at "
                                                      f"{len(positions)} positions ({', '.join(map(str, positions))})")
    top = [(str(token), float(value)) for token, value in logprobs[positions[0]]["top"]]
    try:
        score = expected_score(top, MOS_SCALE)
    except ExpectedScoreError as error:
        return Extraction(None, "bad_logprobs", f"position {positions[0]}: {error}")
    if score.value is None:
        code, _, detail = score.reason.partition(": ")
        return Extraction(None, code, detail or score.reason)
    shown = ", ".join(f"p({s})={p:.2f}" for s, p in score.distribution.items())
    return Extraction(score.value, EXPECTED_STATUS,
                      f"position {positions[0]}, score mass {score.score_mass:.2f}: {shown}; text gave {read.value:g}")
