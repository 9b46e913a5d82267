"""``openai``: any OpenAI-compatible chat endpoint that accepts ``input_audio`` parts.

Each item becomes one chat request: a user turn with the clip as an ``input_audio`` part (the
16 kHz mono audio as a base64 WAV, ``"format": "wav"``) followed by the instruction text. The
requests go through jasco's shared HTTP client (``jasco.core.httpclient``: bounded concurrency,
timeouts, retries with backoff, several base URLs round-robin), the same one the judge stage
uses; each answer reaches the result store as its request finishes, and a request that fails
for good becomes that row's error.

The WAV holds 32-bit float samples by default, exactly the audio the local backends get (clips
resampled from 48 kHz included); ``--option wav_subtype=PCM_16`` suits endpoints that only take
16-bit PCM.

Serve a model with vLLM on a GPU machine and point jasco at it::

    vllm serve Qwen/Qwen2-Audio-7B-Instruct --limit-mm-per-prompt '{"audio": 1}' --port 8000 \\
        --chat-template-content-format string
    jasco infer --model openai --model-id Qwen/Qwen2-Audio-7B-Instruct \\
        --base-url http://gpu-host:8000/v1 --concurrency 32 --out results/qwen2-audio.csv

``--chat-template-content-format string`` matters for Qwen2-Audio: its chat template recognises
an audio part by an ``audio``/``audio_url`` key, which vLLM's OpenAI-style parts lack, so without
the flag every request fails with "failed to apply prompt replacement" (measured with vLLM 0.32);
with it vLLM writes "Audio 1: <|audio_bos|><|AUDIO|><|audio_eos|>" itself, token-identical to the
in-process backends. Hosted APIs work the same way (``--base-url``, ``OPENAI_API_KEY``);
``--revision`` records what the provider calls the model version, since jasco cannot see it.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

import numpy as np

from jasco.core.httpclient import HttpSettings, RequestFailedError, chat_text, post_all
from jasco.models.base import GenerationSettings, InferRequest, ResultCallback

NAME = "openai"


def wav_base64(audio: np.ndarray, sample_rate: int, subtype: str = "FLOAT") -> str:
    """The audio as a base64-encoded mono WAV file."""
    import soundfile

    buffer = io.BytesIO()
    soundfile.write(buffer, np.asarray(audio, dtype=np.float32), sample_rate, format="WAV", subtype=subtype)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


class OpenAIAudioChat:
    """Implements the ``Adapter`` protocol over HTTP."""

    backend = "openai"

    def __init__(
        self,
        model_id: str | None = None,
        *,
        base_url: str | Sequence[str] | None = None,
        api_key: str | None = None,
        revision: str | None = None,
        concurrency: int = 16,
        timeout_s: float = 300.0,
        max_retries: int = 5,
        wav_subtype: str = "FLOAT",
        system_prompt: str | None = None,
        return_token_ids: bool = False,
        name: str = NAME,
    ) -> None:
        if not model_id:
            raise ValueError("the openai adapter needs --model-id: the model name the endpoint serves")
        urls = [base_url] if isinstance(base_url, str) else list(base_url or ())
        self.http = HttpSettings.from_options(
            urls, api_key, concurrency=concurrency, timeout_s=timeout_s, max_retries=max_retries
        )
        self.name = name
        self.model_id = model_id
        self.revision = revision
        self.wav_subtype = wav_subtype
        self.system_prompt = system_prompt
        self.return_token_ids = return_token_ids
        # The generated token ids of the last generate() call, by request index, when the server
        # reports them (vLLM does with ``return_token_ids``; hosted APIs do not).
        self.last_token_ids: dict[int, list[int]] = {}

    def describe(self) -> dict[str, Any]:
        return {
            "adapter": self.name, "model_id": self.model_id, "revision": self.revision,
            "backend": self.backend, "http": self.http.describe(), "wav_subtype": self.wav_subtype,
            "system_prompt": self.system_prompt,
        }

    def payload(self, request: InferRequest, settings: GenerationSettings) -> dict[str, Any]:
        audio = wav_base64(request.audio, request.sample_rate, self.wav_subtype)
        messages: list[dict[str, Any]] = []
        if self.system_prompt is not None:
            messages.append({"role": "system", "content": self.system_prompt})
        messages.append({"role": "user", "content": [
            {"type": "input_audio", "input_audio": {"data": audio, "format": "wav"}},
            {"type": "text", "text": request.instruction},
        ]})
        payload = {
            "model": self.model_id, "messages": messages, "temperature": settings.temperature,
            "top_p": settings.top_p, "max_tokens": settings.max_new_tokens, "seed": settings.seed,
        }
        if self.return_token_ids:  # a vLLM extension
            payload["return_token_ids"] = True
        return payload

    def generate(
        self, requests: Sequence[InferRequest], settings: GenerationSettings, on_result: ResultCallback
    ) -> None:
        payloads = [self.payload(request, settings) for request in requests]
        self.last_token_ids = {}

        def done(position: int, response: dict[str, Any] | None, error: str | None) -> None:
            index = requests[position].index
            if response is None:
                on_result(index, None, error)
                return
            token_ids = (response.get("choices") or [{}])[0].get("token_ids")
            if isinstance(token_ids, list):
                self.last_token_ids[index] = token_ids
            try:
                on_result(index, chat_text(response), None)
            except RequestFailedError as failure:
                on_result(index, None, str(failure))

        post_all(self.http, payloads, done)

    def close(self) -> None:
        pass


openai_audio = OpenAIAudioChat  # the factory: its signature lists the options it takes
