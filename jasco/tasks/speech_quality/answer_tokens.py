"""Reading an answer's text into the pieces the extractor reasons about (pure, no decisions).

An answer becomes three sorted lists: **numbers** (each with what it is: a score candidate, a
``/5`` or ``out of 5`` denominator, one end of a ``1-5`` scale mention or of a ``3-3.5`` range, a
number with a unit such as ``20 dB``, a list marker), **mentions** of the five quantities (by the
aliases in ``scale.v1.json``) and **category words** (``poor``, ``very bad``...). Each number and
word is then *attached* to a quantity: the nearest mention before it in the same clause (no
``. ! ? ;`` or line break in between), or the mention right after it in ``3.5 for noisiness`` /
``4 MOS`` (the order of preference is in ``_attach``). ``extract.py`` decides from these pieces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise

from jasco.tasks.speech_quality.scale import Scale

# Scale mentions: (low, high) pairs that name a scale, not an answer.
SCALE_PAIRS = {(1.0, 5.0), (0.0, 5.0), (1.0, 10.0), (0.0, 10.0), (0.0, 100.0), (1.0, 100.0)}
MAX_ATTACH_GAP = 80  # characters between a mention and its number

_NUMBER = re.compile(r"(?<![\w.,])([-+−]?)([1-5],\d{1,2}|\d+(?:\.\d+)?)(?![\w]|[.,]\d)")
_UNIT = re.compile(
    r"\s*(?:%|percent\b|db\w*|lufs\b|k?hz\b|m?s\b|msec\b|secs?\b|seconds?\b|minutes?\b|kbps\b|kbit\w*|bits?\b"
    r"|bit/s|x\b|times\b|-?points?\b|-?stars?\b)"
)
_DENOMINATOR_BEFORE = re.compile(r"(?:/|\bout\s+of|\bover)\s*$")
_PAIR_GAP = re.compile(r"^\s*(?:\([^()]{0,40}\)\s*)?(?:-|–|—|to|through|and)\s*$")
_BREAK = re.compile(r"[!?;\n]|\.(?!\d)")
_EXPLICIT_FORWARD = re.compile(  # "3.5 for noisiness", "4/5 in terms of coloration"
    r"^[^\S\n]*(?:(?:/[^\S\n]*5|out[^\S\n]+of[^\S\n]+5)[^\S\n]*)?(?:points?[^\S\n]+)?"
    r"(?:for|on|in[^\S\n]+terms[^\S\n]+of|regarding|as[^\S\n]+the|as)[^\S\n]+(?:the[^\S\n]+|its[^\S\n]+)?$"
)
_BARE_FORWARD = re.compile(r"^[^\S\n]+$")  # "4 MOS", "poor loudness": one line, nothing between
_NEGATION = re.compile(r"(?:\bnot|n't|\bnever|\bhardly)\s+(?:\w+\s+)?$")


@dataclass
class Number:
    start: int
    end: int
    value: float
    kind: str = "candidate"  # candidate | comma | denominator | scale | range | range_end | unit | marker | negative
    denominator: float | None = None  # the D of "x/D" or "x out of D"
    range_with: float | None = None  # the other end of "3-3.5"
    quantity: str | None = None  # attached quantity
    raw: str = ""  # the digits as written


@dataclass
class Word:
    start: int
    end: int
    word: str
    negated: bool = False
    quantity: str | None = None


@dataclass
class AnswerPieces:
    text: str
    numbers: list[Number] = field(default_factory=list)
    mentions: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, quantity)
    words: list[Word] = field(default_factory=list)


def normalise(text: str) -> str:
    """Lower case, one kind of dash and minus, abbreviations without their dot."""
    text = text.lower().replace("−", "-").replace("\u2011", "-")
    return re.sub(r"\b(approx|ca|e\.g|i\.e|vs|est)\.", r"\1", text)


@cache
def _mention_pattern(aliases: tuple[tuple[str, tuple[str, ...]], ...]) -> re.Pattern[str]:
    names = sorted(((alias, q) for q, names in aliases for alias in names), key=lambda p: -len(p[0]))
    return re.compile(r"\b(" + "|".join(re.escape(alias) for alias, _ in names) + r")\b")


@cache
def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b")


def read_pieces(text: str, scale: Scale) -> AnswerPieces:
    text = normalise(text)
    pieces = AnswerPieces(text)
    alias_to_quantity = {alias: q for q, names in scale.aliases.items() for alias in names}
    pattern = _mention_pattern(tuple(scale.aliases.items()))
    pieces.mentions = [(m.start(), m.end(), alias_to_quantity[m.group(1)]) for m in pattern.finditer(text)]
    pieces.numbers = _read_numbers(text)
    word_pattern = _word_pattern(tuple(c.word for c in scale.categories))
    pieces.words = [
        Word(m.start(), m.end(), m.group(1), negated=bool(_NEGATION.search(text[max(0, m.start() - 20): m.start()])))
        for m in word_pattern.finditer(text)
    ]
    _drop_words_inside_scale_mentions(pieces)
    for number in pieces.numbers:
        if number.kind in ("candidate", "range", "comma"):
            number.quantity = _attach(text, number.start, number.end, pieces.mentions, is_word=False)
    for word in pieces.words:
        word.quantity = _attach(text, word.start, word.end, pieces.mentions, is_word=True)
    return pieces


def _read_numbers(text: str) -> list[Number]:
    numbers = []
    for match in _NUMBER.finditer(text):
        sign, digits = match.group(1), match.group(2)
        number = Number(match.start(2), match.end(2), float(digits.replace(",", ".")), raw=digits)
        if "," in digits:
            number.kind = "comma"  # "3,5": a decimal comma or a list; never read as either
        before = text[max(0, match.start() - 12): match.start()]
        line_start = text.rfind("\n", 0, match.start()) + 1
        if number.kind == "comma":
            pass
        elif sign in ("-", "−") and not re.search(r"\d\s*$", before):
            number.kind = "negative"
        elif _DENOMINATOR_BEFORE.search(before):
            number.kind = "denominator"
        elif _UNIT.match(text, match.end()):
            number.kind = "unit"
        elif not text[line_start: match.start()].strip() and re.match(r"[.)]\s", text[match.end(): match.end() + 2]) \
                and "." not in digits:
            number.kind = "marker"
        numbers.append(number)
    _mark_pairs(text, numbers)
    _mark_denominators(text, numbers)
    return numbers


def _mark_pairs(text: str, numbers: list[Number]) -> None:
    """``1-5`` / ``from 1 to 5`` / ``between 1 and 5`` are scale mentions; ``3-3.5`` is a range."""
    for low, high in pairwise(numbers):
        if low.kind != "candidate" or high.kind not in ("candidate", "negative"):
            continue
        gap = text[low.end: high.start]
        if not _PAIR_GAP.match(gap):
            continue
        if gap.strip().endswith("and") and not re.search(r"between\s*$", text[max(0, low.start - 9): low.start]):
            continue  # "3 and 4" is a list, not a range
        high_value = abs(high.value)
        if (low.value, high_value) in SCALE_PAIRS:
            low.kind = high.kind = "scale"
        elif low.value < high_value:
            low.kind, low.range_with = "range", high_value
            high.kind, high.range_with = "range_end", low.value  # the low end carries the range


def _mark_denominators(text: str, numbers: list[Number]) -> None:
    for previous, number in pairwise(numbers):
        if number.kind == "denominator" and previous.kind in ("candidate", "range"):
            gap = text[previous.end: number.start]
            if re.fullmatch(r"\s*(?:/|out\s+of|over)\s*", gap):
                previous.denominator = number.value


def _drop_words_inside_scale_mentions(pieces: AnswerPieces) -> None:
    """'from 1 (very bad) to 5 (excellent)' names the scale's ends, it is no answer."""
    spans = []
    for low, high in pairwise(pieces.numbers):
        if low.kind == "scale" and high.kind == "scale":
            anchor = re.match(r"\s*\([^()]{0,40}\)", pieces.text[high.end:])  # "... to 5 (excellent)"
            spans.append((low.start, high.end + (anchor.end() if anchor else 0)))
    pieces.words = [w for w in pieces.words if not any(start <= w.start < end for start, end in spans)]


