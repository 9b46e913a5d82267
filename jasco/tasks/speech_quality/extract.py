"""Scoring by rule: the number an answer gives for the asked quantity, or unscored with a reason.

``extract(text, quantity, kind)`` returns an ``Extraction`` (value or None, a status, a reason);
``extract_multi(text)`` one per quantity. The rules, in order (``answer_tokens`` reads the text):

1. A number *attached* to the asked quantity ("overall MOS of 3.4", "noisiness: 3.1",
   "4 for coloration") is the answer (status ``named``). Several different attached values are
   ``ambiguous``; for ``explanatory`` answers (a description ending with a MOS) the last one is
   the verdict (``named_last``).
2. Not scores, ever: ``/5`` and ``out of 5`` denominators, the ends of a ``1-5`` scale mention,
   numbers with units (``20 dB``, ``8 kHz``, ``30%``), list markers, negative numbers. A value
   outside 1-5 is ``out_of_range``; ``8/10`` is ``other_scale``; ``3-3.5`` is a ``range``;
   ``3,5`` (decimal comma or list) is ``ambiguous``. None of them is rescaled or guessed.
3. Single-quantity questions: an answer whose only number is unattached ("4.3", "I'd rate it
   3.5 out of 5", "about 2.8") gives that number (``sole``), unless other quantities carry
   numbers (then ``not_named``).
4. Then a category word attached to the quantity ("the noisiness is poor") maps to its bin
   centre from ``scale.v1.json`` (``category``); then a lone category word ("Fair.").
5. ``categorical`` questions ask for a word: words (attached, then lone) come before numbers.
6. Multi-dimension answers are read by name only; unnamed numbers are ``not_named``.

Anything else is unscored (``empty``, ``no_number``, ...) and the caller keeps the raw text.
"""

from __future__ import annotations

from dataclasses import dataclass

from jasco.tasks.speech_quality.answer_tokens import AnswerPieces, Number, Word, read_pieces
from jasco.tasks.speech_quality.scale import QUANTITIES, Scale, load_scale

KINDS = ("numeric", "categorical", "multi", "explanatory")
SCORED_STATUSES = ("named", "named_last", "sole", "category")
UNSCORED_STATUSES = ("empty", "no_number", "not_named", "ambiguous", "range", "out_of_range", "other_scale")
_READING_KINDS = ("candidate", "range", "comma")


@dataclass(frozen=True)
class Extraction:
    value: float | None
    status: str
    reason: str = ""

    @property
    def scored(self) -> bool:
        return self.value is not None


class ExtractError(ValueError):
    """A caller asked for an unknown quantity or question kind."""


def extract(text: str | None, quantity: str, kind: str = "numeric", scale: Scale | None = None) -> Extraction:
    """The value ``text`` gives for ``quantity`` (one of QUANTITIES) under question ``kind``."""
    _check(quantity, kind)
    if kind == "multi":
        return extract_multi(text, scale=scale)[quantity]
    scale = scale or load_scale()
    if _is_empty(text):
        return Extraction(None, "empty", "the answer is empty")
    pieces = read_pieces(str(text), scale)
    by_number = _from_numbers(pieces, quantity, scale, take_last=kind == "explanatory")
    by_word = _from_words(_attached_words(pieces, quantity), quantity)
    others = sorted({n.quantity for n in pieces.numbers if n.quantity not in (None, quantity)
                     and n.kind in _READING_KINDS})
    free = [n for n in pieces.numbers if n.quantity is None and n.kind in _READING_KINDS]
    sole_number = _judge(free, quantity, scale, take_last=False, status="sole") if free and not others else None
    sole_word = _sole_word(pieces)
    order = ((by_word, by_number, sole_word, sole_number) if kind == "categorical"
             else (by_number, sole_number, by_word, sole_word))
    for result in order:
        if result is not None:
            return result
    if others:
        return Extraction(None, "not_named", f"numbers are given for {', '.join(others)}, none for {quantity}")
    return Extraction(None, "no_number", f"no number or category word for {quantity}")


