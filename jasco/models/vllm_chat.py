"""An in-process vLLM engine for chat ALLMs that take one audio clip per prompt.

Every request's prompt is the model's own chat template applied to one user turn holding an
audio part and the instruction; the audio goes in as vLLM multimodal data (a float32 16 kHz
array and its rate). All requests are submitted to the engine at once, so vLLM batches them
continuously, and each answer is handed to ``on_result`` (and so to the result store) the moment
its request finishes. A request the engine rejects (a prompt longer than ``max_model_len``, say)
becomes that row's error; the others go on.

Real runs on GPUs (``pip install 'jasco[vllm]'`` on a CUDA machine)::

    jasco infer --model qwen2-audio --backend vllm --out results/qwen2-audio.csv \\
        --max-model-len 4096 --gpu-memory-utilization 0.9 [--tensor-parallel-size 2]

Any other ``vllm.LLM`` keyword goes through ``--option key=value`` (JSON values are parsed).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jasco.models.base import GenerationSettings, InferRequest, ResultCallback


class VllmAudioChat:
    """A ``vllm.LLM`` serving one audio chat model; implements the ``Adapter`` protocol."""

    backend = "vllm"

    def __init__(
        self,
        name: str,
        model_id: str,
        *,
        revision: str | None = None,
        max_model_len: int | None = None,
        tensor_parallel_size: int | None = None,
        dtype: str | None = None,
        gpu_memory_utilization: float | None = None,
        enforce_eager: bool | None = None,
        limit_mm_per_prompt: dict[str, int] | None = None,
        seed: int = 0,
        **engine_options: Any,
    ) -> None:
        self.name = name
        self.model_id = model_id
        self.revision = revision
        given = {
            "max_model_len": max_model_len, "tensor_parallel_size": tensor_parallel_size, "dtype": dtype,
            "gpu_memory_utilization": gpu_memory_utilization, "enforce_eager": enforce_eager,
        }
        self.engine_options: dict[str, Any] = {
            **{key: value for key, value in given.items() if value is not None},
            "limit_mm_per_prompt": limit_mm_per_prompt or {"audio": 1},
            "seed": seed,
            **engine_options,
        }
        self._llm: Any = None
        self._counter = 0
        # The generated token ids of the last generate() call, by request index (parity checks).
        self.last_token_ids: dict[int, list[int]] = {}

    @property
    def llm(self) -> Any:
        """The engine, built on first use (describing the adapter loads nothing)."""
        if self._llm is None:
            from vllm import LLM

            self._llm = LLM(model=self.model_id, revision=self.revision, **self.engine_options)
        return self._llm

    def describe(self) -> dict[str, Any]:
        return {
            "adapter": self.name, "model_id": self.model_id, "revision": self.revision,
            "backend": self.backend, "engine_options": self.engine_options,
        }

    def prompt(self, request: InferRequest) -> str:
        """The chat-templated prompt text: one user turn, the audio first, then the instruction."""
        messages = [{"role": "user", "content": [
            {"type": "audio", "audio_url": str(request.audio_path)},
            {"type": "text", "text": request.instruction},
        ]}]
        text: str = self.llm.get_tokenizer().apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        return text

    def sampling_params(self, settings: GenerationSettings) -> Any:
        from vllm import SamplingParams

        return SamplingParams(
            temperature=settings.temperature, top_p=settings.top_p, max_tokens=settings.max_new_tokens,
            seed=settings.seed,
        )

    def generate(
        self, requests: Sequence[InferRequest], settings: GenerationSettings, on_result: ResultCallback
    ) -> None:
        engine = self.llm.llm_engine
        self.last_token_ids = {}
        params = self.sampling_params(settings)
        pending: dict[str, int] = {}
        for request in requests:
            self._counter += 1
            request_id = f"jasco-{self._counter}"
            prompt = {"prompt": self.prompt(request),
                      "multi_modal_data": {"audio": (request.audio, request.sample_rate)}}
            try:
                engine.add_request(request_id, prompt, params)
            except Exception as error:  # the engine's reason becomes the row's error
                on_result(request.index, None, f"vLLM rejected the request: {type(error).__name__}: {error}")
                continue
            pending[request_id] = request.index
        while pending and engine.has_unfinished_requests():
            for output in engine.step():
                if output.finished and output.request_id in pending:
                    index = pending.pop(output.request_id)
                    self.last_token_ids[index] = list(output.outputs[0].token_ids)
                    on_result(index, output.outputs[0].text, None)
        for index in pending.values():  # the engine dropped a request without finishing it
            on_result(index, None, "vLLM finished without an output for this request")

    def close(self) -> None:
        if self._llm is not None:
            self._llm = None
            import gc

            gc.collect()
