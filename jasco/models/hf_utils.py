"""Shared pieces of the transformers models: one ``generate`` call on a prepared batch, decoding
settings, sample-rate checks and model revisions.

``generate_batch`` runs ``model.generate`` on inputs a processor prepared (left-padded), decodes
the new tokens of each row and returns one ``ModelResult`` per request: text, token ids (right
padding removed), their count, the finish reason ("length" when the row stopped at
``max_tokens`` without an end token) and, when asked, the top-k log-probabilities at each position
(``output_logits``, log-softmax of the raw logits, as vLLM reports them; each token's text is the
token decoded alone, so a token that holds part of a multi-byte character may read differently
from vLLM's incremental text). ``generate_kwargs``
maps ``Sampling`` to ``generate()`` arguments (greedy at temperature 0, the model's own sampling
defaults switched off). ``model_revision`` says which weights ran.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jasco.models.types import ChatRequest, ModelResult, Sampling, TokenLogprob


def check_sample_rates(batch: Sequence[ChatRequest], rate: int) -> None:
    for request in batch:
        for audio in request.audios:
            if audio.sample_rate != rate:
                raise ValueError(f"item {request.item_id}: audio at {audio.sample_rate} Hz, the model needs {rate}")


def generate_kwargs(sampling: Sampling, pad_token_id: int | None = None) -> dict[str, Any]:
    """``generate()`` arguments: greedy decoding at temperature 0, sampling otherwise."""
    options: dict[str, Any] = {"max_new_tokens": sampling.max_tokens}
    if pad_token_id is not None:
        options["pad_token_id"] = pad_token_id
    if sampling.temperature <= 0:
        options.update(do_sample=False, temperature=None, top_p=None, top_k=None)
    else:
        options.update(do_sample=True, temperature=sampling.temperature, top_p=sampling.top_p)
    return options


def _eos_ids(model: Any) -> set[int]:
    eos = getattr(model.generation_config, "eos_token_id", None)
    return set(eos) if isinstance(eos, list | tuple) else ({eos} if eos is not None else set())


def generate_batch(
    model: Any, inputs: Any, batch: Sequence[ChatRequest], decoder: Any, *, pad_token_id: int | None,
    strip: bool = False,
) -> list[ModelResult]:
    """Generate for one batch of requests that share their decoding settings (see the module doc)."""
    import torch

    sampling, top_k = batch[0].sampling, batch[0].top_logprobs
    options = generate_kwargs(sampling, pad_token_id)
    if top_k:
        options.update(output_logits=True, return_dict_in_generate=True)
    torch.manual_seed(sampling.seed)
    with torch.inference_mode():
        output = model.generate(**inputs, **options)
    sequences = output.sequences if top_k else output
    new_tokens = sequences[:, inputs["input_ids"].shape[1]:]
    texts: list[str] = decoder.batch_decode(new_tokens, skip_special_tokens=True)
    eos = _eos_ids(model)
    results = []
    for row, (request, ids, text) in enumerate(zip(batch, new_tokens.tolist(), texts, strict=True)):
        padded = bool(ids) and ids[-1] == pad_token_id
        while ids and ids[-1] == pad_token_id:  # right padding of rows that ended early
            ids.pop()
        if padded and pad_token_id in eos:  # the pad token is the end token: keep one
            ids.append(pad_token_id)
        stopped = bool(ids) and ids[-1] in eos
        reason = "length" if len(ids) >= sampling.max_tokens and not stopped else "stop"
        logprobs = _logprobs(output.logits, row, ids, top_k, decoder) if top_k else None
        results.append(ModelResult(
            index=request.index, text=text.strip() if strip else text, finish_reason=reason, n_tokens=len(ids),
            token_ids=tuple(ids), logprobs=logprobs,
        ))
    return results


def _logprobs(logits: Sequence[Any], row: int, ids: list[int], top_k: int, decoder: Any) -> tuple[TokenLogprob, ...]:
    import torch

    positions = []
    for step, token in enumerate(ids):
        scores = torch.log_softmax(logits[step][row].float(), dim=-1)
        values, indices = torch.topk(scores, k=min(top_k, scores.shape[-1]))
        top = tuple((decoder.decode([int(i)]), float(v)) for v, i in zip(values, indices, strict=True))
        positions.append(TokenLogprob(decoder.decode([token]), float(scores[token]), top))
    return tuple(positions)


def model_revision(model_path: str, revision: str | None) -> str:
    """The revision to record: the one asked for, or for a local directory a hash of its config
    and of its weight files' names and sizes (cheap, and changes when the weights change)."""
    if revision:
        return revision
    path = Path(model_path)
    if not path.is_dir():
        return "main"
    digest = hashlib.sha256()
    config = path / "config.json"
    if config.is_file():
        digest.update(json.dumps(json.loads(config.read_text(encoding="utf-8")), sort_keys=True).encode())
    for weights in sorted(path.glob("*.safetensors")) + sorted(path.glob("*.bin")):
        digest.update(f"{weights.name}:{weights.stat().st_size}".encode())
    return "local-" + digest.hexdigest()[:16]


def hub_kwargs(revision: str | None) -> dict[str, Any]:
    """``from_pretrained`` keyword arguments: the revision, when one was asked for."""
    return {"revision": revision} if revision else {}


def torch_dtype(name: str) -> Any:
    import torch

    if name == "auto":
        return "auto"
    try:
        dtype = getattr(torch, name)
    except AttributeError:
        raise ValueError(f"unknown dtype {name!r}; use auto, float32, bfloat16 or float16") from None
    return dtype
