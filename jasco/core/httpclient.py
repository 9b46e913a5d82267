"""An OpenAI-compatible HTTP client shared by the judge and infer stages.

POSTs JSON payloads to ``<base_url>/chat/completions`` (or another endpoint) with bounded
concurrency, a per-request timeout, and retries with exponential backoff and full jitter on
429, 5xx, timeouts and dropped connections (``Retry-After`` is honoured). Several base URLs
spread the load round-robin, and a retry moves to the next one. When retries run out, the
request's callback gets a clear error naming the URL, the attempts and the last failure; the
other requests go on. Results are handed to a callback as each request finishes, so callers can
store them crash-safely without waiting for the whole batch. A request that ran out of retries on
connection errors or on "server unavailable" statuses (5xx, 429) fails with ``unavailable`` set:
the server is probably gone, and a caller may stop the whole batch by raising from its callback
(``post_all`` then cancels every request still in flight and re-raises).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
BASE_URL_ENV = "OPENAI_BASE_URL"
API_KEY_ENV = "OPENAI_API_KEY"


@dataclass(frozen=True)
class HttpSettings:
    base_urls: tuple[str, ...]
    api_key: str | None = field(default=None, repr=False)
    concurrency: int = 16
    timeout_s: float = 300.0
    max_retries: int = 5
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 60.0
    endpoint: str = "/chat/completions"

    def __post_init__(self) -> None:
        if not self.base_urls:
            raise ValueError(f"no base URL: pass --base-url or set {BASE_URL_ENV}")
        if self.concurrency < 1 or self.max_retries < 0 or self.timeout_s <= 0:
            raise ValueError("concurrency must be >= 1, max_retries >= 0 and timeout_s > 0")

    @classmethod
    def from_options(
        cls, base_urls: Sequence[str] | None = None, api_key: str | None = None, **options: Any
    ) -> HttpSettings:
        """Settings from command-line values, falling back on OPENAI_BASE_URL / OPENAI_API_KEY."""
        urls = [u for u in (base_urls or ()) if u] or [os.environ.get(BASE_URL_ENV, "")]
        urls = [u.rstrip("/") for u in urls if u]
        return cls(base_urls=tuple(urls), api_key=api_key or os.environ.get(API_KEY_ENV), **options)

    def describe(self) -> dict[str, Any]:
        """Settings for a run manifest (the API key is never recorded)."""
        return {
            "base_urls": list(self.base_urls), "concurrency": self.concurrency,
            "timeout_s": self.timeout_s, "max_retries": self.max_retries,
            "backoff_initial_s": self.backoff_initial_s, "backoff_max_s": self.backoff_max_s,
            "endpoint": self.endpoint,
        }


class RequestFailedError(RuntimeError):
    """A request that failed for good: not retryable, or out of retries (``unavailable``: every
    attempt failed to connect or got a retryable status, so the server looks gone)."""

    def __init__(self, message: str, unavailable: bool = False) -> None:
        super().__init__(message)
        self.unavailable = unavailable


Callback = Callable[[int, "dict[str, Any] | None", "RequestFailedError | None"], None]


def post_all(settings: HttpSettings, payloads: Sequence[dict[str, Any]], on_done: Callback) -> None:
    """POST every payload; call ``on_done(index, response_json, None)`` or
    ``on_done(index, None, error)`` as each finishes. Blocks until all are done, or until
    ``on_done`` raises: then the requests still in flight are cancelled and the exception raised."""
    asyncio.run(_post_all(settings, payloads, on_done))


async def _post_all(settings: HttpSettings, payloads: Sequence[dict[str, Any]], on_done: Callback) -> None:
    import httpx

    headers = {"Content-Type": "application/json"}
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key}"
    limits = httpx.Limits(max_connections=settings.concurrency, max_keepalive_connections=settings.concurrency)
    starts = itertools.count()  # request k starts on URL k mod n: the load is spread round-robin
    semaphore = asyncio.Semaphore(settings.concurrency)
    async with httpx.AsyncClient(headers=headers, timeout=settings.timeout_s, limits=limits) as client:

        async def one(index: int, payload: dict[str, Any]) -> None:
            async with semaphore:
                try:
                    result = await _post_with_retries(client, next(starts), payload, settings)
                except RequestFailedError as error:
                    on_done(index, None, error)
                else:
                    on_done(index, result, None)

        tasks = [asyncio.create_task(one(i, p)) for i, p in enumerate(payloads)]
        try:
            await asyncio.gather(*tasks)
        except BaseException:  # a callback stopped the batch: cancel what is still in flight
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            raise


async def _post_with_retries(
    client: Any, start: int, payload: dict[str, Any], settings: HttpSettings
) -> dict[str, Any]:
    """Attempt k of a request goes to URL (start + k) mod n: each retry moves to the next URL
    (a shared cycle would let concurrent requests hand one request the same dead URL again)."""
    import httpx

    last_error = ""
    unavailable = True  # every attempt so far failed to connect or got a retryable status
    urls = settings.base_urls
    for attempt in range(settings.max_retries + 1):
        url = urls[(start + attempt) % len(urls)] + settings.endpoint
        retry_after: float | None = None
        try:
            response = await client.post(url, json=payload)
        except httpx.TransportError as error:  # connect/read timeouts, dropped connections
            last_error = f"{type(error).__name__}: {error}".rstrip(": ")
        else:
            if response.status_code == 200:
                try:
                    data: dict[str, Any] = response.json()
                    return data
                except ValueError:
                    last_error = "200 with a body that is not JSON (truncated response?)"
                    unavailable = False
            else:
                body = response.text[:300].replace("\n", " ")
                last_error = f"HTTP {response.status_code}: {body}"
                if response.status_code not in RETRYABLE_STATUS:
                    raise RequestFailedError(f"POST {url} failed, not retryable: {last_error}")
                retry_after = _retry_after_seconds(response.headers.get("retry-after"))
        if attempt < settings.max_retries:
            cap = min(settings.backoff_max_s, settings.backoff_initial_s * 2**attempt)
            delay = retry_after if retry_after is not None else random.uniform(0, cap)
            await asyncio.sleep(min(delay, settings.backoff_max_s))
    raise RequestFailedError(
        f"POST {settings.endpoint} to {', '.join(settings.base_urls)} failed after "
        f"{settings.max_retries + 1} attempts; last error: {last_error}", unavailable=unavailable,
    )


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: fall back on our own backoff


def chat_text(response: dict[str, Any]) -> str:
    """The assistant text of an OpenAI chat-completions response."""
    try:
        content = response["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise RequestFailedError(f"response has no choices[0].message.content: {str(response)[:300]}") from None
    return content if isinstance(content, str) else ""
