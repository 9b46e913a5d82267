"""Every judge backend jasco knows, by name. Importing this module imports no backend.

Add a backend: write ``jasco/judge/<name>.py`` with a factory, then register it here with one
line. Code that looks backends up by name imports this module first.
"""

from __future__ import annotations

from jasco.judge.base import JUDGE_BACKENDS

# JUDGE_BACKENDS.register("name", "jasco.judge.module:factory", "one-line summary")
JUDGE_BACKENDS.register(
    "similarity", "jasco.judge.similarity:factory", "offline sentence-embedding similarity proxy, not an LLM judge"
)
