"""The decision of the offline ``similarity`` proxy: thresholds, evidence -> Rating and Orientation.

Pure functions, no model (the rules are stated in ``jasco.tasks.jasco.similarity``'s docstring). The
thresholds live in a versioned JSON file under ``prompts/`` (a change is a new version file);
every explanation ``format_judgment`` writes says "similarity proxy, not an LLM judge".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from jasco.tasks.jasco.labels import Orientation

PROXY_NOTE = "similarity proxy, not an LLM judge"
THRESHOLDS_FILE = "jasco/similarity_thresholds.v2.json"


@dataclass(frozen=True)
class Thresholds:
    restate_margin: float
    both_margin: float
    rating2_similarity: float
    rating1_similarity: float

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def load_thresholds(name: str = THRESHOLDS_FILE) -> Thresholds:
    """The thresholds in a versioned JSON file under ``prompts/``; errors name the file."""
    from jasco.core.prompting import load_json

    data = load_json(name)
    try:
        values = data["thresholds"]
        return Thresholds(**{key: float(values[key]) for key in Thresholds.__dataclass_fields__})
    except (KeyError, TypeError, ValueError) as error:
        raise ValueError(f"prompt file {name!r}: bad or missing thresholds ({error!r})") from None


@dataclass(frozen=True)
class Evidence:
    """What the proxy measured for one answer; ``decide`` turns it into a verdict."""

    n_sentences: int
    action: str  # the predicted action ("" if the answer states none)
    s_ref: float = 0.0
    s_audio: float = 0.0
    s_speech: float = 0.0
    keywords: tuple[str, ...] = ()
    source: str = "restatements dropped"  # where the action was found (see similarity_text.answer_shape)


def decide(evidence: Evidence, thresholds: Thresholds) -> tuple[int, Orientation]:
    """Rating and Orientation by the rules in ``jasco.tasks.jasco.similarity``'s docstring."""
    if not evidence.action:
        return 0, Orientation.NEITHER
    single = max(evidence.s_audio, evidence.s_speech)
    if evidence.keywords or evidence.s_ref >= round(single + thresholds.both_margin, 3):
        if evidence.keywords or evidence.s_ref >= thresholds.rating2_similarity:
            return 2, Orientation.BOTH
        return (1 if evidence.s_ref >= thresholds.rating1_similarity else 0), Orientation.BOTH
    return 0, Orientation.AUDIO if evidence.s_audio >= evidence.s_speech else Orientation.SPEECH


def _quote(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return f'"{text[:limit]}{"..." if len(text) > limit else ""}"'


def format_judgment(evidence: Evidence, rating: int, orientation: Orientation) -> str:
    """The verdict in the standard judge format (one line per field)."""
    if not evidence.action:
        why1 = "the answer has no predicted action (empty, or every sentence restates the inputs)"
        why2 = f"{evidence.n_sentences} sentence(s), none inferring an action beyond the audio sound and spoken text"
        return (
            f"Explanation1: {PROXY_NOTE}. {why1}, so the rating is 0.\nRating: {rating}\n"
            f"Explanation2: {PROXY_NOTE}. {why2}.\nOrientation: {orientation.value}\n"
        )
    found = ", ".join(evidence.keywords) if evidence.keywords else "none"
    return (
        f"Explanation1: {PROXY_NOTE}. Predicted action {_quote(evidence.action)} ({evidence.source}; "
        f"{evidence.n_sentences} sentences in the answer). Similarity to the reference answer's action "
        f"{evidence.s_ref:.3f}; reference keywords found: {found}.\n"
        f"Rating: {rating}\n"
        f"Explanation2: {PROXY_NOTE}. Similarity of the predicted action to the reference "
        f"{evidence.s_ref:.3f}, to the audio-only answer {evidence.s_audio:.3f}, to the speech-only "
        f"answer {evidence.s_speech:.3f}; keywords found: {found}.\n"
        f"Orientation: {orientation.value}\n"
    )
