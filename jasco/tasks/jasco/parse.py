"""Parse a judge's free text into a Rating and an Orientation; never invent a number.

One pure function, ``parse_judgment``. It fixes upstream eval.py's pitfalls: a rating is read as
the number after ``Rating:`` (not "is there a '0' anywhere on the line"), a row without a
Rating line is unscored (never the previous row's score), and a value that is not 0/1/2 or not
an orientation label is unscored (never 0). Tolerated: markdown (``**Rating:** 2``), a newline
after the colon, any case, "Good" (eval.py's word) for Both, trailing text after the value, a
mention of the scale (``2 (0-2 scale)``, ``1 out of 2``, ``2/2``) and a field line repeated with
the same value.

Unscored, because reading one number out of them would be a guess (``rating_needs_repair`` says
which of them a re-ask could settle): a negative rating (``-2``), a range (``1-2``), alternatives
(``0 or 2``), a fraction of another scale (``2/10``), and two different candidate ratings: any
other 0/1/2 standing alone in the rating's *region* (the Rating line and the lines after it up
to the next ``Rating:``, ``Orientation:`` or ``Explanation...:`` line, scale mentions removed),
or Rating lines with different values. Orientation labels are whole words (``Goodbye``,
``Bothered``, ``Neithers`` name no label); a value naming two labels, or Orientation lines
naming different labels, are unscored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jasco.tasks.jasco.labels import RATINGS, Orientation

STATUS_OK = "ok"
STATUS_REPAIRED = "repaired"
STATUS_UNSCORED = "unscored"

_MARKUP = "*_#`>|~ \t-"  # stripped around a whole line (markdown bullets, emphasis, headings)
_VALUE_MARKUP = "*_#`>|~ \t"  # stripped around a value: never a minus sign
_OPENERS = "([{\"'"  # may precede a value: [1], "Audio-Oriented"
_FIELD_LINE = re.compile(r"^(?P<field>rating|orientation)\s*[*_`]*\s*:(?P<rest>.*)$", re.IGNORECASE)
_ANY_FIELD_LINE = re.compile(r"^(?:rating|orientation|explanation\s*\d*)\s*[*_`]*\s*:", re.IGNORECASE)
_BULLET = re.compile(r"^[-*+]\s+")
_LABEL_WORDS = re.compile(
    r"\b(?:audio[- ]oriented|speech[- ]oriented|both[- ]oriented|both|good|neither)\b", re.IGNORECASE
)
_DASH = "-\u2212\u2013\u2014"  # hyphen-minus, minus sign, en dash, em dash
_NUMBER = r"\d+(?:[.,]\d+)?"
_LEADING_NUMBER = re.compile(
    rf"(?P<sign>[{_DASH}+]\s*)?(?P<number>{_NUMBER})(?:\s*(?:/|out\s+of)\s*(?P<denominator>{_NUMBER}))?",
    re.IGNORECASE,
)
_RANGE_NEXT = re.compile(rf"\s*(?:[{_DASH}]|to\b|through\b)\s*\d", re.IGNORECASE)
_ALTERNATIVE_NEXT = re.compile(r"\s*(?:or\b|and\b|/|\|)\s*\d", re.IGNORECASE)
# "0-2", "(0 to 2 scale)", "on a scale of 0 to 2", "out of 2", "/2": the scale, not a candidate.
_SCALE = re.compile(
    rf"(?:(?:on\s+)?(?:a|the)\s+scale\s+(?:of|from)\s+)?\b0\s*(?:[{_DASH}]|to)\s*2\b(?:[\s-]*(?:point\s+)?scale)?"
    r"|\bout\s+of\s+2\b|/\s*2\b",
    re.IGNORECASE,
)
_CANDIDATE = re.compile(r"(?<![\w.,/])[012](?![\w]|[.,/]\d)")


@dataclass(frozen=True)
class Judgment:
    rating: int | None
    orientation: Orientation | None
    status: str  # "ok", "repaired", or "unscored: <reason>"
    # the distinct ratings the judge named when it named more than one, or a range/alternative
    # of them (empty otherwise): what a rating re-ask would have to choose between
    rating_candidates: tuple[int, ...] = ()

    @property
    def scored(self) -> bool:
        return self.rating is not None and self.orientation is not None

    @property
    def orientation_label(self) -> str:
        return self.orientation.value if self.orientation else ""


@dataclass(frozen=True)
class _Field:
    value: str  # the text after the colon (or on the next non-empty line when that is empty)
    region: str  # the value plus the lines after it up to the next field line


def _fields(text: str) -> dict[str, list[_Field]]:
    """Every Rating and Orientation line, in order, with its value and region."""
    found: dict[str, list[_Field]] = {"rating": [], "orientation": []}
    lines = text.splitlines()
    for index, raw in enumerate(lines):
        match = _FIELD_LINE.match(raw.strip(_MARKUP))
        if not match:
            continue
        value = match.group("rest").strip(_VALUE_MARKUP)
        end = index + 1
        if not value:
            following = [(i, line.strip()) for i, line in enumerate(lines[index + 1 :], index + 1) if line.strip()]
            if following and not _ANY_FIELD_LINE.match(following[0][1].strip(_MARKUP)):
                end = following[0][0] + 1
                value = _BULLET.sub("", following[0][1]).strip(_VALUE_MARKUP)
        region = [value]
        for line in lines[end:]:
            if _ANY_FIELD_LINE.match(line.strip(_MARKUP)):
                break
            region.append(line)
        found[match.group("field").lower()].append(_Field(value, "\n".join(region)))
    return found


def _candidates(text: str) -> set[int]:
    """The ratings 0/1/2 standing alone in ``text`` once mentions of the scale are removed."""
    return {int(token) for token in _CANDIDATE.findall(_SCALE.sub(" ", text))}


def read_rating(field_value: str, region: str | None = None) -> tuple[int | None, str | None, tuple[int, ...]]:
    """(rating, problem, candidates) of one Rating field; exactly one of rating and problem is None."""
    value = field_value.strip(_VALUE_MARKUP)
    core = value.lstrip(_OPENERS + _VALUE_MARKUP)
    match = _LEADING_NUMBER.match(core)
    if not match:
        return None, f"invalid rating {value[:40]!r}", ()
    shown = core[: match.end()].strip()
    number, denominator, rest = match.group("number"), match.group("denominator"), core[match.end() :]
    if match.group("sign") and match.group("sign").strip() != "+":
        return None, f"negative rating {shown[:40]!r}", ()
    if not number.isdigit() or int(number) not in RATINGS:
        return None, f"invalid rating {value[:40]!r}", ()
    rating = int(number)
    if denominator is not None and denominator != "2":
        return None, f"rating {shown[:40]!r} is a fraction of another scale than 0-2", ()
    if _RANGE_NEXT.match(rest) or _ALTERNATIVE_NEXT.match(rest):
        named = tuple(sorted({rating} | _candidates(rest)))
        kind = "rating range" if _RANGE_NEXT.match(rest) else "alternative ratings"
        return None, f"{kind} {value[:40]!r}", named
    tail = rest if region is None else rest + region[len(field_value) :]
    others = _candidates(tail) - {rating}
    if others:
        named = tuple(sorted({rating} | others))
        return None, f"two different candidate ratings ({', '.join(map(str, named))})", named
    return rating, None, ()


def parse_rating(value: str) -> int | None:
    """The rating in a value like '2', '2 (0-2 scale)', '**1**', '2/2'; None unless exactly one 0/1/2."""
    return read_rating(value)[0]


def parse_orientation(value: str) -> Orientation | None:
    """The label a value starts with; None for no label, a label word inside a longer word, or
    several different labels (e.g. an echo of the template's 'Audio-Oriented/Speech-Oriented/Good/Neither')."""
    labels = {Orientation.from_label(word.replace(" ", "-")) for word in _LABEL_WORDS.findall(value)}
    first = _LABEL_WORDS.match(value.strip(_VALUE_MARKUP).lstrip(_OPENERS))
    if not first or len(labels) != 1:
        return None
    return labels.pop()


def _rating(fields: list[_Field]) -> tuple[int | None, str | None, tuple[int, ...]]:
    if not fields:
        return None, "no Rating line", ()
    readings = [read_rating(field.value, field.region) for field in fields]
    rating, problem, named = readings[-1]
    if problem:
        return rating, problem, named
    given = sorted({r for r, _, _ in readings if r is not None})
    if len(given) > 1:
        return None, f"Rating lines with different values ({', '.join(map(str, given))})", tuple(given)
    return rating, None, ()


def _orientation(fields: list[_Field]) -> tuple[Orientation | None, str | None]:
    if not fields:
        return None, "no Orientation line"
    labels = [parse_orientation(field.value) for field in fields]
    if labels[-1] is None:
        return None, f"invalid orientation {fields[-1].value[:60]!r}"
    given = sorted({label.value for label in labels if label is not None})
    if len(given) > 1:
        return None, f"Orientation lines with different labels ({', '.join(given)})"
    return labels[-1], None


def parse_judgment(text: str | None) -> Judgment:
    """Rating and Orientation from a judge's answer; unscored with a reason when either fails."""
    if text is None or not text.strip():
        return Judgment(None, None, f"{STATUS_UNSCORED}: empty judge output")
    fields = _fields(text)
    rating, rating_problem, named = _rating(fields["rating"])
    orientation, orientation_problem = _orientation(fields["orientation"])
    problems = [p for p in (rating_problem, orientation_problem) if p]
    status = f"{STATUS_UNSCORED}: {'; '.join(problems)}" if problems else STATUS_OK
    return Judgment(rating, orientation, status, named)


def orientation_needs_repair(judgment: Judgment) -> bool:
    """True when the rating parsed but the orientation did not: the case upstream re-asks."""
    return judgment.rating is not None and judgment.orientation is None


def rating_needs_repair(judgment: Judgment) -> bool:
    """True when the judge named several ratings (a range, alternatives, a change of mind):
    a re-ask asking for one of ``judgment.rating_candidates`` could settle it. A missing,
    negative, non-numeric or out-of-scale rating is not repaired by choosing among candidates."""
    return judgment.rating is None and len(judgment.rating_candidates) > 1


def parse_repair_answer(text: str | None) -> Orientation | None:
    """The orientation in an answer to the post-processing prompt: exactly one distinct label."""
    if not text:
        return None
    labels = {Orientation.from_label(w.replace(" ", "-")) for w in _LABEL_WORDS.findall(text)}
    return labels.pop() if len(labels) == 1 else None


def explanation2(text: str) -> str:
    """The text after the last 'Explanation2:' (what upstream sends to the repair prompt)."""
    parts = re.split(r"explanation\s*2\s*[*_`]*\s*:", text, flags=re.IGNORECASE)
    return parts[-1].strip()
