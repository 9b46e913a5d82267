"""Deterministic test doubles for ALLD: an expert text LLM for ``jasco captions`` and a scripted ALLM.

``fake-captioner`` (a ``FakeJudge``: the same event log, stall and failure options) answers ALLD's
caption prompts from the meta info they contain: a MOS prompt gets a description naming each
factor and ending with the MOS, an A/B prompt a comparison that prefers the higher MOS, a summary
prompt ``[SpeechA]`` or ``[SpeechB]``, whichever its context names last. ``sloppy_every=N`` makes about one
summary in N come back as ``[SpeechA].`` (extra text, so it is re-asked): which ones depends on
the prompt and the request's seed, so a re-ask (another seed) may parse. ``empty_marker`` gives
an empty answer to any prompt containing it. The text depends on the seed (``variant``), so the
two description passes differ.

``fake-alld-allm`` answers the ALLD evaluation items from their table row: ``policy="oracle"``
names each file's human ratings (noisiness, coloration, discontinuity, loudness, then ``MOS:``)
and picks the file with the higher MOS; ``policy="first"`` gives only a MOS, ``offset`` above the
human one (kept within 1-5), and always picks the first file heard. ``empty_items``
(comma-separated ids) get an empty answer.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from typing import Any

from jasco.models.types import ChatRequest, ModelResult, ResultCallback
from jasco.testing.fake_judge import FakeJudge

_META = re.compile(r"\{[^{}]*\"mos\"[^{}]*\}")


def _variant(text: str, seed: int) -> int:
    return int(hashlib.sha256(f"{seed}\n{text}".encode()).hexdigest(), 16)


class FakeCaptioner(FakeJudge):
    name = "fake-captioner"

    def __init__(self, model: str = "fake-captioner", *, sloppy_every: int = 0, empty_marker: str | None = None,
                 **options: Any) -> None:
        super().__init__(model, **options)
        self.sloppy_every = int(sloppy_every)
        self.empty_marker = empty_marker

    def describe(self) -> dict[str, Any]:
        return {**super().describe(), "backend": "fake-captioner",
                "result_settings": {"sloppy_every": self.sloppy_every, "empty_marker": self.empty_marker}}

    def respond(self, request: ChatRequest) -> str:
        prompt = request.messages[-1].text
        variant = _variant(prompt, request.sampling.seed)
        if self.empty_marker and self.empty_marker in prompt:
            return ""
        if prompt.startswith("According to the context"):
            context = prompt.split("Context:", 1)[-1]
            choice = "[SpeechA]" if context.rfind("SpeechA") > context.rfind("SpeechB") else "[SpeechB]"
            sloppy = self.sloppy_every and variant % self.sloppy_every == 0
            return choice + "." if sloppy else choice
        metas = [json.loads(found) for found in _META.findall(prompt)]
        if "Please provide your comparison" in prompt and len(metas) >= 2:
            a, b = metas[-2], metas[-1]
            better = "SpeechA" if a["mos"] > b["mos"] else "SpeechB"
            return (f"SpeechA has noise {a['noi']} and SpeechB has noise {b['noi']}; the mos are {a['mos']} and "
                    f"{b['mos']}. Therefore {better} is better (variant {variant % 100}).")
        meta = metas[-1]
        return (f"The noisiness is {meta['noi']}, the coloration is {meta['col']}, the discontinuity is "
                f"{meta['dis']} and the loudness is {meta['loud']} (variant {variant % 100}). "
                f"Overall, the MOS is {meta['mos']}.")


def fake_captioner(model_id: str | None = None, **options: Any) -> FakeCaptioner:
    return FakeCaptioner(model_id or "fake-captioner", **options)


def _ids(value: str | Sequence[str] | None) -> set[str]:
    if value is None:
        return set()
    parts = value.split(",") if isinstance(value, str) else value
    return {part.strip() for part in parts if part.strip()}


class ScriptedAlldAllm:
    name = "fake-alld-allm"
    max_audios: int | None = None

    def __init__(self, policy: str = "oracle", offset: float = 0.5, empty_items: Any = None) -> None:
        if policy not in ("oracle", "first"):
            raise ValueError(f"fake-alld-allm: policy must be oracle or first, not {policy!r}")
        self.policy, self.offset, self.empty_items = policy, float(offset), _ids(empty_items)

    def describe(self) -> dict[str, Any]:
        return {"adapter": self.name, "model_id": f"fake/alld-{self.policy}", "revision": "0", "backend": "python",
                "policy": self.policy, "offset": self.offset}

    def answer(self, row: dict[str, str]) -> str:
        if "expected" in row:  # an A/B item
            choice = row["expected"] if self.policy == "oracle" else "SpeechA"
            return f"Comparing the two recordings, {choice} is better.\n[{choice}]"
        if self.policy == "oracle":
            return (f"The noisiness is {row['noi']}, the coloration is {row['col']}, the discontinuity is "
                    f"{row['dis']} and the loudness is {row['loud']}. MOS: {row['mos']}")
        mos = min(5.0, max(1.0, float(row["mos"]) + self.offset))
        return f"The speech is described here. The MOS is {mos:g}."

    def generate(self, requests: Sequence[ChatRequest], on_result: ResultCallback) -> None:
        for request in requests:
            text = "" if request.item_id in self.empty_items else self.answer(dict(request.row))
            on_result(ModelResult(index=request.index, text=text, finish_reason="stop"))

    def close(self) -> None:
        pass


fake_alld_allm = ScriptedAlldAllm
