"""The decoding settings of the infer and judge stages, as the command line gives them (light:
the command modules import this at ``--help`` time).

Each stage records its settings in manifests and store keys in its own, stable shape
(``as_dict``) and turns them into the model layer's per-request ``Sampling``.
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

    def as_dict(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature, "top_p": self.top_p,
            "max_new_tokens": self.max_new_tokens, "seed": self.seed,
        }

    def sampling(self) -> Sampling:
        from jasco.models.types import Sampling

        return Sampling(temperature=self.temperature, top_p=self.top_p, max_tokens=self.max_new_tokens,
                        seed=self.seed)


@dataclass(frozen=True)
class Decoding:
    """Judge decoding settings (the judge stage); part of every store key and manifest."""

    temperature: float = 0.0
    top_p: float = 1.0
    max_tokens: int = 1000  # upstream eval.py's value
    seed: int = 0
    structured: bool = False  # constrain the answer's format (vLLM structured outputs)

    def as_dict(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature, "top_p": self.top_p, "max_tokens": self.max_tokens,
            "seed": self.seed, "structured": self.structured,
        }

    def sampling(self) -> Sampling:
        from jasco.models.types import Sampling

        return Sampling(temperature=self.temperature, top_p=self.top_p, max_tokens=self.max_tokens, seed=self.seed)
