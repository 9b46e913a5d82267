"""The ``vllm`` judge backend: the in-process ``vllm.LLM`` engine.

All conversations of a run go to the engine in one submission (``LLM.enqueue_chat``, the
model's own chat template, exactly what ``LLM.chat`` renders); this module then steps the engine
itself so each finished judgment reaches the caller (and the result store) at once rather than
only when the whole file is done. Engine options are passed through, so a 70B judge runs with
tensor/pipeline parallelism as vLLM allows. ``--structured`` adds a regex constraint
(``StructuredOutputsParams``) that forces the Rating and Orientation lines.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jasco.judge.base import Decoding, JudgeRequest, ResultCallback

# Engine options passed through to vllm.LLM (the engine is built on the first generate call).
ENGINE_OPTIONS = (
    "tensor_parallel_size", "pipeline_parallel_size", "max_model_len", "dtype", "gpu_memory_utilization",
    "quantization", "enforce_eager", "revision", "seed", "trust_remote_code", "download_dir",
    "max_num_seqs", "structured_outputs_config", "enable_prefix_caching",
)
RESULT_OPTIONS = ("dtype", "quantization")  # change the judgments: part of the store key


class VllmJudge:
    def __init__(self, model: str, **options: Any) -> None:
        import importlib.util

        if importlib.util.find_spec("vllm") is None:
            raise ValueError("the vllm judge backend needs vllm: pip install 'jasco[vllm]'")
        unknown = sorted(set(options) - set(ENGINE_OPTIONS))
        if unknown:
            raise ValueError(f"vllm judge: unknown options {unknown}; known: {', '.join(ENGINE_OPTIONS)}")
        self.model = model
        self.options = {k: v for k, v in options.items() if v is not None}
        self._llm: Any = None

    @property
    def llm(self) -> Any:
        """The engine, built on first use: a rerun whose judgments are all stored loads nothing."""
        if self._llm is None:
            from vllm import LLM

            self._llm = LLM(model=self.model, **self.options)
        return self._llm

    def describe(self) -> dict[str, Any]:
        return {
            "backend": "vllm", "model": self.model, "revision": self.options.get("revision"),
            "settings": {k: v for k, v in self.options.items() if k != "structured_outputs_config"},
            "result_settings": {k: str(self.options.get(k)) for k in RESULT_OPTIONS},
        }

    @staticmethod
    def sampling_params(decoding: Decoding, regex: str | None) -> Any:
        from vllm import SamplingParams

        extra: dict[str, Any] = {}
        if regex is not None:
            from vllm.sampling_params import StructuredOutputsParams

            extra["structured_outputs"] = StructuredOutputsParams(regex=regex)
        return SamplingParams(
            temperature=decoding.temperature, top_p=decoding.top_p, max_tokens=decoding.max_tokens,
            seed=decoding.seed, **extra,
        )

    def generate(self, requests: Sequence[JudgeRequest], decoding: Decoding, on_result: ResultCallback) -> None:
        if not requests:
            return
        cache: dict[str | None, Any] = {}
        params = [cache.get(r.regex) or cache.setdefault(r.regex, self.sampling_params(decoding, r.regex))
                  for r in requests]
        engine = self.llm.llm_engine
        if engine.has_unfinished_requests():
            raise RuntimeError("vllm judge: the engine has unfinished requests from another caller")
        refused = _refusal_errors()
        conversations = [list(request.messages) for request in requests]
        by_id: dict[str, int] = {}
        try:
            request_ids = self.llm.enqueue_chat(conversations, params, use_tqdm=False)
            by_id = {_external_id(rid): request.index for rid, request in zip(request_ids, requests, strict=True)}
        except refused:  # a prompt the engine refuses (e.g. longer than max_model_len): find it
            self._abort_all()
            for request, conversation, param in zip(requests, conversations, params, strict=True):
                try:
                    (rid,) = self.llm.enqueue_chat([conversation], param, use_tqdm=False)
                except refused as error:
                    on_result(request.index, None, f"vLLM refused the prompt: {error}")
                else:
                    by_id[_external_id(rid)] = request.index
        while engine.has_unfinished_requests():
            for output in engine.step():
                if output.finished and output.request_id in by_id:
                    on_result(by_id.pop(output.request_id), output.outputs[0].text, None)
        for index in by_id.values():  # aborted by the engine (should not happen)
            on_result(index, None, "vLLM engine finished without an output for this request")

    def _abort_all(self) -> None:
        engine = self.llm.llm_engine
        while engine.has_unfinished_requests():  # drop what the failed batch had added
            for output in engine.step():
                if not output.finished:
                    engine.abort_request([output.request_id])

    def close(self) -> None:
        llm, self._llm = self._llm, None
        if llm is None:
            return
        engine = getattr(llm, "llm_engine", None)
        shutdown = getattr(getattr(engine, "engine_core", None), "shutdown", None)
        if callable(shutdown):
            shutdown()
        del llm, engine
        try:
            from vllm.distributed.parallel_state import cleanup_dist_env_and_memory

            cleanup_dist_env_and_memory()
        except ImportError:  # older/newer vLLM without it
            pass


def _external_id(request_id: Any) -> str:
    """``enqueue_chat`` returns internal ids ('7-1f3a9c2e'); the engine's outputs carry the
    external one ('7')."""
    text = str(request_id)
    head, sep, tail = text.rpartition("-")
    return head if sep and head.isdigit() and tail.isalnum() else text


def _refusal_errors() -> tuple[type[Exception], ...]:
    """The exceptions vLLM raises for a prompt it will not take (too long, invalid)."""
    try:
        from vllm.exceptions import VLLMValidationError
    except ImportError:
        return (ValueError,)
    return (ValueError, VLLMValidationError)


def factory(model: str, **options: Any) -> VllmJudge:
    return VllmJudge(model, **options)
