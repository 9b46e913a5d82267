"""The ALLMs jasco knows out of the box: model ids, revisions and serving defaults, in one table.

Adapters read their default model id here (``--model-id`` overrides it, with a Hugging Face id
or a local directory). ``revision`` None means "the hub's current main"; pin one (``--revision``)
for a reproducible run: the manifest and every store key record it. ``notes`` says what a real
run needs (GPU memory, context length); adapters never branch on these names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModelDefaults:
    model_id: str
    revision: str | None = None
    notes: str = ""


ALLM_DEFAULTS: dict[str, ModelDefaults] = {
    "qwen2-audio": ModelDefaults(
        model_id="Qwen/Qwen2-Audio-7B-Instruct",
        notes="~16 GB of weights in bf16: one 24 GB GPU (vLLM: --gpu-memory-utilization 0.9; context 8192).",
    ),
    # The two below keep their default in their own module (DEFAULT_MODEL); a test keeps them equal.
    "qwen2.5-omni": ModelDefaults(
        model_id="Qwen/Qwen2.5-Omni-7B", notes="the thinker only (text out); ~16 GB of weights in bf16.",
    ),
    "voxtral": ModelDefaults(model_id="mistralai/Voxtral-Mini-3B-2507", notes="~9 GB of weights in bf16."),
}


def defaults_for(name: str) -> ModelDefaults:
    try:
        return ALLM_DEFAULTS[name]
    except KeyError:
        raise KeyError(f"no model defaults for {name!r}; known: {', '.join(sorted(ALLM_DEFAULTS))}") from None
