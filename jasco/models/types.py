"""The one request type and the one result type of every model: ALLMs, text judges, predictors.

A ``ChatRequest`` is a chat conversation (``Message``s whose parts are ``TextPart``s and any number
of ``AudioPart``s; zero audio parts for a text judge) plus its own decoding settings
(``Sampling``), an optional regex the whole answer must match (structured outputs) and an
optional request for the top-k log-probabilities at each generated position. ``row`` carries the
item's table row for models that answer from it (control answers, the similarity proxy).

A model answers each request with one ``ModelResult`` through a callback, as soon as it has it:
text or an error, the finish reason ("stop", "length", ...), the number of generated tokens,
optionally the token ids and log-probabilities, and, for predictors that answer with numbers
rather than text, a mapping of named values.

``ModelResult.checked`` is what the stages store: a text answer that is empty (or a server's
``content: null``) or that stopped at the token limit (finish reason ``length``) is a row error
(``empty content``, ``truncated at max_tokens``), never a success. A failure that says the model
could not be reached at all (a refused connection, a dead worker) carries ``error_kind =
UNAVAILABLE``, so a stage can stop after a run of them instead of failing every row slowly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

EMPTY_CONTENT = "empty content"
TRUNCATED = "truncated at max_tokens"
UNAVAILABLE = "unavailable"  # ModelResult.error_kind: the model could not be reached


@dataclass(frozen=True)
class AudioPart:
    """One audio input: mono float32 samples at ``sample_rate`` and the file they came from."""

    samples: np.ndarray = field(repr=False)
    sample_rate: int
    path: Path | None = None  # the source file (for workers' logs and chat templates that name it)

    def silenced(self) -> AudioPart:
        """The same part with all-zero samples of the same length (the audio check)."""
        return dataclasses.replace(self, samples=np.zeros_like(self.samples))


@dataclass(frozen=True)
class TextPart:
    text: str


Part = AudioPart | TextPart


@dataclass(frozen=True)
class Message:
    role: str  # "system", "user" or "assistant"
    parts: tuple[Part, ...]

    @classmethod
    def of_text(cls, role: str, text: str) -> Message:
        return cls(role, (TextPart(text),))

    @property
    def text(self) -> str:
        """The text parts joined (audio parts contribute nothing)."""
        return "".join(part.text for part in self.parts if isinstance(part, TextPart))

    @property
    def audios(self) -> tuple[AudioPart, ...]:
        return tuple(part for part in self.parts if isinstance(part, AudioPart))


@dataclass(frozen=True)
class Sampling:
    """Decoding settings of one request (greedy when the temperature is 0)."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 256
    seed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "top_p": self.top_p, "max_tokens": self.max_tokens,
                "seed": self.seed}


@dataclass(frozen=True)
class ChatRequest:
    index: int  # echoed back in the result
    item_id: str  # names the item in error messages and logs
    messages: tuple[Message, ...]
    sampling: Sampling = Sampling()
    regex: str | None = None  # the whole answer must match it (vLLM structured outputs)
    top_logprobs: int = 0  # >0: return this many alternatives with their logprobs at each position
    row: Mapping[str, str] = field(default_factory=dict)  # the item's table row

    @property
    def audios(self) -> tuple[AudioPart, ...]:
        """Every audio part of the conversation, in order (slot 0, 1, ...)."""
        return tuple(audio for message in self.messages for audio in message.audios)

    def with_audio(self, slot: int, audio: AudioPart, index: int | None = None) -> ChatRequest:
        """A copy whose audio part number ``slot`` (0-based) is ``audio``."""
        if not 0 <= slot < len(self.audios):
            raise IndexError(f"request {self.item_id} has {len(self.audios)} audio part(s), no slot {slot}")
        seen = -1
        messages = []
        for message in self.messages:
            parts = []
            for part in message.parts:
                if isinstance(part, AudioPart):
                    seen += 1
                    part = audio if seen == slot else part
                parts.append(part)
            messages.append(Message(message.role, tuple(parts)))
        return dataclasses.replace(self, messages=tuple(messages), index=self.index if index is None else index)


@dataclass(frozen=True)
class TokenLogprob:
    """One generated position: the token chosen, its logprob and the top alternatives."""

    token: str
    logprob: float
    top: tuple[tuple[str, float], ...]  # (token text, logprob), most likely first

    def as_dict(self) -> dict[str, Any]:
        return {"token": self.token, "logprob": self.logprob, "top": [list(pair) for pair in self.top]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TokenLogprob:
        return cls(str(data["token"]), float(data["logprob"]),
                   tuple((str(token), float(value)) for token, value in data["top"]))


@dataclass(frozen=True)
class ModelResult:
    """What a model answered to one request: exactly one of (text or values) and error is set."""

    index: int
    text: str | None = None
    error: str | None = None
    finish_reason: str | None = None  # "stop", "length", ... (None: the backend does not say)
    n_tokens: int | None = None  # generated tokens, when the backend says
    token_ids: tuple[int, ...] | None = None
    logprobs: tuple[TokenLogprob, ...] | None = None
    values: Mapping[str, float] | None = None  # named numbers (predictors answer with these)
    error_kind: str | None = None  # UNAVAILABLE: the model could not be reached (see the module doc)

    @property
    def ok(self) -> bool:
        return self.error is None and (self.text is not None or self.values is not None)

    @classmethod
    def failed(cls, index: int, error: str, kind: str | None = None) -> ModelResult:
        return cls(index=index, error=error, error_kind=kind)

    def problem(self, accept_truncated: bool = False) -> str | None:
        """Why this result is not a usable answer (None when it is): an error, ``empty content``
        (no text, or only whitespace) or ``truncated at max_tokens`` (finish reason ``length``,
        unless ``accept_truncated``: the user asked for answers cut at the limit to be kept)."""
        if self.error is not None:
            return self.error
        if self.values is not None:
            return None
        if self.text is None or not self.text.strip():
            return EMPTY_CONTENT
        if self.finish_reason == "length" and not accept_truncated:
            return TRUNCATED
        return None

    def checked(self, accept_truncated: bool = False) -> ModelResult:
        """This result, or a failed one when ``problem()`` names one (text and tokens kept for logs)."""
        problem = self.problem(accept_truncated)
        if problem is None or self.error is not None:
            return self
        return dataclasses.replace(self, error=problem)


ResultCallback = Callable[[ModelResult], None]
