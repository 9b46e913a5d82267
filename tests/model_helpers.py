"""Shared helpers for tests that call models directly: JASCO-shaped requests, their results, and the
shipped worker scripts loaded as modules (their pure functions, without the models' environments)."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType
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


def load_worker_script(script: str) -> ModuleType:
    """``workers/<script>`` imported as a module (its ``main`` not run)."""
    from jasco.models.worker.process import workers_dir

    spec = importlib.util.spec_from_file_location(script.removesuffix(".py"), workers_dir() / script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
