"""The JASCO label sets: the judge's Orientation and Rating, and how their table cells read.

One Enum feeds both the judge prompt (which label words it shows) and the parser (which words
it accepts), so the two can never drift apart. Upstream's eval.py prompt calls the joint label
"Good"; its README prompt calls it "Both": both parse to ``Orientation.BOTH``.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Orientation(StrEnum):
    AUDIO = "Audio-Oriented"
    SPEECH = "Speech-Oriented"
    BOTH = "Both"
    NEITHER = "Neither"

    @classmethod
    def from_label(cls, label: str) -> Orientation:
        """Map a label word (case-insensitive; 'Good' and 'Both-Oriented' mean BOTH) to a member."""
        key = label.strip().lower()
        try:
            return _BY_WORD[key]
        except KeyError:
            raise ValueError(f"not an orientation label: {label!r}") from None


_BY_WORD: dict[str, Orientation] = {member.value.lower(): member for member in Orientation}
_BY_WORD.update({"good": Orientation.BOTH, "both-oriented": Orientation.BOTH})

# The orientations that count towards modality dependence (Neither is excluded, as upstream).
DEPENDENCE_ORIENTATIONS = (Orientation.AUDIO, Orientation.BOTH, Orientation.SPEECH)

RATINGS = (0, 1, 2)

_RATING_TEXT = re.compile(r"^\s*([0-9]+)(?:\.0*)?\s*$")


def parse_rating_cell(value: str) -> int | None:
    """A ``rating`` cell: '' -> None; '0'/'1'/'2' (or '2.0', as pandas writes ints with NaN) -> int.

    Anything else raises ValueError (never read as 0)."""
    if not value.strip():
        return None
    match = _RATING_TEXT.match(value)
    if not match or int(match.group(1)) not in RATINGS:
        raise ValueError(f"rating {value!r} is not one of {list(RATINGS)} or empty")
    return int(match.group(1))


def parse_orientation_cell(value: str) -> str:
    """An ``orientation`` cell: '' stays ''; a label (any case, 'Good' = Both) -> its canonical label."""
    if not value.strip():
        return ""
    return Orientation.from_label(value).value
