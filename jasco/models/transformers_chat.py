"""The transformers backend: chat models with or without audio input, batched ``generate``.

One class serves text LLMs (judges: ``AutoModelForCausalLM`` with the tokenizer's chat template)
and audio chat models (Qwen2-Audio: ``AutoModelForSeq2SeqLM`` with its processor). The
processor (or the tokenizer, for a text model) renders the model's own chat template, the
request's audio parts go in with the processor's current ``audio=`` keyword together with
``sampling_rate=`` (the old ``audios=`` keyword is silently ignored by newer processors and the
model then never hears the audio: ``jasco infer --check-audio`` catches that), one list entry per
audio part in conversation order, so a request may hold several. Prompts are tokenized without
extra special tokens (the template writes them), left-padded and generated ``batch_size`` at a
time; a batch that fails is retried one request at a time so a bad item costs only its own row.
Structured outputs (a regex) are a vLLM feature: such a request is a row error here.

Real runs on a GPU (``pip install 'jasco[hf]'``)::

    jasco infer --model qwen2-audio --backend transformers --dtype bfloat16 --option batch_size=8 --out ...
    jasco judge --judge Qwen/Qwen2.5-7B-Instruct --backend hf answers.csv judged.csv
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jasco.models.batching import run_in_batches
from jasco.models.conversation import hf_messages
from jasco.models.hf_utils import check_sample_rates, generate_batch, torch_dtype
from jasco.models.types import ChatRequest, ModelResult, ResultCallback


class TransformersChat:
    """``AutoProcessor`` (or tokenizer) + a model class; implements the ``Model`` protocol."""

    backend = "transformers"
    max_audios: int | None = None
    # The processor keyword that carries the audio. Current processors take ``audio``; one that
    # silently drops an unknown keyword (``audios``) makes a model that never hears the audio.
    audio_keyword = "audio"

    def __init__(
        self,
        model_id: str,
        *,
        name: str = "hf",
        revision: str | None = None,
        model_class: str = "AutoModelForCausalLM",
        dtype: str | None = None,
        device: str | None = None,
        device_map: str | None = None,
        batch_size: int = 8,
        trust_remote_code: bool = False,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.name = name
        self.model_id = str(model_id)
        self.revision = revision
        self.model_class = model_class
        self.batch_size = int(batch_size)
        self.dtype = dtype or "auto"
        self.device = device
        self.device_map = device_map
        self.trust_remote_code = trust_remote_code
        self._model: Any = None
        self._processor: Any = None

    def _load(self) -> None:
        """Load the processor and the model on first use (describing the model loads nothing)."""
        import torch
        import transformers

        hub = {"revision": self.revision, "trust_remote_code": self.trust_remote_code}
        processor = transformers.AutoProcessor.from_pretrained(self.model_id, **hub)
        tokenizer = getattr(processor, "tokenizer", processor)
        tokenizer.padding_side = "left"
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        options: dict[str, Any] = {"dtype": torch_dtype(self.dtype), **hub}
        if self.device_map:
            options["device_map"] = self.device_map
        model = getattr(transformers, self.model_class).from_pretrained(self.model_id, **options).eval()
        if not self.device_map:
            self.device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
            model.to(self.device)
        self._processor, self._model = processor, model

    @property
    def processor(self) -> Any:
        if self._processor is None:
            self._load()
        return self._processor

    @property
    def tokenizer(self) -> Any:
        return getattr(self.processor, "tokenizer", self.processor)

    @property
    def model(self) -> Any:
        if self._model is None:
            self._load()
        return self._model

    def check_available(self) -> str | None:
        """Why the weights cannot be loaded here (not a directory, not cached, no hub), or None."""
        from jasco.models.availability import hub_problem

        return hub_problem(self.model_id, self.revision)

    def describe(self) -> dict[str, Any]:
        return {
            "adapter": self.name, "backend": self.backend, "model": self.model_id, "model_id": self.model_id,
            "revision": self.revision, "model_class": self.model_class, "dtype": self.dtype,
            "batch_size": self.batch_size, "device": self.device, "device_map": self.device_map,
            "settings": {"dtype": self.dtype, "device": self.device, "batch_size": self.batch_size},
            "result_settings": {"dtype": self.dtype},
        }

    def prompt(self, request: ChatRequest) -> str:
        text: str = self.processor.apply_chat_template(
            hf_messages(request.messages), add_generation_prompt=True, tokenize=False
        )
        return text

    def generate(self, requests: Sequence[ChatRequest], on_result: ResultCallback) -> None:
        usable = []
        for request in requests:
            if request.regex is not None:
                on_result(ModelResult.failed(request.index, "the transformers backend has no structured outputs "
                                                            "(a regex); use the vllm or openai backend"))
            else:
                usable.append(request)
        run_in_batches(usable, on_result, self.batch_size, self._generate_batch, f"transformers {self.name}")

    def _generate_batch(self, batch: Sequence[ChatRequest]) -> list[ModelResult]:
        audios = [audio for request in batch for audio in request.audios]
        options: dict[str, Any] = {"text": [self.prompt(request) for request in batch], "return_tensors": "pt",
                                   "padding": True, "add_special_tokens": False}
        if audios:
            rate = audios[0].sample_rate
            check_sample_rates(batch, rate)
            options.update({self.audio_keyword: [audio.samples for audio in audios], "sampling_rate": rate})
        inputs = self.processor(**options).to(self.model.device)
        if "input_features" in inputs and self.model.dtype != inputs["input_features"].dtype:
            inputs["input_features"] = inputs["input_features"].to(self.model.dtype)
        return generate_batch(self.model, inputs, batch, self.processor, pad_token_id=self.tokenizer.pad_token_id)

    def close(self) -> None:
        if self._model is not None:
            self._model = self._processor = None
            import gc

            gc.collect()


def factory(model_id: str | None = None, **options: Any) -> TransformersChat:
    """``hf``: any transformers chat model (``model_class`` AutoModelForCausalLM by default)."""
    if not model_id:
        raise ValueError("the hf backend needs a model id (a Hugging Face id or a local directory)")
    return TransformersChat(model_id, **options)
