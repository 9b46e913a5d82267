"""Proof that the audio reaches the model: real audio against silence, one audio slot at a time.

``check_audio`` asks the model about a few requests in one batch: each as it is, and for every
audio slot k (the k-th audio part of the conversation) a copy whose slot k is all-zero audio of
the same length. A slot passes when at least one answer changes with its silence. A model that
never hears an audio (a processor that silently ignores a deprecated keyword, a request that
drops an audio part, a template that shows only the first of two audios) answers the same both
ways, and the check fails with a message that names the slot and shows the answers. Errors fail
the check too: no answer, no proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jasco.models.base import Model
from jasco.models.types import ChatRequest, ModelResult


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
    slots: tuple[tuple[AudioCheckPair, ...], ...]  # per audio slot, one pair per request

    @property
    def pairs(self) -> tuple[AudioCheckPair, ...]:
        """The pairs of the first slot (all there is for single-audio items)."""
        return self.slots[0] if self.slots else ()

    @staticmethod
    def _slot_passed(pairs: Sequence[AudioCheckPair]) -> bool:
        return any(p.differs for p in pairs) and not any(p.error for p in pairs)

    @property
    def passed(self) -> bool:
        """In every slot at least one answer changed with silence, and no request failed."""
        return bool(self.slots) and all(self._slot_passed(pairs) for pairs in self.slots)

    def message(self) -> str:
        label = (lambda k: "") if len(self.slots) == 1 else (lambda k: f"audio {k + 1}: ")
        if self.passed:
            parts = [f"{label(k)}{sum(p.differs for p in pairs)}/{len(pairs)}" for k, pairs in enumerate(self.slots)]
            return f"audio check passed for {self.adapter}: {'; '.join(parts)} answers change with silence"
        lines = [f"audio check FAILED for {self.adapter}: "]
        problems = []
        for k, pairs in enumerate(self.slots):
            if self._slot_passed(pairs):
                continue
            errors = [p for p in pairs if p.error]
            if errors:
                problems.append(f"{label(k)}{len(errors)} of {len(pairs)} items failed")
            else:
                problems.append(
                    f"{label(k)}all {len(pairs)} answers are identical with the real audio and with silence; "
                    "the model does not hear the audio (a processor keyword it ignores? an audio part dropped?)"
                )
        lines[0] += "; ".join(problems)
        for k, pairs in enumerate(self.slots):
            for pair in pairs:
                detail = f"error: {pair.error}" if pair.error else f"answer: {_short(pair.with_audio)}"
                lines.append(f"  {label(k)}{pair.item_id}: {detail}")
        return "\n".join(lines)


def check_audio(model: Model, requests: Sequence[ChatRequest]) -> AudioCheckResult:
    """Run ``requests`` with their audio and with each audio slot silenced (one batch) and compare."""
    if not requests or not any(request.audios for request in requests):
        raise AudioCheckError("the audio check needs at least one item with audio")
    n_slots = max(len(request.audios) for request in requests)
    batch = [_renumbered(request, i) for i, request in enumerate(requests)]
    silent: dict[tuple[int, int], int] = {}  # (slot, request position) -> index in the batch
    for slot in range(n_slots):
        for i, request in enumerate(requests):
            if slot < len(request.audios):
                silent[(slot, i)] = len(batch)
                batch.append(request.with_audio(slot, request.audios[slot].silenced(), index=len(batch)))
    results: dict[int, ModelResult] = {}
    model.generate(batch, lambda result: results.__setitem__(result.index, result))
    slots = []
    for slot in range(n_slots):
        pairs = []
        for i, request in enumerate(requests):
            if (slot, i) not in silent:
                continue
            j = silent[(slot, i)]
            real, quiet = results.get(i), results.get(j)
            missing = [k for k, result in ((i, real), (j, quiet)) if result is None]
            error = ((real.error if real else None) or (quiet.error if quiet else None)
                     or (f"no answer for request(s) {missing}" if missing else None))
            pairs.append(AudioCheckPair(request.item_id, _answer(real), _answer(quiet), error))
        slots.append(tuple(pairs))
    return AudioCheckResult(adapter=model.name, slots=tuple(slots))


def _answer(result: ModelResult | None) -> str | None:
    """The answer to compare: the text, or the named values of a predictor."""
    if result is None:
        return None
    if result.text is not None:
        return result.text
    return None if result.values is None else repr(sorted(result.values.items()))


def _renumbered(request: ChatRequest, index: int) -> ChatRequest:
    import dataclasses

    return dataclasses.replace(request, index=index)


def _short(text: str | None, limit: int = 80) -> str:
    if text is None:
        return "(none)"
    return repr(text if len(text) <= limit else text[:limit] + "...")
