"""ALLD's caption prompts (verbatim, versioned jinja2 files) and the sampling settings per pass.

The expert text LLM sees a single user turn per request, exactly as ALLD's
``caption_generator.py`` builds it:

- ``mos`` and ``mos_diverse``: the five-factor preamble, the MOS instruction, optionally one
  worked example, then ``Now the input is {json}. Please only output the evaluation:``;
- ``ab``: the preamble, the A/B instruction, ``SpeechA: {json}``, ``SpeechB: {json}``, then
  ``Please provide your comparison and determine which speech is better:``;
- ``summary``: the instruction to answer only ``[SpeechA]`` or ``[SpeechB]``, ``Context:`` and the
  comparison.

Temperature, top_p (ALLD's) and max_tokens (jasco's) per pass live in
``prompts/alld/sampling.v1.json``. The audio LLM's own instructions (``allm_*``) are jasco's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from jasco.core.prompting import load_json, render, template_sha256
from jasco.tasks.alld.errors import PlanError
from jasco.tasks.alld.meta import QualityMeta, meta_json

SAMPLING_FILE = "alld/sampling.v1.json"
PASSES = ("mos", "mos_diverse", "ab", "summary")
ALLM_DESCRIBE_TEMPLATE = "alld/allm_describe.v1.j2"
ALLM_AB_TEMPLATE = "alld/allm_ab.v1.j2"


@dataclass(frozen=True)
class PassSettings:
    """One generation pass: its prompt template and sampling settings."""

    name: str
    template: str
    temperature: float
    top_p: float
    max_tokens: int

    def sampling(self) -> dict[str, Any]:
        return {"temperature": self.temperature, "top_p": self.top_p, "max_tokens": self.max_tokens}


@dataclass(frozen=True)
class MosExample:
    """The optional worked example of ALLD's MOS prompt (``--example-data/--example-response``)."""

    meta: QualityMeta
    response: str


def pass_settings(sampling_file: str = SAMPLING_FILE) -> dict[str, PassSettings]:
    """The four passes from the versioned sampling file; a malformed file raises ``PlanError``."""
    data = load_json(sampling_file)
    passes = data.get("passes") if isinstance(data, dict) else None
    if not isinstance(passes, dict) or set(passes) != set(PASSES):
        raise PlanError(f"sampling file {sampling_file}: 'passes' must name exactly {', '.join(PASSES)}")
    settings = {}
    for name in PASSES:
        entry = passes[name]
        try:
            temperature, top_p = float(entry["temperature"]), float(entry["top_p"])
            max_tokens, template = int(entry["max_tokens"]), str(entry["template"])
        except (KeyError, TypeError, ValueError) as error:
            raise PlanError(f"sampling file {sampling_file}, pass {name!r}: bad or missing {error}") from None
        if not (math.isfinite(temperature) and temperature >= 0 and 0 < top_p <= 1 and max_tokens > 0):
            raise PlanError(
                f"sampling file {sampling_file}, pass {name!r}: temperature, top_p or max_tokens out of range"
            )
        settings[name] = PassSettings(name, template, temperature, top_p, max_tokens)
    return settings


def mos_prompt(meta: QualityMeta, example: MosExample | None = None, template: str = "alld/mos.v1.j2") -> str:
    """ALLD's MOS-description prompt for one file (the same text for ``mos`` and ``mos_diverse``)."""
    return render(
        template, meta_json=meta_json(meta),
        example_json=meta_json(example.meta) if example else "",
        example_response=example.response if example else "",
    )


def ab_prompt(meta_a: QualityMeta, meta_b: QualityMeta, template: str = "alld/ab.v1.j2") -> str:
    """ALLD's A/B comparison prompt: ``meta_a`` is SpeechA, ``meta_b`` SpeechB."""
    return render(template, meta_json_a=meta_json(meta_a), meta_json_b=meta_json(meta_b))


def summary_prompt(comparison: str, template: str = "alld/summary.v1.j2") -> str:
    """ALLD's summary prompt around an A/B comparison text (used as generated, not stripped)."""
    return render(template, comparison=comparison)


def allm_describe_query() -> str:
    """jasco's instruction to an audio LLM that hears one file: describe, end with the MOS."""
    return render(ALLM_DESCRIBE_TEMPLATE)


def allm_ab_query() -> str:
    """jasco's instruction to an audio LLM that hears SpeechA then SpeechB: end with the verdict."""
    return render(ALLM_AB_TEMPLATE)


def prompt_hashes(sampling_file: str = SAMPLING_FILE) -> dict[str, str]:
    """sha256 of every prompt and settings file of the task, for manifests and store keys."""
    names = {sampling_file, ALLM_DESCRIBE_TEMPLATE, ALLM_AB_TEMPLATE}
    names.update(settings.template for settings in pass_settings(sampling_file).values())
    return {name: template_sha256(name) for name in sorted(names)}
