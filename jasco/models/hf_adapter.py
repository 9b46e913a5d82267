"""The shared lifecycle of transformers adapters that load their own processor and model
(Qwen2.5-Omni's thinker, Voxtral): options, loading on first use (describing loads nothing),
batches with per-row errors. A subclass writes ``load`` and ``run_batch``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jasco.models.batching import run_in_batches
from jasco.models.hf_utils import model_revision
from jasco.models.types import ChatRequest, ModelResult, ResultCallback


class TransformersAdapter:
    name = ""
    max_audios: int | None = 1  # one audio per request unless a subclass has proved more

    def __init__(self, model_id: str, revision: str | None = None, batch_size: int = 8, dtype: str = "auto",
                 device: str = "cpu") -> None:
        self.model_id = str(model_id)
        self.requested_revision = revision
        self.revision = model_revision(self.model_id, revision)
        self.batch_size = int(batch_size)
        self.dtype = dtype
        self.device = device
        self._processor: Any = None
        self.model: Any = None

    def load(self) -> tuple[Any, Any]:
        """(processor, model), the model on ``self.device`` in eval mode."""
        raise NotImplementedError

    @property
    def processor(self) -> Any:
        """The processor, with the model loaded beside it on first use."""
        if self._processor is None:
            self._processor, self.model = self.load()
        return self._processor

    def check_available(self) -> str | None:
        """Why the weights cannot be loaded here (not a directory, not cached, no hub), or None."""
        from jasco.models.availability import hub_problem

        return hub_problem(self.model_id, self.requested_revision)

    def describe(self) -> dict[str, Any]:
        return {"adapter": self.name, "backend": "transformers", "model_id": self.model_id,
                "revision": self.revision, "dtype": self.dtype, "batch_size": self.batch_size}

    def run_batch(self, batch: Sequence[ChatRequest]) -> list[ModelResult]:
        raise NotImplementedError

    def generate(self, requests: Sequence[ChatRequest], on_result: ResultCallback) -> None:
        run_in_batches(requests, on_result, self.batch_size, self.run_batch, self.name)

    def close(self) -> None:
        if self.model is not None:
            self.model = self._processor = None
            import gc

            gc.collect()
