"""Voxtral (mistralai/Voxtral-Mini-3B-2507 and siblings) in transformers.

``VoxtralForConditionalGeneration`` with its ``VoxtralProcessor``, whose tokenizer is
mistral-common's tekken (transformers' ``MistralCommonBackend``; the ``mistral-common`` package
must be installed). Voxtral's processor takes audio inside the chat conversation, not as a
separate keyword: each clip is sent as a base64 WAV (32-bit float, at the feature extractor's
16 kHz, so nothing is re-quantised or resampled) in an ``audio`` part before the instruction.
mistral-common's v7 instruct format allows no system prompt together with audio, so none is
sent. Batched ``generate`` with left padding; greedy by default.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from jasco.models.base import GenerationSettings, InferRequest, ResultCallback
from jasco.models.hf_utils import (
    check_sample_rates,
    generate_texts,
    hub_kwargs,
    model_revision,
    run_in_batches,
    torch_dtype,
)

DEFAULT_MODEL = "mistralai/Voxtral-Mini-3B-2507"


def wav_base64(samples: np.ndarray, sample_rate: int) -> str:
    """The clip as a base64 float32 WAV: lossless, so the model hears exactly our samples."""
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, np.asarray(samples, dtype=np.float32), sample_rate, format="WAV", subtype="FLOAT")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


class VoxtralTransformers:
    name = "voxtral"

    def __init__(
        self, model_id: str = DEFAULT_MODEL, revision: str | None = None, batch_size: int = 8,
        dtype: str = "auto", device: str = "cpu",
    ) -> None:
        from transformers import AutoProcessor, VoxtralForConditionalGeneration

        self.model_id = str(model_id)
        self.revision = model_revision(self.model_id, revision)
        self.batch_size = int(batch_size)
        self.device = device
        self.processor = AutoProcessor.from_pretrained(self.model_id, **hub_kwargs(revision))
        self.processor.tokenizer.padding_side = "left"
        model: Any = VoxtralForConditionalGeneration.from_pretrained(
            self.model_id, dtype=torch_dtype(dtype), **hub_kwargs(revision)
        )
        self.model = model.to(device).eval()

    def describe(self) -> dict[str, Any]:
        return {
            "adapter": self.name, "backend": "transformers", "model_id": self.model_id,
            "revision": self.revision, "dtype": str(self.model.dtype), "batch_size": self.batch_size,
        }

    @staticmethod
    def conversation(request: InferRequest) -> list[dict[str, Any]]:
        return [{"role": "user", "content": [
            {"type": "audio", "base64": wav_base64(request.audio, request.sample_rate)},
            {"type": "text", "text": request.instruction},
        ]}]

    def run_batch(self, batch: Sequence[InferRequest], settings: GenerationSettings) -> list[str]:
        rate = self.processor.feature_extractor.sampling_rate
        check_sample_rates(batch, rate)
        inputs = self.processor.apply_chat_template(
            [self.conversation(r) for r in batch], tokenize=True, return_dict=True, return_tensors="pt",
            processor_kwargs={"padding": True, "audio_kwargs": {"sampling_rate": rate}},
        ).to(self.device)
        return generate_texts(self.model, inputs, settings, self.processor)

    def generate(
        self, requests: Sequence[InferRequest], settings: GenerationSettings, on_result: ResultCallback
    ) -> None:
        run_in_batches(requests, settings, on_result, self.batch_size, self.run_batch, self.name)

    def close(self) -> None:
        self.model = None


def factory(
    backend: str = "transformers", model_id: str = DEFAULT_MODEL, revision: str | None = None, batch_size: int = 8,
    dtype: str = "auto", device: str = "cpu",
) -> VoxtralTransformers:
    """Options: backend (transformers only: vLLM's Voxtral loads Mistral-format checkpoints with
    ``tokenizer_mode=mistral``, not wired here), model_id, revision, batch_size, dtype, device."""
    if backend not in ("transformers", "auto"):
        raise ValueError(f"voxtral: backend {backend!r} is not available; use transformers")
    return VoxtralTransformers(model_id=model_id, revision=revision, batch_size=batch_size, dtype=dtype,
                               device=device)
