"""``qwen2-audio``: Qwen/Qwen2-Audio-7B-Instruct on the in-process vLLM engine or transformers.

``--backend vllm`` (the default when vllm is importable) batches every item through one engine;
``--backend transformers`` runs ``Qwen2AudioForConditionalGeneration`` (loaded through
``AutoModelForSeq2SeqLM``) with batched, left-padded ``generate``. Both apply the model's own chat
template (its default system turn, then "Audio 1: <|audio_bos|><|AUDIO|><|audio_eos|>" and the
instruction in the user turn) and decode greedily by default; with the same weights they give
token-identical answers (tested on a tiny random model).

On GPUs::

    jasco infer --model qwen2-audio --out results/qwen2-audio.csv --revision <commit>
    jasco infer --model qwen2-audio --backend transformers --dtype bfloat16 --out ...
    jasco infer --model qwen2-audio --model-id /models/Qwen2-Audio-7B-Instruct --check-audio --out ...

Serving the model with ``vllm serve Qwen/Qwen2-Audio-7B-Instruct`` and using ``--model openai``
works too (see ``jasco.models.openai_chat``). The model takes any number of audio parts per
request (its template numbers them "Audio 1:", "Audio 2:", ...).
"""

from __future__ import annotations

import importlib.util
from typing import Any

from jasco.core.registry import Registry
from jasco.models.base import Model
from jasco.models.defaults import defaults_for

NAME = "qwen2-audio"

# backend name -> adapter class; the engine library is imported only when the class is built.
BACKENDS: Registry[Any] = Registry("qwen2-audio backend")
BACKENDS.register("vllm", "jasco.models.vllm_chat:VllmChat", "in-process vLLM engine, batched")
BACKENDS.register("transformers", "jasco.models.transformers_chat:TransformersChat", "batched generate")
# The longest audio the model hears whole: its Whisper encoder's 30 s window (the feature extractor
# cuts longer input). Tasks that know their audio durations refuse or exclude longer items
# (``Task.excluded_rows``); nothing is cropped silently.
MAX_AUDIO_S = 30.0
# What each backend class needs to serve Qwen2-Audio (transformers: the model class with an lm_head).
BACKEND_OPTIONS: dict[str, dict[str, Any]] = {"transformers": {"model_class": "AutoModelForSeq2SeqLM"}}


def default_backend() -> str:
    return "vllm" if importlib.util.find_spec("vllm") is not None else "transformers"


def qwen2_audio(
    backend: str | None = None, model_id: str | None = None, revision: str | None = None, **options: Any
) -> Model:
    """The ``qwen2-audio`` adapter on ``backend``; other options go to the backend class."""
    defaults = defaults_for(NAME)
    if model_id is None:
        model_id, revision = defaults.model_id, revision or defaults.revision
    backend = backend or default_backend()
    options = {**BACKEND_OPTIONS.get(backend, {}), **options}
    model = BACKENDS.load(backend)(model_id, name=NAME, revision=revision, **options)
    model.max_audio_s = MAX_AUDIO_S
    built: Model = model
    return built
