"""Batches with per-row errors: the one batch-retry loop of the batched backends.

``run_in_batches`` groups requests that share decoding settings (``Sampling``, logprobs, regex),
cuts each group into batches of ``batch_size``, runs each batch through ``run_batch`` (one
``ModelResult`` per request, in order) and hands every result to ``on_result``. When a batch
fails, its requests are retried one at a time so a single bad item fails alone, with an error
naming the item and its audio files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from jasco.models.types import ChatRequest, ModelResult, ResultCallback

BatchRunner = Callable[[Sequence[ChatRequest]], list[ModelResult]]


def same_settings(requests: Sequence[ChatRequest]) -> Iterator[list[ChatRequest]]:
    """The requests grouped by (sampling, top_logprobs, regex), each group in request order."""
    groups: dict[tuple[object, ...], list[ChatRequest]] = {}
    for request in requests:
        groups.setdefault((request.sampling, request.top_logprobs, request.regex), []).append(request)
    yield from groups.values()


def describe_item(request: ChatRequest) -> str:
    paths = [str(audio.path) for audio in request.audios if audio.path is not None]
    return f"item {request.item_id}" + (f" ({', '.join(paths)})" if paths else "")


def run_in_batches(
    requests: Sequence[ChatRequest], on_result: ResultCallback, batch_size: int, run_batch: BatchRunner, label: str,
) -> None:
    size = max(batch_size, 1)
    for group in same_settings(requests):
        for start in range(0, len(group), size):
            _run_one_batch(group[start:start + size], on_result, run_batch, label)


def _run_one_batch(
    batch: Sequence[ChatRequest], on_result: ResultCallback, run_batch: BatchRunner, label: str
) -> None:
    try:
        results = run_batch(batch)
    except Exception as error:
        if len(batch) > 1:  # isolate the failing row(s): retry one at a time
            for request in batch:
                _run_one_batch([request], on_result, run_batch, label)
            return
        on_result(ModelResult.failed(batch[0].index,
                                     f"{label}: {describe_item(batch[0])}: {type(error).__name__}: {error}"))
        return
    if len(results) != len(batch):
        raise RuntimeError(f"{label}: {len(results)} answers for a batch of {len(batch)}")
    for result in results:
        on_result(result)
