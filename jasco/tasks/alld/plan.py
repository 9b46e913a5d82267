"""The caption generation plan as pure data: which requests to send to the text LLM, and how.

A ``GenerationRequest`` carries everything that determines its answer apart from the model:
id, pass, subject (file or pair id), chat messages (one user turn, as ALLD sends it), sampling
settings, seed and the prompt template with its sha256. The integrator sends them through the
model layer (any judge backend), keys its store on them, and writes the results with
``exports``. Two stages:

1. ``plan_generation``: per file a ``mos`` and a ``mos_diverse`` description (same prompt,
   ALLD's two sampling settings), per pair an ``ab`` comparison;
2. ``plan_summaries``: per pair whose comparison is not empty, a ``summary`` request; an
   unparsed summary is re-asked once (``attempt=2``, its own id and seed). A pair with an empty
   comparison gets no summary and is returned in ``skipped`` with the reason.

Seeds are derived from the run seed and the request id (``request_seed``), so a resumed or
re-planned run asks every request with the same seed. ``dry_run`` renders the prompts of the
first file and the first pair without any model.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jasco.core.prompting import template_sha256
from jasco.tasks.alld.errors import PlanError
from jasco.tasks.alld.meta import QualityMeta
from jasco.tasks.alld.pairs import Pair
from jasco.tasks.alld.prompts import MosExample, PassSettings, ab_prompt, mos_prompt, pass_settings, summary_prompt

DESCRIPTION_PASSES = ("mos", "mos_diverse")
SUMMARY_PLACEHOLDER = "<the A/B comparison generated for this pair>"


@dataclass(frozen=True)
class GenerationRequest:
    """One text-LLM request (see the module doc); ``messages`` are OpenAI-style chat turns."""

    request_id: str
    pass_name: str
    subject: str
    messages: tuple[Mapping[str, str], ...]
    temperature: float
    top_p: float
    max_tokens: int
    seed: int
    template: str
    template_sha256: str
    attempt: int = 1

    @property
    def prompt(self) -> str:
        return self.messages[-1]["content"]

    def sampling(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "top_p": self.top_p, "max_tokens": self.max_tokens, "seed": self.seed}

    def as_dict(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id, "pass": self.pass_name, "subject": self.subject,
            "messages": [dict(message) for message in self.messages], **self.sampling(),
            "template": self.template, "template_sha256": self.template_sha256, "attempt": self.attempt,
        }


@dataclass(frozen=True)
class SummaryPlan:
    requests: tuple[GenerationRequest, ...]
    skipped: Mapping[str, str] = field(default_factory=dict)  # pair id -> why no summary was asked


def request_seed(run_seed: int, request_id: str) -> int:
    """A 31-bit seed from the run seed and the request id (stable across runs and resumes)."""
    digest = hashlib.sha256(f"{run_seed}\n{request_id}".encode()).hexdigest()
    return int(digest[:8], 16) & 0x7FFFFFFF


def _request(
    settings: PassSettings, subject: str, prompt: str, run_seed: int, attempt: int = 1, suffix: str = "",
) -> GenerationRequest:
    request_id = f"{settings.name}:{subject}{suffix}"
    return GenerationRequest(
        request_id=request_id, pass_name=settings.name, subject=subject,
        messages=({"role": "user", "content": prompt},),
        temperature=settings.temperature, top_p=settings.top_p, max_tokens=settings.max_tokens,
        seed=request_seed(run_seed, request_id), template=settings.template,
        template_sha256=template_sha256(settings.template), attempt=attempt,
    )


def _unique(ids: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise PlanError(f"{what} {item} appears twice")
        seen.add(item)


def plan_descriptions(
    metas: Sequence[QualityMeta], *, seed: int, example: MosExample | None = None,
    settings: Mapping[str, PassSettings] | None = None,
) -> tuple[GenerationRequest, ...]:
    """Per file, in the given order: a ``mos`` then a ``mos_diverse`` request."""
    passes = settings or pass_settings()
    _unique((meta.file_id for meta in metas), "file")
    requests = []
    for meta in metas:
        for name in DESCRIPTION_PASSES:
            prompt = mos_prompt(meta, example, template=passes[name].template)
            requests.append(_request(passes[name], meta.file_id, prompt, seed))
    return tuple(requests)


def plan_comparisons(
    pairs: Sequence[Pair], *, seed: int, settings: Mapping[str, PassSettings] | None = None,
) -> tuple[GenerationRequest, ...]:
    """Per pair, in the given order: an ``ab`` request (``pair.a`` is SpeechA)."""
    passes = settings or pass_settings()
    _unique((pair.pair_id for pair in pairs), "pair")
    return tuple(
        _request(passes["ab"], pair.pair_id, ab_prompt(pair.a, pair.b, template=passes["ab"].template), seed)
        for pair in pairs
    )


def plan_generation(
    metas: Sequence[QualityMeta], pairs: Sequence[Pair], *, seed: int, example: MosExample | None = None,
    settings: Mapping[str, PassSettings] | None = None,
) -> tuple[GenerationRequest, ...]:
    """Stage 1: descriptions of every file in ``metas``, then a comparison of every pair."""
    passes = settings or pass_settings()
    return (plan_descriptions(metas, seed=seed, example=example, settings=passes)
            + plan_comparisons(pairs, seed=seed, settings=passes))


def plan_summaries(
    pairs: Sequence[Pair], comparisons: Mapping[str, str], *, seed: int, attempt: int = 1,
    settings: Mapping[str, PassSettings] | None = None,
) -> SummaryPlan:
    """Stage 2 for ``pairs`` (comparisons by pair id; other ids in ``comparisons`` are ignored, so
    a re-ask passes just the unparsed pairs). ``attempt=2`` is the one re-ask of an unparsed
    summary (id suffix ``:retry``, its own seed); a pair without a comparison is ``skipped``."""
    passes = settings or pass_settings()
    if attempt not in (1, 2):
        raise PlanError(f"summary attempt must be 1 or 2 (got {attempt})")
    suffix = "" if attempt == 1 else ":retry"
    requests, skipped = [], {}
    for pair in pairs:
        comparison = comparisons.get(pair.pair_id)
        if comparison is None:
            skipped[pair.pair_id] = "no comparison generated"
        elif not comparison.strip():
            skipped[pair.pair_id] = "empty comparison"
        else:
            prompt = summary_prompt(comparison, template=passes["summary"].template)
            requests.append(_request(passes["summary"], pair.pair_id, prompt, seed, attempt, suffix))
    return SummaryPlan(tuple(requests), skipped)


def _block(title: str, requests: Sequence[GenerationRequest]) -> str:
    settings = "; ".join(
        f"{request.pass_name}: temperature {request.temperature:g}, top_p {request.top_p:g}, "
        f"max_tokens {request.max_tokens}, seed {request.seed}" for request in requests
    )
    return f"=== {title}\n--- {settings}\n{requests[0].prompt}\n"


def dry_run(
    metas: Sequence[QualityMeta], pairs: Sequence[Pair], *, seed: int, example: MosExample | None = None,
    settings: Mapping[str, PassSettings] | None = None,
) -> str:
    """The rendered prompts for the first file and the first pair, with settings and seeds."""
    if not metas:
        raise PlanError("dry run: no files in the meta info")
    passes = settings or pass_settings()
    blocks = [_block(f"MOS description of {metas[0].file_id}",
                     plan_descriptions(metas[:1], seed=seed, example=example, settings=passes))]
    if pairs:
        pair = pairs[0]
        blocks.append(_block(f"A/B comparison {pair.pair_id}: SpeechA {pair.a.file_id} (MOS {pair.a.mos:g}), "
                             f"SpeechB {pair.b.file_id} (MOS {pair.b.mos:g})",
                             plan_comparisons(pairs[:1], seed=seed, settings=passes)))
        summary = plan_summaries(pairs[:1], {pair.pair_id: SUMMARY_PLACEHOLDER}, seed=seed, settings=passes)
        blocks.append(_block(f"summary of {pair.pair_id} (expected {pair.expected})", summary.requests))
    return "\n".join(blocks)
