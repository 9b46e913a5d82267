"""Rule-based extraction of the 0-10 match rating from an ALLM's text answer; never a guess.

A number counts only when it is tied to the rating (digits, or the words zero..ten):
- a fraction of the scale's top: ``6/10``, ``7 out of 10``, ``seven out of ten``;
- after a rating word within the same clause: ``Score: 7``, ``Rating - 8``, ``I'd rate it a 6``,
  ``I would give this an 8``, ``scored 9`` (at most 40 characters between, none of them a digit,
  newline or sentence end; the word "one" is not read there, so "rate this one a 7" gives 7);
- the answer opening with the number (``7``, ``**7**``, ``Answer: 7``, ``7. The caption ...``,
  ``7 - ...``) or its last line being only the number.
Mentions of the scale itself (``on a scale of 0 to 10``, ``(0-10)``, ``from 0 to 10``,
``Score (out of 10):``, ``Rating out of 10:``) are removed first. Decimals are kept (``7.5/10`` is 7.5).

Unscored, with the reason's code first (``code: detail``), the raw text kept by the caller:
- ``empty``: no text; ``no-number``: no number at all; ``untied``: numbers, none tied to the
  rating ("2 dogs bark");
- ``range``: a tied number is one end of a range (``6-7``, ``6 to 7``, ``6 or 7``, ``6 and 7``,
  ``between 6 and 7``);
- ``other-scale``: a fraction of another top (``70/100``, ``4/5``) follows a rating word, or is
  the only candidate (an untied ``2/3`` beside ``Score: 7`` is ignored);
- ``out-of-range``: a tied number outside the scale (``Score: 12``, ``11/10``, ``-1``);
- ``conflict``: two different tied numbers (``Score: 7 ... Final score: 8``); the same number
  twice is fine.
The scale is a parameter (default 0-10) so a 1-5 task can reuse the rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SCORED = "scored"
UNSCORED = "unscored"

_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}
_NUMBER = r"(?:\d+(?:\.\d+)?|zero|one|two|three|four|five|six|seven|eight|nine|ten)"
_NUMBER_NOT_ONE = r"(?:\d+(?:\.\d+)?|zero|two|three|four|five|six|seven|eight|nine|ten)"
_START = r"(?<![\w.])"  # a number starts here (not inside a word or a decimal)
_END = r"(?![\w]|\.\d)"  # and ends here
_RATING_WORDS = r"(?:score[sd]?|scoring|rating|rate[sd]?|grade[sd]?|give|gives|gave|giving|assign(?:ed|s)?)"

_FRACTION = re.compile(rf"{_START}(?P<num>{_NUMBER}){_END}\s*(?:/|out\s+of)\s*(?P<den>\d+(?:\.\d+)?|ten){_END}")
_KEYWORD = re.compile(rf"\b{_RATING_WORDS}\b(?P<gap>[^\d\n.!?]{{0,40}}?){_START}(?P<num>{_NUMBER_NOT_ONE}){_END}")
_LEADING = re.compile(
    rf"^(?:(?:final\s+)?answer\s*[:\-]?\s*)?(?:between\s+)?-?(?P<num>{_NUMBER}){_END}"
    rf"(?=\s*$|\s*[.,;:!)\]/\-]|\s*\n|\s+(?:to|or|and)\s)"
)
_LAST_LINE = re.compile(rf"^-?(?P<num>{_NUMBER})[.!]?$")
_ANY_NUMBER = re.compile(rf"{_START}\d+(?:\.\d+)?")
_SCALE_MENTIONS = (
    re.compile(r"(?:on\s+)?(?:a\s+)?(?:scale|range)\s+(?:of|from)\s+(?:0|zero|1|one)\s*(?:-|to)\s*(?:10|ten)\b"),
    re.compile(r"\(\s*(?:0|1)\s*(?:-|to)\s*10\s*\)"),
    re.compile(r"\bfrom\s+(?:0|zero)\s+to\s+(?:10|ten)\b"),
    re.compile(r"\bbetween\s+(?:0|zero)\s+and\s+(?:10|ten)\b"),
    re.compile(r"\b(?:0|1)\s*-\s*10\s+scale\b"),
    re.compile(r"\(\s*(?:out\s+of|/)\s*(?:10|ten)\s*\)"),  # "Score (out of 10): 7"
    re.compile(r"(?<=score)\s+out\s+of\s+(?:10|ten)\b"),  # "Score out of 10: 7"
    re.compile(r"(?<=rating)\s+out\s+of\s+(?:10|ten)\b"),
)
_RANGE_AFTER = re.compile(rf"^\s*(?:-|to|or|and)\s*{_NUMBER}{_END}")
_RANGE_BEFORE = re.compile(rf"{_START}{_NUMBER}\s*(?:-|to|or)\s*$")
_BETWEEN_BEFORE = re.compile(r"\bbetween\s*$")
_AND_AFTER = re.compile(rf"^\s*and\s*{_NUMBER}{_END}")
_MARKUP = re.compile(r"[*_`#>\"“”]")


@dataclass(frozen=True)
class Extraction:
    value: float | None
    status: str  # SCORED or UNSCORED
    reason: str = ""  # "code: detail" when unscored

    @property
    def code(self) -> str:
        return self.reason.split(":", 1)[0] if self.reason else ""


@dataclass(frozen=True)
class ScoreScale:
    low: int
    high: int

    def __str__(self) -> str:
        return f"{self.low}-{self.high}"


XACLE_SCALE = ScoreScale(0, 10)


@dataclass(frozen=True)
class _Candidate:
    value: float
    start: int
    end: int
    denominator: float | None = None  # set when written as a fraction
    after_rating_word: bool = False


def _number(text: str) -> float:
    return float(_WORDS[text]) if text in _WORDS else float(text)


def _signed(text: str, start: int, value: float) -> float:
    """``-1`` is negative; the hyphen of ``6-7`` (a digit before it) is not a sign."""
    if start > 0 and text[start - 1] == "-" and (start < 2 or not text[start - 2].isdigit()):
        return -value
    return value


def _candidate(text: str, match: re.Match[str], offset: int = 0, **extra: object) -> _Candidate:
    start, end = offset + match.start("num"), offset + match.end("num")
    return _Candidate(_signed(text, start, _number(match.group("num"))), start, end, **extra)  # type: ignore[arg-type]


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2013", "-").replace("\u2014", "-").replace("\u2212", "-")
    text = _MARKUP.sub(" ", text)
    for pattern in _SCALE_MENTIONS:
        text = pattern.sub(lambda match: " " * len(match.group(0)), text)
    return text


def _tied_candidates(text: str) -> list[_Candidate]:
    """Tied numbers in text order; one number found by several rules is one candidate."""
    found: dict[int, _Candidate] = {}
    keyword_starts = {match.start("num") for match in _KEYWORD.finditer(text)}
    for match in _FRACTION.finditer(text):
        found[match.start("num")] = _candidate(
            text, match, denominator=_number(match.group("den")),
            after_rating_word=match.start("num") in keyword_starts,
        )
    for match in _KEYWORD.finditer(text):
        found.setdefault(match.start("num"), _candidate(text, match, after_rating_word=True))
    stripped = text.lstrip()
    leading = _LEADING.match(stripped)
    if leading:
        candidate = _candidate(text, leading, offset=len(text) - len(stripped))
        found.setdefault(candidate.start, candidate)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lines and (last := _LAST_LINE.match(lines[-1])):
        candidate = _candidate(text, last, offset=text.rfind(lines[-1]))
        found.setdefault(candidate.start, candidate)
    return sorted(found.values(), key=lambda c: c.start)


def _is_range(text: str, candidate: _Candidate) -> bool:
    before, after = text[: candidate.start], text[candidate.end :]
    if _RANGE_BEFORE.search(before):
        return True  # "6-7", "6 to 7", "6-7/10"
    if candidate.denominator is None and _RANGE_AFTER.match(after):
        return True
    return bool(_BETWEEN_BEFORE.search(before) and _AND_AFTER.match(after))


def _show(value: float) -> str:
    return f"{value:g}"


def extract_rating(text: str | None, scale: ScoreScale = XACLE_SCALE) -> Extraction:
    """The rating an answer gives on ``scale``, or unscored with the reason (see the module docstring)."""
    if text is None or not text.strip():
        return Extraction(None, UNSCORED, "empty: no answer text")
    normal = _normalise(text)
    candidates = _tied_candidates(normal)
    ranges = [c for c in candidates if _is_range(normal, c)]
    if ranges:
        first = ranges[0]
        return Extraction(None, UNSCORED, f"range: the rating is given as a range near {_show(first.value)!r}")
    on_scale = [c for c in candidates if c.denominator is None or c.denominator == scale.high]
    foreign = [c for c in candidates if c.denominator is not None and c.denominator != scale.high]
    if foreign and (not on_scale or any(c.after_rating_word for c in foreign)):
        shown = ", ".join(f"{_show(c.value)}/{_show(c.denominator or 0)}" for c in foreign)
        return Extraction(None, UNSCORED, f"other-scale: a rating on another scale ({shown}), not {scale}")
    if not on_scale:
        numbers = _ANY_NUMBER.findall(normal)
        if numbers:
            return Extraction(None, UNSCORED, f"untied: numbers ({', '.join(numbers[:4])}) but none is the rating")
        return Extraction(None, UNSCORED, "no-number: the answer holds no number")
    outside = [c for c in on_scale if not scale.low <= c.value <= scale.high]
    if outside:
        return Extraction(None, UNSCORED, f"out-of-range: {_show(outside[0].value)} is outside {scale}")
    values = sorted({c.value for c in on_scale})
    if len(values) > 1:
        return Extraction(
            None, UNSCORED, f"conflict: different ratings ({', '.join(_show(v) for v in values)})"
        )
    return Extraction(values[0], SCORED)
