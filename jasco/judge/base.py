"""The judge backend protocol and registry.

A judge backend turns a batch of ``JudgeRequest``s into raw texts. LLM backends (vllm, openai,
hf) send ``request.messages`` (the rendered chat conversation); non-LLM judges (the offline
``similarity`` proxy) read the item fields in ``request.row``. Every backend reports each
result through ``on_result`` as soon as it has it, so the caller can store it crash-safely.
Backends register by name in ``JUDGE_BACKENDS`` with a lazy ``"module:attribute"`` target.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from jasco.core.registry import Registry

Message = dict[str, Any]  # {"role": ..., "content": ...}


@dataclass(frozen=True)
class JudgeRequest:
    index: int  # position in the batch, echoed back in on_result
    messages: tuple[Message, ...]
    row: Mapping[str, str] = field(default_factory=dict)
    # A regex the whole answer must match (vLLM structured outputs); set by the runner when
    # ``Decoding.structured`` is on, None for free text (e.g. repair questions).
    regex: str | None = None


@dataclass(frozen=True)
class Decoding:
    """Judge decoding settings; part of every store key and manifest."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 1000  # upstream eval.py's value
    seed: int = 0
    structured: bool = False  # constrain Rating/Orientation lines (vLLM structured outputs)

    def as_dict(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature, "top_p": self.top_p, "max_tokens": self.max_tokens,
            "seed": self.seed, "structured": self.structured,
        }


class BackendOptionError(ValueError):
    """A backend could not be built from the options given; the message names the backend."""


# on_result(index, text, error): exactly one of text / error is not None.
ResultCallback = Callable[[int, "str | None", "str | None"], None]


class JudgeBackend(Protocol):
    def describe(self) -> dict[str, Any]:
        """Model id, revision and backend settings: recorded in manifests and store keys."""

    def generate(self, requests: Sequence[JudgeRequest], decoding: Decoding, on_result: ResultCallback) -> None:
        """Produce one text (or one error) per request, calling ``on_result`` as each finishes."""

    def close(self) -> None:
        """Release the model (GPU memory, server connections) before another judge loads."""


# Factories: ``factory(model: str, **options) -> JudgeBackend``.
JUDGE_BACKENDS: Registry[Callable[..., JudgeBackend]] = Registry("judge backend")
