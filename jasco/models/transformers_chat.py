"""A transformers backend for chat ALLMs that take one audio clip per prompt (batched generate).

The processor renders the model's chat template (one user turn: the audio, then the
instruction), extracts the audio features and expands the audio placeholder. The audio is passed
with the processor's current ``audio=`` keyword together with ``sampling_rate=``: the old
``audios=`` keyword is silently ignored by newer processors, and the model then never hears the
audio (``jasco infer --check-audio`` catches exactly that). Prompts are left-padded and generated
``batch_size`` at a time; a batch that fails is retried one item at a time so a bad clip costs
only its own row.

Real runs on a GPU (``pip install 'jasco[hf]'``)::

    jasco infer --model qwen2-audio --backend transformers --out results/qwen2-audio.csv \\
        --dtype bfloat16 --option batch_size=8 [--option device_map=auto]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jasco.models.base import GenerationSettings, InferRequest, ResultCallback


class TransformersAudioChat:
    """``AutoProcessor`` + an audio-to-text model class; implements the ``Adapter`` protocol."""

    backend = "transformers"
    # The processor keyword that carries the audio. Current processors take ``audio``; one that
    # silently drops an unknown keyword (``audios``) makes a model that never hears the audio.
    audio_keyword = "audio"

    def __init__(
        self,
        name: str,
        model_id: str,
        *,
        revision: str | None = None,
        model_class: str = "AutoModelForSeq2SeqLM",
        dtype: str | None = None,
        device: str | None = None,
        device_map: str | None = None,
        batch_size: int = 8,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.name = name
        self.model_id = model_id
        self.revision = revision
        self.model_class = model_class
        self.batch_size = batch_size
        self.dtype = dtype or "auto"
        self.device = device
        self.device_map = device_map
        self._model: Any = None
        self._processor: Any = None
        # The generated token ids of the last generate() call, by request index (parity checks).
        self.last_token_ids: dict[int, list[int]] = {}

    def _load(self) -> None:
        """Load the processor and the model on first use (describing the adapter loads nothing)."""
        import torch
        import transformers

        processor = transformers.AutoProcessor.from_pretrained(self.model_id, revision=self.revision)
        processor.tokenizer.padding_side = "left"
        loader = getattr(transformers, self.model_class)
        options: dict[str, Any] = {"revision": self.revision, "dtype": self.dtype}
        if self.device_map:
            options["device_map"] = self.device_map
        model = loader.from_pretrained(self.model_id, **options).eval()
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
    def model(self) -> Any:
        if self._model is None:
            self._load()
        return self._model

    def describe(self) -> dict[str, Any]:
        return {
            "adapter": self.name, "model_id": self.model_id, "revision": self.revision,
            "backend": self.backend, "model_class": self.model_class, "dtype": self.dtype,
            "batch_size": self.batch_size, "device": self.device, "device_map": self.device_map,
        }

    def prompt(self, request: InferRequest) -> str:
        messages = [{"role": "user", "content": [
            {"type": "audio", "audio_url": str(request.audio_path)},
            {"type": "text", "text": request.instruction},
        ]}]
        text: str = self.processor.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        return text

    def generate(
        self, requests: Sequence[InferRequest], settings: GenerationSettings, on_result: ResultCallback
    ) -> None:
        self.last_token_ids = {}
        for start in range(0, len(requests), self.batch_size):
            batch = requests[start:start + self.batch_size]
            try:
                texts = self._generate_batch(batch, settings)
            except Exception:  # isolate the failing item below
                if len(batch) == 1:
                    self._report_error(batch[0], on_result)
                    continue
                for request in batch:
                    try:
                        (text,) = self._generate_batch([request], settings)
                    except Exception:
                        self._report_error(request, on_result)
                    else:
                        on_result(request.index, text, None)
                continue
            for request, text in zip(batch, texts, strict=True):
                on_result(request.index, text, None)

    def _report_error(self, request: InferRequest, on_result: ResultCallback) -> None:
        import sys

        error = sys.exc_info()[1]
        on_result(request.index, None, f"transformers generate failed: {type(error).__name__}: {error}")

    def _generate_batch(self, batch: Sequence[InferRequest], settings: GenerationSettings) -> list[str]:
        import torch

        rates = {request.sample_rate for request in batch}
        if len(rates) != 1:
            raise ValueError(f"one sample rate per batch expected, got {sorted(rates)}")
        inputs = self.processor(
            text=[self.prompt(request) for request in batch],
            sampling_rate=rates.pop(),
            return_tensors="pt",
            padding=True,
            **{self.audio_keyword: [request.audio for request in batch]},
        ).to(self.model.device)
        if "input_features" in inputs and self.model.dtype != inputs["input_features"].dtype:
            inputs["input_features"] = inputs["input_features"].to(self.model.dtype)
        sampling = settings.temperature > 0
        options: dict[str, Any] = {"max_new_tokens": settings.max_new_tokens, "do_sample": sampling}
        if sampling:
            options.update(temperature=settings.temperature, top_p=settings.top_p)
        torch.manual_seed(settings.seed)
        with torch.inference_mode():
            output = self.model.generate(**inputs, **options)
        new_tokens = output[:, inputs["input_ids"].shape[1]:]
        texts: list[str] = self.processor.batch_decode(new_tokens, skip_special_tokens=True)
        pad = self.processor.tokenizer.pad_token_id
        for request, row in zip(batch, new_tokens.tolist(), strict=True):
            while row and row[-1] == pad:  # right padding of sequences that ended early
                row.pop()
            self.last_token_ids[request.index] = row
        return texts

    def close(self) -> None:
        if self._model is not None:
            self._model = self._processor = None
            import gc

            gc.collect()