def extract_multi(text: str | None, quantities: tuple[str, ...] = QUANTITIES,
                  scale: Scale | None = None) -> dict[str, Extraction]:
    """One Extraction per quantity, each read by name (rule 6)."""
    for quantity in quantities:
        _check(quantity, "multi")
    scale = scale or load_scale()
    if _is_empty(text):
        return {q: Extraction(None, "empty", "the answer is empty") for q in quantities}
    pieces = read_pieces(str(text), scale)
    unnamed = [n for n in pieces.numbers if n.quantity is None and n.kind in _READING_KINDS]
    results = {}
    for quantity in quantities:
        result = _from_numbers(pieces, quantity, scale, take_last=False) or _from_words(
            _attached_words(pieces, quantity), quantity)
        if result is None and unnamed:
            shown = ", ".join(_show(n) for n in unnamed[:5])
            result = Extraction(None, "not_named", f"no number named {quantity}; unnamed numbers: {shown}")
        results[quantity] = result or Extraction(None, "no_number", f"no number or category word for {quantity}")
    return results


def _is_empty(text: object) -> bool:
    """None, a float NaN (an empty CSV cell read by pandas) or only whitespace."""
    return text is None or (isinstance(text, float) and text != text) or not str(text).strip()


def _check(quantity: str, kind: str) -> None:
    if quantity not in QUANTITIES:
        raise ExtractError(f"unknown quantity {quantity!r}; known: {', '.join(QUANTITIES)}")
    if kind not in KINDS:
        raise ExtractError(f"unknown question kind {kind!r}; known: {', '.join(KINDS)}")


def _from_numbers(pieces: AnswerPieces, quantity: str, scale: Scale, take_last: bool) -> Extraction | None:
    attached = [n for n in pieces.numbers if n.quantity == quantity and n.kind in _READING_KINDS]
    return _judge(attached, quantity, scale, take_last, status="named") if attached else None


def _valid(number: Number, scale: Scale) -> bool:
    return number.kind == "candidate" and number.denominator in (None, 5.0) and scale.contains(number.value)


def _judge(numbers: list[Number], quantity: str, scale: Scale, take_last: bool, status: str) -> Extraction:
    """Decide among the numbers that may answer ``quantity`` (all attached, or all unattached)."""
    readings: list[object] = []
    for number in numbers:
        if _valid(number, scale):
            reading: object = number.value
        elif number.kind == "range":
            reading = ("range", number.value, number.range_with)
        elif number.kind == "comma":
            reading = ("comma", number.start)
        else:
            continue
        if reading not in readings:
            readings.append(reading)
    if len(readings) == 1 and isinstance(readings[0], float):
        return Extraction(readings[0], status)
    if len(readings) > 1 and take_last and isinstance(readings[-1], float):
        shown = ", ".join(_show(n) for n in numbers)
        return Extraction(readings[-1], "named_last", f"several values for {quantity} ({shown}); the last one counts")
    if len(readings) > 1:
        return Extraction(None, "ambiguous", f"several values for {quantity}: {', '.join(_show(n) for n in numbers)}")
    if readings:  # one reading, not a plain value
        only = next(n for n in numbers if n.kind in ("range", "comma"))
        if only.kind == "range":
            return Extraction(None, "range", f"a range ({_show(only)}) for {quantity}, not one value")
        return Extraction(None, "ambiguous", f"'{only.raw}' is a decimal comma or a list")
    first = numbers[0]
    if first.denominator not in (None, 5.0):
        return Extraction(None, "other_scale", f"{_show(first)} is not on the 1-5 scale")
    return Extraction(None, "out_of_range", f"{_show(first)} is outside {scale.minimum:g}-{scale.maximum:g}")


def _attached_words(pieces: AnswerPieces, quantity: str) -> list[Word]:
    return [w for w in pieces.words if w.quantity == quantity and not w.negated]


def _from_words(words: list[Word], quantity: str) -> Extraction | None:
    if not words:
        return None
    scale = load_scale()
    values = sorted({scale.category_value(w.word) for w in words})
    if len(values) == 1:
        return Extraction(values[0], "category", f"category word '{words[0].word}'")
    shown = ", ".join(sorted({w.word for w in words}))
    return Extraction(None, "ambiguous", f"several category words for {quantity}: {shown}")


def _sole_word(pieces: AnswerPieces) -> Extraction | None:
    if any(w.quantity is not None for w in pieces.words):
        return None
    return _from_words([w for w in pieces.words if not w.negated], "the answer")


def _show(number: Number) -> str:
    if number.kind == "comma":
        return number.raw
    text = f"{number.value:g}"
    if number.range_with is not None:
        text += f"-{number.range_with:g}"
    if number.denominator is not None:
        text += f"/{number.denominator:g}"
    return text

