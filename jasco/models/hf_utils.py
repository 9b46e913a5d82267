"""Shared pieces of the transformers adapters: batching with per-row errors, decoding settings,
model revisions.

``run_in_batches`` cuts the requests into batches, runs each through the adapter's
``run_batch`` (which returns one text per request) and reports every row through ``on_result``;
when a batch fails, its rows are retried one at a time so a single bad clip fails alone, with
an error naming the item. ``generate_kwargs`` maps ``GenerationSettings`` to ``generate()``
arguments (greedy when the temperature is 0). ``model_revision`` says which weights ran.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from jasco.models.base import GenerationSettings, InferRequest, ResultCallback

BatchRunner = Callable[[Sequence[InferRequest], GenerationSettings], list[str]]


def run_in_batches(
    requests: Sequence[InferRequest], settings: GenerationSettings, on_result: ResultCallback,
    batch_size: int, run_batch: BatchRunner, label: str,
) -> None:
    size = max(batch_size, 1)
    for start in range(0, len(requests), size):
        batch = requests[start:start + size]
        try:
            texts = run_batch(batch, settings)
        except Exception as error:
            if len(batch) > 1:  # isolate the failing row(s): retry one at a time
                for request in batch:
                    run_in_batches([request], settings, on_result, 1, run_batch, label)
                continue
            request = batch[0]
            on_result(request.index, None,
                      f"{label}: item {request.item_id} ({request.audio_path}): {type(error).__name__}: {error}")
            continue
        if len(texts) != len(batch):
            raise RuntimeError(f"{label}: {len(texts)} answers for a batch of {len(batch)}")
        for request, text in zip(batch, texts, strict=True):
            on_result(request.index, text, None)


def check_sample_rates(batch: Sequence[InferRequest], rate: int) -> None:
    for request in batch:
        if request.sample_rate != rate:
            raise ValueError(f"item {request.item_id}: audio at {request.sample_rate} Hz, the model needs {rate}")


def generate_texts(model: Any, inputs: Any, settings: GenerationSettings, decoder: Any) -> list[str]:
    """``model.generate`` on a prepared batch; the new tokens of each row decoded and stripped."""
    import torch

    if settings.temperature > 0:
        torch.manual_seed(settings.seed)
    with torch.inference_mode():
        output = model.generate(**inputs, **generate_kwargs(settings))
    new_tokens = output[:, inputs["input_ids"].shape[1]:]
    texts: list[str] = decoder.batch_decode(new_tokens, skip_special_tokens=True)
    return [text.strip() for text in texts]


def generate_kwargs(settings: GenerationSettings) -> dict[str, Any]:
    """``generate()`` arguments: greedy decoding at temperature 0, sampling otherwise."""
    if settings.temperature <= 0:
        return {"max_new_tokens": settings.max_new_tokens, "do_sample": False}
    return {
        "max_new_tokens": settings.max_new_tokens, "do_sample": True,
        "temperature": settings.temperature, "top_p": settings.top_p,
    }


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
