"""A deterministic scripted judge backend for tests and demos (registered as ``fake``).

Its answer to a conversation is a pure function of the conversation's text (a hash picks the
rating and label), so reruns and parity checks are meaningful. It can log every event (load,
call, close) as JSON lines to a file (to count model calls across processes), go slowly, stall
for good after N answers (so a test can SIGKILL it at a known point), fail on requests whose text
contains a marker, and write answers whose orientation needs the repair prompt.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jasco.models.types import ChatRequest, Message, ModelResult, ResultCallback

_LABELS = ("Audio-Oriented", "Speech-Oriented", "Good", "Neither")
REPAIR_MARKER = "[Model Explanation]"


class FakeJudge:
    name = "fake"
    max_audios: int | None = 0  # a text judge
    # logging, pacing and injected failures (never stored) change no stored result
    non_result_options = ("log_path", "delay_s", "stall_after", "fail_marker")

    def __init__(
        self,
        model: str = "fake",
        *,
        revision: str | None = None,
        log_path: str | None = None,
        delay_s: float = 0.0,
        stall_after: int | None = None,
        fail_marker: str | None = None,
        unclear_every: int = 0,
    ) -> None:
        self.model = model
        self.revision = revision
        self.log_path = Path(log_path) if log_path else None
        self.delay_s = float(delay_s)
        self.stall_after = None if stall_after is None else int(stall_after)
        self.fail_marker = fail_marker
        self.unclear_every = int(unclear_every)
        self.answered = 0
        self._log({"event": "load"})

    def _log(self, record: dict[str, Any]) -> None:
        if self.log_path is None:
            return
        with open(self.log_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"model": self.model, "pid": os.getpid(), **record}) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def describe(self) -> dict[str, Any]:
        return {"backend": "fake", "model": self.model, "revision": self.revision,
                "settings": {"unclear_every": self.unclear_every}}

    def answer(self, messages: Sequence[Message]) -> str:
        text = "\n".join(m.text for m in messages)
        digest = int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16)
        if REPAIR_MARKER in text:
            return f"{_LABELS[digest % 4]}."
        rating, label = digest % 3, _LABELS[(digest // 3) % 4]
        if self.unclear_every and (digest // 12) % self.unclear_every == 0:
            label = "it leans on the sound, I think"
        return (f"Explanation1: fake judgment {digest % 10_000}.\nRating: {rating}\n"
                f"Explanation2: the prediction is {_LABELS[(digest // 3) % 4]}.\nOrientation: {label}")

    def respond(self, request: ChatRequest) -> str:
        """The answer to one request (subclasses may read its sampling, e.g. the seed)."""
        return self.answer(request.messages)

    def generate(self, requests: Sequence[ChatRequest], on_result: ResultCallback) -> None:
        for request in requests:
            if self.stall_after is not None and self.answered >= self.stall_after:
                self._log({"event": "stalled"})
                time.sleep(3600)
            if self.delay_s:
                time.sleep(self.delay_s)
            text = "\n".join(m.text for m in request.messages)
            key = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
            if self.fail_marker and self.fail_marker in text:
                on_result(ModelResult.failed(request.index,
                                             f"fake judge failure for a request containing {self.fail_marker!r}"))
                self._log({"event": "call", "key": key, "error": True})
            else:
                on_result(ModelResult(index=request.index, text=self.respond(request), finish_reason="stop"))
                self._log({"event": "call", "key": key})
            self.answered += 1

    def close(self) -> None:
        self._log({"event": "close"})


def factory(model_id: str | None = None, **options: Any) -> FakeJudge:
    return FakeJudge(model_id or "fake", **options)
