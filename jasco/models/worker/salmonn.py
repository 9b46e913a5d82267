"""SALMONN's published checkpoints, as the ``salmonn`` worker model selects them.

The JASCO paper reports SALMONN-7B; bytedance/SALMONN also released the 13B v1 model. Each variant
is its own LLM and checkpoint on top of the same Whisper large-v2 and BEATs encoders and the same
window-level Q-Former; the worker (``workers/salmonn_worker.py``, which keeps the same table: a test
compares them) loads the chosen variant and refuses an LLM of the other size. The model id names
the release and the checkpoint file, so results of the two variants (or of another checkpoint)
never share a name or a store key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SalmonnVariant:
    name: str
    release: str  # the Hugging Face repository of the checkpoint
    checkpoint: str  # its file name there
    llm: str  # the LLM the checkpoint was trained on
    llm_hidden_size: int  # how the worker recognises that LLM's size from its config.json

    def model_id(self, checkpoint: str | Path) -> str:
        """``<release>:<checkpoint file name>``, e.g. ``tsinghua-ee/SALMONN-7B:salmonn_7b_v0.pth``."""
        return f"{self.release}:{Path(checkpoint).name}"


VARIANTS = {
    "7b": SalmonnVariant("7b", "tsinghua-ee/SALMONN-7B", "salmonn_7b_v0.pth", "lmsys/vicuna-7b-v1.5", 4096),
    "13b": SalmonnVariant("13b", "tsinghua-ee/SALMONN", "salmonn_v1.pth", "lmsys/vicuna-13b-v1.1", 5120),
}
DEFAULT_SALMONN_VARIANT = "7b"  # the paper's


def salmonn_variant(name: str) -> SalmonnVariant:
    try:
        return VARIANTS[str(name).lower()]
    except KeyError:
        raise ValueError(f"salmonn: unknown variant {name!r}; known: {', '.join(VARIANTS)}") from None
