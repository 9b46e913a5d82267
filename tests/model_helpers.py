"""Shared helpers for tests that call models directly: JASCO-shaped requests and their results."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jasco.models.types import AudioPart, ChatRequest, Message, ModelResult, TextPart
from jasco.stages.decoding import GenerationSettings


def jasco_request(
    index: int, item_id: str, instruction: str, audio: np.ndarray, sample_rate: int, audio_path: Path | None,
    row: Mapping[str, str] | None = None, settings: GenerationSettings | None = None,
) -> ChatRequest:
    """One JASCO item as the infer stage asks it: one user turn, the clip then the instruction."""
    part = AudioPart(np.asarray(audio, dtype=np.float32), sample_rate, audio_path)
    return ChatRequest(index=index, item_id=item_id, messages=(Message("user", (part, TextPart(instruction))),),
                       sampling=(settings or GenerationSettings()).sampling(), row=dict(row or {}))


def results(model: Any, requests: Sequence[ChatRequest]) -> dict[int, ModelResult]:
    """Every request's result by index; each request answered exactly once."""
    got: dict[int, ModelResult] = {}

    def on_result(result: ModelResult) -> None:
        assert result.index not in got, f"request {result.index} answered twice"
        got[result.index] = result

    model.generate(requests, on_result)
    return got


def pairs(model: Any, requests: Sequence[ChatRequest]) -> dict[int, tuple[str | None, str | None]]:
    """(text, error) per request index, as the tests of the old callback compared them."""
    return {index: (r.text if r.error is None else None, r.error) for index, r in results(model, requests).items()}
