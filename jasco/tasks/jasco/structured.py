"""The ``--structured`` output constraint: a regex for vLLM structured outputs.

The explanations stay free text (one line each, on the line of their ``ExplanationN:`` label,
bounded in length so that a judge cannot run past ``max_tokens`` before writing its verdict),
while the ``Rating:`` line must be 0, 1 or 2 and the ``Orientation:`` line one of the template's
label words. Everything the regex admits
is parsed by ``jasco.tasks.jasco.parse.parse_judgment`` (a test checks this with a random model).
"""

from __future__ import annotations

import re

from jasco.tasks.jasco.templates import JudgeTemplate

# Every character str.splitlines() breaks a line at: excluded from the free text, so that the
# explanations cannot add lines of their own (a free "Rating: 7" line would be read by the
# parser, whose last Rating line wins).
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# Tokens kept for the fixed parts (field names, rating, label, newlines).
_FIXED_TOKENS = 48
MAX_EXPLANATION_CHARS = 600


def explanation_limit(max_tokens: int) -> int:
    """Characters allowed per explanation so both fit in ``max_tokens`` (a token is >= 1 char)."""
    return max(16, min(MAX_EXPLANATION_CHARS, (max_tokens - _FIXED_TOKENS) // 2))


def judgment_regex(template: JudgeTemplate, max_tokens: int) -> str:
    """Explanation1, Rating (0/1/2), Explanation2, Orientation (a label word), upstream's order."""
    limit = explanation_limit(max_tokens)
    labels = "|".join(re.escape(word) for word in template.labels().values())
    text = f"[^{_LINE_BREAKS}]{{1,{limit}}}"
    return (
        rf"Explanation1: {text}\n{{1,2}}Rating: [012]\n{{1,2}}"
        rf"Explanation2: {text}\n{{1,2}}Orientation: ({labels})"
    )
