"""The ``openai`` backend: any OpenAI-compatible chat-completions server (vLLM, hosted APIs).

Each request becomes one chat request: text-only messages as plain strings (what a text judge
sends), and in messages with audio each audio part as an ``input_audio`` part (the 16 kHz mono
samples as a base64 WAV, 32-bit float by default so the server hears exactly our samples;
``--option wav_subtype=PCM_16`` for endpoints that only take 16-bit PCM) and each text part as a
``text`` part. The request's sampling settings go in the body; a regex goes in vLLM's
``structured_outputs`` extension, top log-probabilities as ``logprobs``/``top_logprobs``. The
requests go through ``jasco.core.httpclient`` (bounded concurrency, timeouts, retries with
backoff, several base URLs round-robin); each result reaches the caller as its request finishes,
and a request that fails for good becomes that row's error (``unavailable`` when the server
could not be reached). A ``content: null`` answer reaches the caller as empty text and a
``length`` finish as it is; the stages turn both into row errors (``ModelResult.checked``).

Serve a model with vLLM and point jasco at it::

    vllm serve Qwen/Qwen2-Audio-7B-Instruct --limit-mm-per-prompt '{"audio": 2}' --port 8000 \\
        --chat-template-content-format string
    jasco infer --model openai --model-id Qwen/Qwen2-Audio-7B-Instruct --base-url http://gpu:8000/v1 --out ...

``--chat-template-content-format string`` matters for Qwen2-Audio: its chat template recognises
an audio part by an ``audio``/``audio_url`` key, which OpenAI-style parts lack, so without the
flag every request fails with "failed to apply prompt replacement" (measured with vLLM 0.32);
with it vLLM writes "Audio k: <|audio_bos|><|AUDIO|><|audio_eos|>" for each audio itself, before
the text, token-identical to the in-process backends when the audio parts come first.
``--limit-mm-per-prompt`` must allow as many audios as the task's items hold. Hosted APIs work the
same way (``--base-url``, ``OPENAI_API_KEY``); ``--revision`` records what the provider calls the
model version, since jasco cannot see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jasco.core.httpclient import HttpSettings, RequestFailedError, chat_text, post_all
from jasco.models.conversation import openai_messages
from jasco.models.types import UNAVAILABLE, ChatRequest, Message, ModelResult, ResultCallback, TokenLogprob


class OpenAIChat:
    """Implements the ``Model`` protocol over HTTP."""

    backend = "openai"
    max_audios: int | None = None

    def __init__(
        self,
        model_id: str | None = None,
        *,
        name: str = "openai",
        base_url: str | Sequence[str] | None = None,
        base_urls: Sequence[str] | None = None,
        api_key: str | None = None,
        served_model: str | None = None,
        revision: str | None = None,
        wav_subtype: str = "FLOAT",
        system_prompt: str | None = None,
        return_token_ids: bool = False,
        **http_options: Any,
    ) -> None:
        if not model_id:
            raise ValueError("the openai backend needs a model id (--model-id: the model name the endpoint serves)")
        urls = [base_url] if isinstance(base_url, str) else list(base_url or ())
        self.http = HttpSettings.from_options([*urls, *(base_urls or ())], api_key, **http_options)
        self.name = name
        self.model_id = model_id
        self.served_model = served_model or model_id  # the name the server knows the model by
        self.revision = revision
        self.wav_subtype = wav_subtype
        self.system_prompt = system_prompt
        self.return_token_ids = return_token_ids

    def describe(self) -> dict[str, Any]:
        return {
            "adapter": self.name, "backend": self.backend, "model": self.model_id, "model_id": self.model_id,
            "revision": self.revision, "http": self.http.describe(), "wav_subtype": self.wav_subtype,
            "system_prompt": self.system_prompt,
            "settings": {"served_model": self.served_model, **self.http.describe()},
            "result_settings": {"served_model": self.served_model},
        }

    def payload(self, request: ChatRequest) -> dict[str, Any]:
        messages = list(request.messages)
        if self.system_prompt is not None:
            messages.insert(0, Message.of_text("system", self.system_prompt))
        sampling = request.sampling
        body: dict[str, Any] = {
            "model": self.served_model, "messages": openai_messages(messages, self.wav_subtype),
            "temperature": sampling.temperature, "top_p": sampling.top_p, "max_tokens": sampling.max_tokens,
            "seed": sampling.seed,
        }
        if request.regex is not None:  # a vLLM extension
            body["structured_outputs"] = {"regex": request.regex}
        if request.top_logprobs:
            body.update(logprobs=True, top_logprobs=request.top_logprobs)
        if self.return_token_ids:  # a vLLM extension
            body["return_token_ids"] = True
        return body

    def generate(self, requests: Sequence[ChatRequest], on_result: ResultCallback) -> None:
        payloads = [self.payload(request) for request in requests]

        def done(position: int, response: dict[str, Any] | None, error: RequestFailedError | None) -> None:
            request = requests[position]
            if response is None:
                kind = UNAVAILABLE if error is not None and error.unavailable else None
                on_result(ModelResult.failed(request.index, str(error or "no response"), kind))
                return
            try:
                text = chat_text(response)
            except RequestFailedError as failure:
                on_result(ModelResult.failed(request.index, str(failure)))
                return
            on_result(_result(request, response, text))

        post_all(self.http, payloads, done)

    def close(self) -> None:
        """Nothing to release: connections close with each ``post_all``."""


def _result(request: ChatRequest, response: dict[str, Any], text: str) -> ModelResult:
    choice = (response.get("choices") or [{}])[0]
    token_ids = choice.get("token_ids")
    usage = response.get("usage") or {}
    n_tokens = usage.get("completion_tokens")
    logprobs = None
    content = (choice.get("logprobs") or {}).get("content")
    if request.top_logprobs and isinstance(content, list):
        logprobs = tuple(
            TokenLogprob(str(entry.get("token")), float(entry.get("logprob")),
                         tuple((str(alt.get("token")), float(alt.get("logprob")))
                               for alt in entry.get("top_logprobs") or ()))
            for entry in content
        )
    return ModelResult(
        index=request.index, text=text, finish_reason=choice.get("finish_reason"),
        n_tokens=n_tokens if isinstance(n_tokens, int) else None,
        token_ids=tuple(token_ids) if isinstance(token_ids, list) else None, logprobs=logprobs,
    )


openai = OpenAIChat  # the factory: its signature lists the options it takes
