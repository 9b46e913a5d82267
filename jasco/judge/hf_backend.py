"""The ``hf`` judge backend: transformers ``generate``, batched, for small judges on one device.

Conversations are rendered with the tokenizer's own chat template, left-padded into batches of
``batch_size``, and decoded greedily (temperature 0) or by sampling with a seeded generator.
Each batch's texts reach the caller (and the result store) as soon as the batch is done.
Structured outputs are a vLLM feature: a request with a regex is refused with a clear error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jasco.judge.base import BackendOptionError, Decoding, JudgeRequest, ResultCallback


class HfJudge:
    def __init__(
        self,
        model: str,
        *,
        revision: str | None = None,
        dtype: str = "auto",
        device: str | None = None,
        batch_size: int = 8,
        trust_remote_code: bool = False,
    ) -> None:
        import importlib.util

        if importlib.util.find_spec("transformers") is None:
            raise ValueError("the hf judge backend needs transformers: pip install 'jasco[hf]'")
        self.model_id, self.revision, self.dtype = model, revision, dtype
        self.batch_size = int(batch_size)
        self.device = device
        self.trust_remote_code = trust_remote_code
        self.tokenizer: Any = None
        self.model: Any = None

    def _load(self) -> None:
        """Load on first use: a rerun whose judgments are all stored loads nothing."""
        if self.model is not None:
            return
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.device = self.device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.tokenizer = AutoTokenizer.from_pretrained(
            self.model_id, revision=self.revision, trust_remote_code=self.trust_remote_code
        )
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        loaded: Any = AutoModelForCausalLM.from_pretrained(
            self.model_id, revision=self.revision, dtype=self.dtype, trust_remote_code=self.trust_remote_code
        )
        self.model = loaded.to(self.device)
        self.model.eval()

    def describe(self) -> dict[str, Any]:
        return {
            "backend": "hf", "model": self.model_id, "revision": self.revision,
            "settings": {"dtype": self.dtype, "device": self.device, "batch_size": self.batch_size},
            "result_settings": {"dtype": self.dtype},
        }

    def generate(self, requests: Sequence[JudgeRequest], decoding: Decoding, on_result: ResultCallback) -> None:
        import torch

        if any(request.regex is not None for request in requests):
            raise BackendOptionError("the hf judge backend has no structured outputs; use --backend vllm or openai")
        self._load()
        sample = decoding.temperature > 0
        for start in range(0, len(requests), self.batch_size):
            batch = requests[start : start + self.batch_size]
            prompts: list[Any] = [
                self.tokenizer.apply_chat_template(list(r.messages), tokenize=False, add_generation_prompt=True)
                for r in batch
            ]
            inputs = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
            inputs = inputs.to(self.device)
            torch.manual_seed(decoding.seed)
            options: dict[str, Any] = {"do_sample": sample, "max_new_tokens": decoding.max_tokens,
                                       "pad_token_id": self.tokenizer.pad_token_id}
            if sample:
                options.update(temperature=decoding.temperature, top_p=decoding.top_p)
            else:
                options.update(temperature=None, top_p=None, top_k=None)
            with torch.inference_mode():
                output = self.model.generate(**inputs, **options)
            new_tokens = output[:, inputs["input_ids"].shape[1] :]
            for request, tokens in zip(batch, new_tokens, strict=True):
                text = str(self.tokenizer.decode(tokens, skip_special_tokens=True))
                on_result(request.index, text, None)

    def close(self) -> None:
        self.model = self.tokenizer = None


def factory(model: str, **options: Any) -> HfJudge:
    return HfJudge(model, **options)
