"""The speech-quality task's quantities, their 1-5 scale and the category words (a versioned file).

The five quantities are NISQA's overall quality (``mos``) and its four dimensions: noisiness
(``noi``), coloration (``col``), discontinuity (``dis``) and loudness (``loud``); higher is better
for all five. Names, aliases and category bin centres live in ``prompts/speech_quality/scale.v1.json``
so that a change is a new version with a new hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from jasco.core.prompting import load_json, template_sha256

SCALE_FILE = "speech_quality/scale.v1.json"
QUANTITIES: tuple[str, ...] = ("mos", "noi", "col", "dis", "loud")
DIMENSIONS: tuple[str, ...] = QUANTITIES[1:]


@dataclass(frozen=True)
class Category:
    word: str
    value: float  # the bin centre the word maps to
    bin: tuple[float, float]


@dataclass(frozen=True)
class Scale:
    minimum: float
    maximum: float
    labels: dict[str, str]  # quantity -> display label
    aliases: dict[str, tuple[str, ...]]  # quantity -> names the extractor attaches numbers to
    categories: tuple[Category, ...]
    sha256: str

    def contains(self, value: float) -> bool:
        return self.minimum <= value <= self.maximum

    def category_value(self, word: str) -> float:
        for category in self.categories:
            if category.word == word:
                return category.value
        raise KeyError(f"{word!r} is not a category word of {SCALE_FILE}")

    def category_of(self, value: float) -> str:
        """The category word whose bin holds ``value`` (SpeechQualityLLM's bin_score; 'bad' is skipped)."""
        names = [c for c in self.categories if c.word != "bad"]
        for category in names[:-1]:
            if value < category.bin[1]:
                return category.word
        return names[-1].word


@cache
def load_scale(name: str = SCALE_FILE) -> Scale:
    data = load_json(name)
    quantities = data["quantities"]
    if tuple(quantities) != QUANTITIES:
        raise ValueError(f"{name}: quantities must be {QUANTITIES}, got {tuple(quantities)}")
    return Scale(
        minimum=float(data["minimum"]),
        maximum=float(data["maximum"]),
        labels={q: str(quantities[q]["label"]) for q in QUANTITIES},
        aliases={q: tuple(str(a).lower() for a in quantities[q]["aliases"]) for q in QUANTITIES},
        categories=tuple(
            Category(str(c["word"]), float(c["value"]), (float(c["bin"][0]), float(c["bin"][1])))
            for c in data["categories"]
        ),
        sha256=template_sha256(name),
    )
