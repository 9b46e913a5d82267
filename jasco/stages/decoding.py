"""The decoding settings of the infer and judge stages, as the command line gives them (light:
the command modules import this at ``--help`` time).

Each stage records its settings in manifests and store keys in its own, stable shape
(``as_dict``) and turns them into the model layer's per-request ``Sampling``.

Judge decoding comes in two presets (``--decoding``): ``jasco`` (the default: greedy,
temperature 0, seed 0, for reproducible verdicts) and ``upstream`` (what upstream eval.py's
``SamplingParams(max_tokens=1000)`` means in vLLM: temperature 1.0, top_p 1.0, sampled; jasco
seeds each request with ``--seed`` and records it, where upstream set no seed). Upstream also
ran its judges in float16 (``--dtype float16``), a backend setting rather than decoding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jasco.models.types import Sampling


@dataclass(frozen=True)
class GenerationSettings:
    """ALLM decoding settings (the infer stage); part of every store key and manifest."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_new_tokens: int = 256
    seed: int = 0
    # Keep answers cut at max_new_tokens (finish "length") instead of failing their rows. It does
    # not change what a model generates, so it is in stamps and manifests, not in store keys.
    accept_truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature, "top_p": self.top_p,
            "max_new_tokens": self.max_new_tokens, "seed": self.seed,
        }

    def sampling(self) -> Sampling:
        from jasco.models.types import Sampling

        return Sampling(temperature=self.temperature, top_p=self.top_p, max_tokens=self.max_new_tokens,
                        seed=self.seed)


# preset -> (temperature, top_p) of the judge; max_tokens 1000 is upstream's in both
DECODING_PRESETS: dict[str, tuple[float, float]] = {"jasco": (0.0, 1.0), "upstream": (1.0, 1.0)}
DEFAULT_PRESET = "jasco"


def judge_decoding(preset: str = DEFAULT_PRESET, *, temperature: float | None = None, top_p: float | None = None,
                   max_tokens: int = 1000, seed: int = 0, structured: bool = False,
                   accept_truncated: bool = False) -> Decoding:
    """The judge's decoding from a preset; ``temperature``/``top_p`` may refine ``jasco`` only
    (``upstream`` is upstream's sampling or nothing: a ValueError says so)."""
    if preset not in DECODING_PRESETS:
        raise ValueError(f"unknown decoding preset {preset!r}; known: {', '.join(DECODING_PRESETS)}")
    base_temperature, base_top_p = DECODING_PRESETS[preset]
    if preset != DEFAULT_PRESET and (temperature is not None or top_p is not None):
        raise ValueError(f"--decoding {preset} fixes temperature {base_temperature} and top_p {base_top_p}; "
                         "drop --temperature/--top-p (or use --decoding jasco)")
    return Decoding(temperature=base_temperature if temperature is None else temperature,
                    top_p=base_top_p if top_p is None else top_p, max_tokens=max_tokens, seed=seed,
                    structured=structured, preset=preset, accept_truncated=accept_truncated)


@dataclass(frozen=True)
class Decoding:
    """Judge decoding settings (the judge stage); part of every store key and manifest."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 1000  # upstream eval.py's value
    seed: int = 0
    structured: bool = False  # constrain the answer's format (vLLM structured outputs)
    preset: str = DEFAULT_PRESET  # recorded in manifests; not in store keys (the numbers above are)
    accept_truncated: bool = False  # keep verdicts cut at max_tokens (as GenerationSettings); not in keys

    def as_dict(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature, "top_p": self.top_p, "max_tokens": self.max_tokens,
            "seed": self.seed, "structured": self.structured,
        }

    def sampling(self) -> Sampling:
        from jasco.models.types import Sampling

        return Sampling(temperature=self.temperature, top_p=self.top_p, max_tokens=self.max_tokens, seed=self.seed)
