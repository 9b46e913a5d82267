"""A model-free adapter whose answer depends on the audio and the instruction, for tests.

``echo`` answers ``"<item_id> rms=<audio rms> n=<samples>: <instruction start>"`` (one rms and
one sample count per audio part, comma-separated), so a test can
check that each answer belongs to its row and that the audio was read. Options make it fail on
chosen items, to test the worker runner's failure handling from a real worker process:
``fail_on`` (raise: an error response), ``crash_on`` (the whole process exits with code 3 after
writing a line to stderr) and ``hang_on`` (sleeps forever). Each takes comma-separated item ids.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from jasco.models.conversation import user_text
from jasco.models.types import ChatRequest, ModelResult, ResultCallback


def _ids(value: str | Sequence[str] | None) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {part.strip() for part in value.split(",") if part.strip()}
    return set(value)


class EchoAdapter:
    name = "echo"
    max_audios: int | None = None

    def __init__(self, fail_on: Any = None, crash_on: Any = None, hang_on: Any = None) -> None:
        self.fail_on, self.crash_on, self.hang_on = _ids(fail_on), _ids(crash_on), _ids(hang_on)

    def describe(self) -> dict[str, Any]:
        return {"adapter": self.name, "backend": "none", "model_id": "jasco/echo", "revision": "1"}

    def answer(self, request: ChatRequest) -> str:
        if request.item_id in self.crash_on:
            sys.stderr.write(f"echo: simulated crash on item {request.item_id}\n")
            sys.stderr.flush()
            os._exit(3)
        if request.item_id in self.hang_on:
            while True:
                time.sleep(1)
        if request.item_id in self.fail_on:
            raise ValueError(f"simulated failure on item {request.item_id}")
        samples = [audio.samples for audio in request.audios]
        rms = ",".join(f"{_rms(x):.6f}" for x in samples)
        sizes = ",".join(str(x.size) for x in samples)
        return f"{request.item_id} rms={rms} n={sizes}: {user_text(request)[:40]}"

    def generate(self, requests: Sequence[ChatRequest], on_result: ResultCallback) -> None:
        for request in requests:
            try:
                text = self.answer(request)
            except ValueError as error:
                on_result(ModelResult.failed(request.index, str(error)))
            else:
                on_result(ModelResult(index=request.index, text=text, finish_reason="stop"))

    def close(self) -> None:
        pass


def _rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0


def echo(**options: Any) -> EchoAdapter:
    return EchoAdapter(**options)
