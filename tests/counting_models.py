"""Models registered only by the stale-results tests: they take any option and count their calls.

``counting`` answers an item (``They are doing item <id>.``); ``counting-judge`` always judges
Rating 2 / Good. Both accept every keyword option (dtype, batch_size, device, max_model_len,
system_prompt, worker_args, base_url, ...), as real backends do, so a test can change each option
and see whether the store key (and so a model call) changes. ``CALLS`` counts requests answered.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from jasco.models.base import MODELS
from jasco.models.types import ChatRequest, ModelResult, ResultCallback

CALLS = {"counting": 0, "counting-judge": 0}
VERDICT = "Explanation1: ok.\nRating: 2\nExplanation2: both.\nOrientation: Good"


class CountingModel:
    max_audios: int | None = None

    def __init__(self, name: str, model_id: str | None, options: dict[str, Any]) -> None:
        self.name, self.model_id, self.options = name, model_id or name, options

    def describe(self) -> dict[str, Any]:
        return {"adapter": self.name, "backend": "python", "model": self.model_id, "model_id": self.model_id,
                "revision": "1", "options": self.options}

    def generate(self, requests: Sequence[ChatRequest], on_result: ResultCallback) -> None:
        for request in requests:
            CALLS[self.name] += 1
            text = VERDICT if self.name == "counting-judge" else f"They are doing item {request.item_id}."
            on_result(ModelResult(index=request.index, text=text, finish_reason="stop"))

    def close(self) -> None:
        pass


def counting(model_id: str | None = None, **options: Any) -> CountingModel:
    return CountingModel("counting", model_id, options)


def counting_judge(model_id: str | None = None, **options: Any) -> CountingModel:
    return CountingModel("counting-judge", model_id, options)


@contextmanager
def registered() -> Iterator[dict[str, int]]:
    """Register both models for the duration; yields ``CALLS`` (reset to 0)."""
    import jasco.models.catalog  # noqa: F401 - the real registrations first

    CALLS.update(dict.fromkeys(CALLS, 0))
    MODELS.register("counting", f"{__name__}:counting", "testing: counts its calls")
    MODELS.register("counting-judge", f"{__name__}:counting_judge", "testing: a judge that counts its calls")
    try:
        yield CALLS
    finally:
        MODELS._entries.pop("counting", None)
        MODELS._entries.pop("counting-judge", None)
