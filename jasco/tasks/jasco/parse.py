"""Parse a judge's free text into a Rating and an Orientation.

One pure function, ``parse_judgment``. It fixes upstream eval.py's pitfalls: a rating is read as
the number after ``Rating:`` (not "is there a '0' anywhere on the line"), a row without a
Rating line is unscored (never the previous row's score), and a value that is not 0/1/2 or not
an orientation label is unscored (never 0). Tolerated: markdown (``**Rating:** 2``), a newline
after the colon, any case, "Good" (eval.py's word) for Both, and trailing text after the value.
When a judge writes several Rating or Orientation lines, the last one wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jasco.tasks.jasco.labels import RATINGS, Orientation

STATUS_OK = "ok"
STATUS_REPAIRED = "repaired"
STATUS_UNSCORED = "unscored"

_MARKUP = "*_#`>|~ \t-"
# "rating" or "orientation" at the start of a line (after markdown), then a colon.
_FIELD_LINE = re.compile(r"^(?P<field>rating|orientation)\s*[*_`]*\s*:(?P<rest>.*)$", re.IGNORECASE)
_LABEL_WORDS = re.compile(
    r"audio[- ]oriented|speech[- ]oriented|both[- ]oriented|both|good|neither", re.IGNORECASE
)
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class Judgment:
    rating: int | None
    orientation: Orientation | None
    status: str  # "ok", "repaired", or "unscored: <reason>"

    @property
    def scored(self) -> bool:
        return self.rating is not None and self.orientation is not None

    @property
    def orientation_label(self) -> str:
        return self.orientation.value if self.orientation else ""


def _field_values(text: str) -> dict[str, list[str]]:
    """Every value given for each field, in order; a value may be on the next non-empty line."""
    values: dict[str, list[str]] = {"rating": [], "orientation": []}
    lines = text.splitlines()
    for index, raw in enumerate(lines):
        match = _FIELD_LINE.match(raw.strip(_MARKUP))
        if not match:
            continue
        value = match.group("rest").strip(_MARKUP)
        if not value:
            following = (line.strip(_MARKUP) for line in lines[index + 1 :])
            value = next((line for line in following if line), "")
            if _FIELD_LINE.match(value):
                value = ""
        values[match.group("field").lower()].append(value)
    return values


def parse_rating(value: str) -> int | None:
    """The rating in a value like '2', '2 (0-2 scale)', '**1**', '2/2'; None if not one of 0/1/2."""
    match = _NUMBER.match(value.strip(_MARKUP + "([{\"'"))
    if not match:
        return None
    token = match.group(0)
    if not token.isdigit() or int(token) not in RATINGS:
        return None
    return int(token)


def parse_orientation(value: str) -> Orientation | None:
    """The label a value starts with; None for no label or several different labels
    (e.g. an echo of the template's 'Audio-Oriented/Speech-Oriented/Good/Neither')."""
    labels = {Orientation.from_label(word.replace(" ", "-")) for word in _LABEL_WORDS.findall(value)}
    first = _LABEL_WORDS.match(value.strip(_MARKUP + "([{\"'"))
    if not first or len(labels) != 1:
        return None
    return labels.pop()


def parse_judgment(text: str | None) -> Judgment:
    """Rating and Orientation from a judge's answer; unscored with a reason when either fails."""
    if text is None or not text.strip():
        return Judgment(None, None, f"{STATUS_UNSCORED}: empty judge output")
    values = _field_values(text)
    problems = []
    rating = orientation = None
    if not values["rating"]:
        problems.append("no Rating line")
    else:
        rating = parse_rating(values["rating"][-1])
        if rating is None:
            problems.append(f"invalid rating {values['rating'][-1][:40]!r}")
    if not values["orientation"]:
        problems.append("no Orientation line")
    else:
        orientation = parse_orientation(values["orientation"][-1])
        if orientation is None:
            problems.append(f"invalid orientation {values['orientation'][-1][:60]!r}")
    status = f"{STATUS_UNSCORED}: {'; '.join(problems)}" if problems else STATUS_OK
    return Judgment(rating, orientation, status)


def orientation_needs_repair(judgment: Judgment) -> bool:
    """True when the rating parsed but the orientation did not: the case upstream re-asks."""
    return judgment.rating is not None and judgment.orientation is None


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
