"""Every ALLM adapter jasco knows, by name. Importing this module imports no adapter.

Add an adapter: write ``jasco/infer/<name>.py`` with a factory, then register it here with one
line. Code that looks adapters up by name imports this module first.
"""

from __future__ import annotations

from jasco.models.base import ADAPTERS

# ADAPTERS.register("name", "jasco.infer.module:factory", "one-line summary")
ADAPTERS.register(
    "qwen2-audio", "jasco.models.qwen2_audio:qwen2_audio", "Qwen2-Audio-7B-Instruct, vLLM or transformers"
)
ADAPTERS.register("openai", "jasco.models.openai_chat:openai_audio", "an OpenAI-compatible endpoint with input_audio")
ADAPTERS.register("fake-allm", "jasco.testing.fake_allm:fake_allm", "testing: a deterministic fake (no model)")
ADAPTERS.register(
    "reference", "jasco.tasks.jasco.controls:reference", "control answer: the clip's correct answer (no model)"
)
ADAPTERS.register(
    "audio-only", "jasco.tasks.jasco.controls:audio_only", "control answer: the audio-only answer (no model)"
)
ADAPTERS.register(
    "speech-only", "jasco.tasks.jasco.controls:speech_only", "control answer: the speech-only answer (no model)"
)
ADAPTERS.register(
    "describe-only", "jasco.tasks.jasco.controls:describe_only", "control answer: restates sound and speech (no model)"
)
ADAPTERS.register("qwen2.5-omni", "jasco.models.qwen25_omni:factory", "Qwen2.5-Omni thinker, text out (transformers)")
ADAPTERS.register("voxtral", "jasco.models.voxtral:factory", "Voxtral (Mistral), transformers")
ADAPTERS.register("worker", "jasco.models.worker.model:worker_adapter", "any model behind a JSON-lines worker process")
ADAPTERS.register("salmonn", "jasco.models.worker.model:salmonn", "SALMONN in its own environment (worker process)")
ADAPTERS.register("ltu-as", "jasco.models.worker.model:ltu_as", "LTU-AS in its own environment (worker process)")
ADAPTERS.register("wavllm", "jasco.models.worker.model:wavllm", "WavLLM in its own environment (worker process)")
ADAPTERS.register("testing-echo", "jasco.testing.echo_adapter:echo", "testing: model-free echo of item and audio")
