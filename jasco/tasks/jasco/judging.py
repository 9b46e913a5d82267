"""How an LLM judge scores a JASCO answer: the judge stage's ``JudgeSpec`` for JASCO.

The prompts are upstream's (``templates``: eval.py's wording by default, the README's with
``--template readme``), the verdict is ``parse.parse_judgment`` (Rating 0/1/2 and Orientation),
``--structured`` constrains the two lines (``structured.judgment_regex``) and the repair re-ask is
upstream's post-processing prompt, sent when the rating parsed but the orientation did not. An
empty answer is never sent; a call that fails for good is unscored with the error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jasco.tasks.jasco.parse import (
    STATUS_REPAIRED,
    STATUS_UNSCORED,
    Judgment,
    explanation2,
    orientation_needs_repair,
    parse_judgment,
    parse_repair_answer,
)
from jasco.tasks.jasco.templates import (
    DEFAULT_TEMPLATE,
    PROMPT_FIELDS,
    TEMPLATES,
    get_template,
    judge_messages,
    repair_messages,
    template_hashes,
)

OUT_COLUMNS = ("judge", "judge_output", "rating", "orientation", "parse_status")
EMPTY_ANSWER = f"{STATUS_UNSCORED}: empty allm_output (not sent to the judge)"


class JascoJudging:
    answer_column = "allm_output"
    required_columns: tuple[str, ...] = ("id", *PROMPT_FIELDS.values())
    out_columns: tuple[str, ...] = OUT_COLUMNS
    templates: tuple[str, ...] = tuple(sorted(TEMPLATES))
    default_template = DEFAULT_TEMPLATE

    def check_template(self, template: str) -> None:
        get_template(template)  # ValueError naming the known templates

    def messages(self, template: str, row: Mapping[str, str]) -> tuple[dict[str, str], ...]:
        return judge_messages(get_template(template), row)

    def regex(self, template: str, max_tokens: int) -> str | None:
        from jasco.tasks.jasco.structured import judgment_regex

        return judgment_regex(get_template(template), max_tokens)

    def template_hashes(self, template: str) -> dict[str, str]:
        return template_hashes(get_template(template))

    def verdict(self, text: str | None) -> Judgment:
        return parse_judgment(text)

    def no_answer(self, row: Mapping[str, str]) -> Judgment:
        return Judgment(None, None, EMPTY_ANSWER)

    def failed(self, error: str) -> Judgment:
        return Judgment(None, None, f"{STATUS_UNSCORED}: judge error: {error}")

    def repair_messages(self, template: str, text: str) -> tuple[dict[str, str], ...] | None:
        """Upstream's re-ask for an answer whose rating parsed but orientation did not, else None."""
        if not orientation_needs_repair(parse_judgment(text)):
            return None
        return repair_messages(get_template(template), explanation2(text))

    def repaired(self, text: str, answer: str, error: str | None) -> Judgment:
        first = parse_judgment(text)
        orientation = parse_repair_answer(answer)
        if orientation is not None:
            return Judgment(first.rating, orientation, STATUS_REPAIRED)
        reason = f"repair failed: {error}" if error else f"repair answer {answer[:60]!r} names no single label"
        return Judgment(first.rating, None, f"{first.status}; {reason}")

    def cells(self, verdict: Any) -> dict[str, str]:
        assert isinstance(verdict, Judgment)
        return {
            "rating": "" if verdict.rating is None else str(verdict.rating),
            "orientation": verdict.orientation_label,
            "parse_status": verdict.status,
        }


JUDGING = JascoJudging()