def _attach(text: str, start: int, end: int, mentions: list[tuple[int, int, str]], is_word: bool) -> str | None:
    """The quantity a number or word at [start, end) belongs to, or None. In order of preference:

    1. the next mention, linked explicitly: "3.5 for noisiness", "4/5 in terms of coloration";
    2. the nearest mention before it in the same clause with no comma between: "noisiness: 3.1",
       "overall MOS of about 2.8", "Noisiness: 3<newline>Coloration: 4";
    3. the next mention on the same line with only spaces between: "4 MOS", "poor loudness" (but
       not a word before a bare "overall": in "good overall" it is an adverb);
    4. the nearest mention before it in the same clause across a comma: "noisiness is fair, about 3.1".
    """
    following = next(((m_start, m_end, q) for m_start, m_end, q in mentions if m_start >= end), None)
    forward_gap = text[end:following[0]] if following else ""
    if following and _EXPLICIT_FORWARD.match(forward_gap):
        return following[2]
    before = [m for m in mentions if m[1] <= start]
    backward, backward_gap = (before[-1][2], text[before[-1][1]:start]) if before else (None, "")
    if backward and (len(backward_gap) > MAX_ATTACH_GAP or _BREAK.search(backward_gap)):
        backward = None
    if backward and "," not in backward_gap:
        return backward
    adverb = is_word and following is not None and text[following[0]:following[1]] == "overall"
    if following and _BARE_FORWARD.match(forward_gap) and not adverb:
        return following[2]
    return backward
