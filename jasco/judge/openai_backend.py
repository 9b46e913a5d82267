"""The ``openai`` judge backend: any OpenAI-compatible chat-completions server.

Requests go through ``jasco.core.httpclient`` (bounded concurrency, timeouts, retries with backoff on
429/5xx/dropped connections, several base URLs round-robin), so one slow or failing request
never stops the others; a request that fails for good reaches the caller as an error naming the
URL and the last failure. ``--structured`` sends vLLM's ``structured_outputs`` extension (a
regex) in the request body, as ``extra_body`` would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jasco.core.httpclient import HttpSettings, RequestFailedError, chat_text, post_all
from jasco.judge.base import Decoding, JudgeRequest, ResultCallback


class OpenAIJudge:
    def __init__(
        self,
        model: str,
        *,
        base_urls: Sequence[str] | None = None,
        api_key: str | None = None,
        served_model: str | None = None,
        revision: str | None = None,
        **http_options: Any,
    ) -> None:
        self.model = model
        self.served_model = served_model or model  # the name the server knows the model by
        self.revision = revision
        self.settings = HttpSettings.from_options(base_urls, api_key, **http_options)

    def describe(self) -> dict[str, Any]:
        return {
            "backend": "openai", "model": self.model, "revision": self.revision,
            "settings": {"served_model": self.served_model, **self.settings.describe()},
            "result_settings": {"served_model": self.served_model},
        }

    def payload(self, request: JudgeRequest, decoding: Decoding) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.served_model, "messages": list(request.messages),
            "temperature": decoding.temperature, "top_p": decoding.top_p,
            "max_tokens": decoding.max_tokens, "seed": decoding.seed,
        }
        if request.regex is not None:
            body["structured_outputs"] = {"regex": request.regex}
        return body

    def generate(self, requests: Sequence[JudgeRequest], decoding: Decoding, on_result: ResultCallback) -> None:
        payloads = [self.payload(request, decoding) for request in requests]

        def on_done(i: int, response: dict[str, Any] | None, error: str | None) -> None:
            index = requests[i].index
            if response is None:
                on_result(index, None, error)
                return
            try:
                text = chat_text(response)
            except RequestFailedError as bad:
                on_result(index, None, str(bad))
            else:
                on_result(index, text, None)

        post_all(self.settings, payloads, on_done)

    def close(self) -> None:
        """Nothing to release: connections close with each ``post_all``."""


def factory(model: str, **options: Any) -> OpenAIJudge:
    return OpenAIJudge(model, **options)
