"""The ALLM adapter protocol and registry.

An adapter turns a batch of ``InferRequest``s (16 kHz mono audio plus an instruction) into
answer texts, reporting each through ``on_result`` as soon as it has it so the caller can store
it crash-safely. One module per adapter; each registers in ``ADAPTERS`` by name with a lazy
``"module:attribute"`` target, so choosing one never imports another's heavy libraries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from jasco.core.registry import Registry


@dataclass(frozen=True)
class InferRequest:
    index: int  # position in the batch, echoed back in on_result
    item_id: str  # "<clip>-v<variant>"
    instruction: str
    audio: np.ndarray = field(repr=False)  # float32 mono at sample_rate
    sample_rate: int
    audio_path: Path  # the original file (for adapters/workers that read files themselves)
    row: Mapping[str, str] = field(default_factory=dict)  # the item's table row (control answers)


@dataclass(frozen=True)
class GenerationSettings:
    """ALLM decoding settings; part of every store key and manifest."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_new_tokens: int = 256
    seed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature, "top_p": self.top_p,
            "max_new_tokens": self.max_new_tokens, "seed": self.seed,
        }


# on_result(index, text, error): exactly one of text / error is not None.
ResultCallback = Callable[[int, "str | None", "str | None"], None]


class Adapter(Protocol):
    name: str

    def describe(self) -> dict[str, Any]:
        """Model id, revision, backend and settings, recorded in the run manifest.

        The keys ``model_id``, ``revision`` and ``backend`` (None where meaningless) also go into
        every result-store key with the adapter name (``jasco.stages.infer.adapter_identity``); the
        rest is recorded only. Describing an adapter must not load its model.
        """

    def generate(
        self, requests: Sequence[InferRequest], settings: GenerationSettings, on_result: ResultCallback
    ) -> None:
        """Produce one answer (or one error) per request, calling ``on_result`` as each finishes."""

    def close(self) -> None:
        """Release the model."""


# Factories: ``factory(**options) -> Adapter`` (options from the command line).
ADAPTERS: Registry[Callable[..., Adapter]] = Registry("ALLM adapter")
