"""Proof that the audio reaches the model: real audio against silence of the same length.

``check_audio`` asks the adapter about a few items twice in one batch, once with their real
audio and once with all-zero audio of the same length, and passes only if at least one answer
changes. A model that never hears the audio (a processor that silently ignores a deprecated
keyword, a request that drops the audio part) answers the same both ways, and the check fails
with a message that shows the answers. Errors fail the check too: no answer, no proof.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from jasco.models.base import Adapter, GenerationSettings, InferRequest


class AudioCheckError(RuntimeError):
    """The audio check failed; the message says how."""


@dataclass(frozen=True)
class AudioCheckPair:
    item_id: str
    with_audio: str | None
    with_silence: str | None
    error: str | None = None

    @property
    def differs(self) -> bool:
        return self.error is None and self.with_audio != self.with_silence


@dataclass(frozen=True)
class AudioCheckResult:
    adapter: str
    pairs: tuple[AudioCheckPair, ...]

    @property
    def passed(self) -> bool:
        """At least one answer changed with silence, and no request failed."""
        return any(p.differs for p in self.pairs) and not any(p.error for p in self.pairs)

    def message(self) -> str:
        if self.passed:
            changed = sum(p.differs for p in self.pairs)
            return f"audio check passed for {self.adapter}: {changed}/{len(self.pairs)} answers change with silence"
        lines = [f"audio check FAILED for {self.adapter}: "]
        errors = [p for p in self.pairs if p.error]
        if errors:
            lines[0] += f"{len(errors)} of {len(self.pairs)} items failed"
        else:
            lines[0] += (
                f"all {len(self.pairs)} answers are identical with the real audio and with silence; "
                "the model does not hear the audio (a processor keyword it ignores? an audio part dropped?)"
            )
        for pair in self.pairs:
            detail = f"error: {pair.error}" if pair.error else f"answer: {_short(pair.with_audio)}"
            lines.append(f"  {pair.item_id}: {detail}")
        return "\n".join(lines)


def silent_copy(request: InferRequest, index: int) -> InferRequest:
    return dataclasses.replace(request, index=index, audio=np.zeros_like(request.audio))


def check_audio(
    adapter: Adapter, requests: Sequence[InferRequest], settings: GenerationSettings
) -> AudioCheckResult:
    """Run ``requests`` with their audio and with silence (one batch) and compare the answers."""
    if not requests:
        raise AudioCheckError("the audio check needs at least one item with audio")
    real = [dataclasses.replace(request, index=i) for i, request in enumerate(requests)]
    silent = [silent_copy(request, len(requests) + i) for i, request in enumerate(requests)]
    texts: dict[int, str | None] = {}
    errors: dict[int, str] = {}

    def on_result(index: int, text: str | None, error: str | None) -> None:
        texts[index] = text
        if error is not None:
            errors[index] = error

    adapter.generate([*real, *silent], settings, on_result)
    pairs = []
    for i, request in enumerate(requests):
        j = len(requests) + i
        missing = [k for k in (i, j) if k not in texts]
        error = errors.get(i) or errors.get(j) or (f"no answer for request(s) {missing}" if missing else None)
        pairs.append(AudioCheckPair(request.item_id, texts.get(i), texts.get(j), error))
    return AudioCheckResult(adapter=adapter.name, pairs=tuple(pairs))


def _short(text: str | None, limit: int = 80) -> str:
    if text is None:
        return "(none)"
    return repr(text if len(text) <= limit else text[:limit] + "...")
