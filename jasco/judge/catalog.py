"""Every judge backend jasco knows, by name. Importing this module imports no backend.

Add a backend: write ``jasco/judge/<name>.py`` with a factory, then register it here with one
line. Code that looks backends up by name imports this module first.
"""

from __future__ import annotations

from jasco.judge.base import JUDGE_BACKENDS

# JUDGE_BACKENDS.register("name", "jasco.judge.module:factory", "one-line summary")
JUDGE_BACKENDS.register(
    "similarity", "jasco.tasks.jasco.similarity:factory",
    "offline sentence-embedding similarity proxy, not an LLM judge",
)
JUDGE_BACKENDS.register("vllm", "jasco.judge.vllm_backend:factory", "in-process vllm.LLM, one batched submission")
JUDGE_BACKENDS.register("openai", "jasco.judge.openai_backend:factory", "any OpenAI-compatible server(s) over HTTP")
JUDGE_BACKENDS.register("hf", "jasco.judge.hf_backend:factory", "transformers generate, batched, left padding")
JUDGE_BACKENDS.register("fake", "jasco.testing.fake_judge:factory", "deterministic scripted judge for tests/demos")
