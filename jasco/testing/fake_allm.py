"""``fake-allm``: a deterministic adapter with no model, for testing the infer stage's plumbing.

Its answer is a digest of the audio samples (every audio part, in order) and the text of the
user turns, so it changes with the audio
(the audio check passes) unless ``hears_audio=False`` (the check must then fail). Items named in
``fail_items`` get an error instead of an answer; ``delay_s`` slows each item down (so a test can
kill a run midway). ``FakeAllm.calls`` counts the items it was asked
about in this process, so tests can prove a rerun asks nothing.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from typing import Any, ClassVar

from jasco.models.conversation import user_text
from jasco.models.types import ChatRequest, ModelResult, ResultCallback


class FakeAllm:
    name = "fake-allm"
    max_audios: int | None = None
    calls: ClassVar[int] = 0
    non_result_options = ("delay_s", "fail_items")  # pacing and injected failures (never stored)

    def __init__(
        self, hears_audio: bool = True, fail_items: Sequence[str] = (), model_id: str = "fake/allm",
        delay_s: float = 0.0,
    ) -> None:
        self.hears_audio = hears_audio
        self.delay_s = delay_s
        self.fail_items = set(fail_items)
        self.model_id = model_id

    def describe(self) -> dict[str, Any]:
        return {"adapter": self.name, "model_id": self.model_id, "revision": "0", "backend": "python",
                "hears_audio": self.hears_audio}

    def generate(self, requests: Sequence[ChatRequest], on_result: ResultCallback) -> None:
        for request in requests:
            FakeAllm.calls += 1
            if self.delay_s:
                time.sleep(self.delay_s)
            if request.item_id in self.fail_items:
                on_result(ModelResult.failed(request.index, f"fake failure for {request.item_id}"))
                continue
            digest = hashlib.sha256(user_text(request).encode("utf-8"))
            if self.hears_audio:
                for audio in request.audios:
                    digest.update(audio.samples.tobytes())
            on_result(ModelResult(index=request.index, text=f"fake answer {digest.hexdigest()[:12]}",
                                  finish_reason="stop"))

    def close(self) -> None:
        pass


fake_allm = FakeAllm  # the factory: its signature lists the options it takes
