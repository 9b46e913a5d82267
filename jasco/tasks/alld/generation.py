"""Sending caption-generation requests to a text LLM: batched, stored, resumable.

``Generator(model, who, store)`` answers ``plan.GenerationRequest``s through any model of the
model layer (in-process vLLM, an OpenAI-compatible server, transformers, a test double), with
the judge stage's guarantees:

- every request is looked up in the result store under ``generation_key``: the judge's identity
  (backend, model id, revision, result-affecting settings), the rendered messages, the sampling
  settings with the request's seed, and the prompt template with its sha256. A rerun costs no
  model call (and loads no model: weights load on the first ``generate``);
- the missing requests go to the model in ONE submission, each with its own ``Sampling``
  (ALLD's temperature / top_p per pass, jasco's max_tokens, the request's seed);
- each answer is stored (fsynced) the moment it arrives, so a run killed at any point resumes
  where it stopped. A failed call is not stored: the next run asks it again.

``run(requests)`` returns one ``exports.Generated`` per request id (the text, or the error) and
keeps counts (``from_store``, ``generated_now``, ``errors``, ``truncated``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from jasco.core.store import ResultStore, stable_key
from jasco.models.base import Model
from jasco.models.conversation import messages_from_dicts
from jasco.models.types import ChatRequest, ModelResult, Sampling
from jasco.tasks.alld.exports import Generated
from jasco.tasks.alld.plan import GenerationRequest

KEY_VERSION = 1


def generation_key(who: Mapping[str, Any], request: GenerationRequest) -> str:
    """The store key of one request: everything that determines its answer (see the module doc)."""
    return stable_key({
        "stage": "alld-captions", "key_version": KEY_VERSION, **who,
        "messages": [dict(message) for message in request.messages], "sampling": request.sampling(),
        "template": request.template, "template_sha256": request.template_sha256,
    })


def chat_request(index: int, request: GenerationRequest) -> ChatRequest:
    """A plan request as the model layer's ``ChatRequest`` (text only, its own sampling)."""
    sampling = Sampling(temperature=request.temperature, top_p=request.top_p, max_tokens=request.max_tokens,
                        seed=request.seed)
    messages = messages_from_dicts([dict(message) for message in request.messages])
    return ChatRequest(index=index, item_id=request.request_id, messages=messages, sampling=sampling)


class Generator:
    """One judge answering caption requests through a result store (see the module doc)."""

    def __init__(self, model: Model, who: Mapping[str, Any], store: ResultStore, *, progress: bool = False) -> None:
        self.model, self.who, self.store, self.progress = model, dict(who), store, progress
        self.from_store = self.generated_now = self.errors = self.truncated = self.calls = 0

    def _stored(self, request: GenerationRequest, value: Mapping[str, Any]) -> Generated:
        self.truncated += value.get("finish_reason") == "length"
        return Generated(request.request_id, str(value.get("text") or ""), str(value.get("model") or ""),
                         value.get("finish_reason"))

    def run(self, requests: Sequence[GenerationRequest]) -> dict[str, Generated]:
        """Every request's answer, from the store or from one batched model call."""
        results: dict[str, Generated] = {}
        pending: list[tuple[GenerationRequest, str]] = []
        for request in requests:
            key = generation_key(self.who, request)
            stored = self.store.get(key)
            if stored is not None:
                results[request.request_id] = self._stored(request, stored)
                self.from_store += 1
            else:
                pending.append((request, key))
        if pending:
            self._send(pending, results)
        return results

    def _send(self, pending: list[tuple[GenerationRequest, str]], results: dict[str, Generated]) -> None:
        from tqdm import tqdm

        bar = tqdm(total=len(pending), desc=f"captions ({pending[0][0].pass_name}...)", unit="request",
                   disable=not self.progress, dynamic_ncols=True)
        answered: set[int] = set()

        def on_result(result: ModelResult) -> None:
            if result.index in answered or not 0 <= result.index < len(pending):
                raise RuntimeError(f"the judge answered request {result.index} twice or out of range")
            answered.add(result.index)
            request, key = pending[result.index]
            if result.error is None and result.text is not None:
                value = {"text": result.text, "finish_reason": result.finish_reason, "n_tokens": result.n_tokens,
                         "request_id": request.request_id, "model": self.who.get("model")}
                self.store.put(key, value)
                results[request.request_id] = self._stored(request, value)
                self.generated_now += 1
            else:
                error = result.error or "the judge returned neither text nor an error"
                results[request.request_id] = Generated(request.request_id, None, str(self.who.get("model")),
                                                        result.finish_reason, error)
                self.errors += 1
            bar.update(1)

        self.calls += len(pending)
        try:
            self.model.generate([chat_request(i, request) for i, (request, _) in enumerate(pending)], on_result)
        finally:
            bar.close()
        for index, (request, _) in enumerate(pending):
            if index not in answered:
                results[request.request_id] = Generated(request.request_id, None, str(self.who.get("model")),
                                                        None, "the judge returned no result for this request")
                self.errors += 1
