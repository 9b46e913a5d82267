"""Every model jasco knows, by name: ALLMs, judge backends, control answers, test doubles.

Importing this module imports no model. Add one: write a module with a factory
``factory(model_id=None, **options) -> Model`` (``jasco.models.base``), then register it here
with one line. A backend (``vllm``, ``hf``, ``openai``, ``worker``) serves whatever ``model_id``
names, in either role: ``jasco infer --model vllm --model-id DIR`` or ``jasco judge --judge ID
--backend vllm``. Code that looks models up by name imports this module first.
"""

from __future__ import annotations

from jasco.models.base import MODELS

# MODELS.register("name", "module:factory", "one-line summary")
# ALLM adapters
MODELS.register("qwen2-audio", "jasco.models.qwen2_audio:qwen2_audio", "Qwen2-Audio-7B-Instruct, vLLM or transformers")
MODELS.register("qwen2.5-omni", "jasco.models.qwen25_omni:factory", "Qwen2.5-Omni thinker, text out (transformers)")
MODELS.register("voxtral", "jasco.models.voxtral:factory", "Voxtral (Mistral), transformers")
MODELS.register("salmonn", "jasco.models.worker.shipped:salmonn", "SALMONN in its own environment (worker process)")
MODELS.register("ltu-as", "jasco.models.worker.shipped:ltu_as", "LTU-AS in its own environment (worker process)")
MODELS.register("wavllm", "jasco.models.worker.shipped:wavllm", "WavLLM in its own environment (worker process)")
# backends: any model id, as an ALLM or as a judge
MODELS.register("vllm", "jasco.models.vllm_chat:factory", "backend: in-process vllm.LLM, one batched submission")
MODELS.register("hf", "jasco.models.transformers_chat:factory", "backend: transformers generate, batched")
MODELS.register("openai", "jasco.models.openai_chat:openai", "backend: OpenAI-compatible server(s) over HTTP")
MODELS.register("worker", "jasco.models.worker.shipped:worker_adapter", "backend: any JSON-lines worker process")
# JASCO's model-free answers and judges
MODELS.register("reference", "jasco.tasks.jasco.controls:reference", "control answer: the correct answer (no model)")
MODELS.register("audio-only", "jasco.tasks.jasco.controls:audio_only", "control answer: the audio-only answer")
MODELS.register("speech-only", "jasco.tasks.jasco.controls:speech_only", "control answer: the speech-only answer")
MODELS.register("describe-only", "jasco.tasks.jasco.controls:describe_only",
                "control answer: restates sound and speech (no model)")
MODELS.register("similarity", "jasco.tasks.jasco.similarity:factory",
                "judge: offline sentence-embedding similarity proxy, not an LLM judge")
# speech-quality predictors: numbers (ModelResult.values), scored in spawned worker processes
MODELS.register("dnsmos", "jasco.models.quality_predictor:dnsmos",
                "predictor: DNSMOS P.835 OVRL as mos (speechmos, ONNX)")
MODELS.register("distillmos", "jasco.models.quality_predictor:distillmos", "predictor: Distill-MOS v7 mos (torch CPU)")
MODELS.register("signal", "jasco.models.quality_predictor:signal",
                "predictor: jasco's signal analyzer, mos and noi/col/dis/loud")
# test doubles
MODELS.register("fake-allm", "jasco.testing.fake_allm:fake_allm", "testing: a deterministic fake ALLM (no model)")
MODELS.register("testing-echo", "jasco.testing.echo_adapter:echo", "testing: model-free echo of item and audio")
MODELS.register("fake", "jasco.testing.fake_judge:factory", "testing: a deterministic scripted judge")
MODELS.register("fake-captioner", "jasco.testing.alld_doubles:fake_captioner",
                "testing: a deterministic expert text LLM for ALLD's caption prompts")
MODELS.register("fake-alld-allm", "jasco.testing.alld_doubles:fake_alld_allm",
                "testing: a scripted ALLM for the ALLD describe and A/B items")
