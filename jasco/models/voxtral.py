"""Voxtral (mistralai/Voxtral-Mini-3B-2507 and siblings) in transformers.

``VoxtralForConditionalGeneration`` with its ``VoxtralProcessor``, whose tokenizer is
mistral-common's tekken (transformers' ``MistralCommonBackend``; the ``mistral-common`` package
must be installed). Voxtral's processor takes audio inside the chat conversation, not as a
separate keyword: each clip is sent as a base64 WAV (32-bit float, at the feature extractor's
16 kHz, so nothing is re-quantised or resampled) in an ``audio`` part before the instruction.
mistral-common's v7 instruct format allows no system prompt together with audio, so none is
sent. Batched ``generate`` with left padding; greedy by default. Nothing loads until the first
``generate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jasco.core.audio import wav_base64
from jasco.models.hf_adapter import TransformersAdapter
from jasco.models.hf_utils import check_sample_rates, generate_batch, hub_kwargs, torch_dtype
from jasco.models.types import AudioPart, ChatRequest, ModelResult

DEFAULT_MODEL = "mistralai/Voxtral-Mini-3B-2507"


class VoxtralTransformers(TransformersAdapter):
    name = "voxtral"

    def load(self) -> tuple[Any, Any]:
        from transformers import AutoProcessor, VoxtralForConditionalGeneration

        processor = AutoProcessor.from_pretrained(self.model_id, **hub_kwargs(self.requested_revision))
        processor.tokenizer.padding_side = "left"
        model: Any = VoxtralForConditionalGeneration.from_pretrained(
            self.model_id, dtype=torch_dtype(self.dtype), **hub_kwargs(self.requested_revision)
        )
        return processor, model.to(self.device).eval()

    @staticmethod
    def conversation(request: ChatRequest) -> list[dict[str, Any]]:
        """The request with each audio part as a base64 float WAV in the chat itself."""
        out: list[dict[str, Any]] = []
        for message in request.messages:
            content = [
                {"type": "audio", "base64": wav_base64(part.samples, part.sample_rate)} if isinstance(part, AudioPart)
                else {"type": "text", "text": part.text}
                for part in message.parts
            ]
            out.append({"role": message.role, "content": content})
        return out

    def run_batch(self, batch: Sequence[ChatRequest]) -> list[ModelResult]:
        processor = self.processor
        rate = processor.feature_extractor.sampling_rate
        check_sample_rates(batch, rate)
        inputs = processor.apply_chat_template(
            [self.conversation(r) for r in batch], tokenize=True, return_dict=True, return_tensors="pt",
            processor_kwargs={"padding": True, "audio_kwargs": {"sampling_rate": rate}},
        ).to(self.device)
        return generate_batch(self.model, inputs, batch, processor,
                              pad_token_id=self.model.generation_config.pad_token_id, strip=True)


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
