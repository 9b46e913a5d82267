"""``alld-ab-summary``: a text LLM summarises each ALLM comparison as ALLD does (the judge stage's ``JudgeSpec``).

ALLD reads an audio LLM's A/B answer by giving it to its expert LLM with the summary prompt
(``prompts/alld/summary.v1.j2``, verbatim: "... Only output '[SpeechA]' or '[SpeechB]', do not
give any analysis.\\nContext:\\n<the answer>") and parsing the reply strictly
(``verdict.parse_summary``: exactly ``[SpeechA]`` or ``[SpeechB]`` once stripped). Here that text
LLM is the judge of ``jasco judge`` / ``jasco run --judges``, so it gets the judge stage's store,
resume, batching and manifest. ``--structured`` constrains the reply to the two tokens.

``--repair`` re-asks once for an unparsed non-empty reply, with the same verbatim summary prompt
around the reply itself (the judge stage hands the repair only the reply, not the row): a
wordy "SpeechB is better." then summarises to ``[SpeechB]``. An empty ALLM answer is never sent
(unscored); a call that fails for good is unscored with the error. The verdict goes into
``summary_verdict`` / ``summary_status`` / ``summary_reason``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jasco.tasks.alld.items import AB_COLUMNS
from jasco.tasks.alld.prompts import pass_settings, summary_prompt
from jasco.tasks.alld.verdict import UNPARSED, parse_summary

TEMPLATE = "summary"
REPAIRED = "repaired"
OUT_COLUMNS = ("judge", "judge_output", "summary_verdict", "summary_status", "summary_reason")
STRICT_REGEX = r"\[Speech[AB]\]"


@dataclass(frozen=True)
class SummaryJudgment:
    """The text LLM's verdict on one ALLM comparison: ``choice`` None is unscored (``reason``)."""

    choice: str | None
    status: str
    reason: str = ""

    @property
    def scored(self) -> bool:
        return self.choice is not None


def _template_file() -> str:
    return pass_settings()["summary"].template


REPAIR = "repair"  # the kind of the one re-ask (in its store key)


class SummaryJudging:
    answer_column = "answer"
    required_columns: tuple[str, ...] = (*AB_COLUMNS, "answer")
    out_columns: tuple[str, ...] = OUT_COLUMNS
    templates: tuple[str, ...] = (TEMPLATE,)
    default_template = TEMPLATE
    rules_version = "1"  # the summary parser and its one re-ask (stage stamps)

    def check_template(self, template: str) -> None:
        if template != TEMPLATE:
            raise ValueError(f"alld-ab-summary has one judge template, {TEMPLATE!r} (ALLD's); got {template!r}")

    def messages(self, template: str, row: Mapping[str, str]) -> tuple[dict[str, str], ...]:
        return ({"role": "user", "content": summary_prompt(str(row[self.answer_column]), template=_template_file())},)

    def regex(self, template: str, max_tokens: int) -> str | None:
        return STRICT_REGEX

    def template_hashes(self, template: str) -> dict[str, str]:
        from jasco.core.prompting import template_sha256

        return {_template_file(): template_sha256(_template_file())}

    def verdict(self, text: str | None) -> SummaryJudgment:
        parsed = parse_summary(text)
        return SummaryJudgment(parsed.choice, parsed.status, parsed.reason)

    def no_answer(self, row: Mapping[str, str]) -> SummaryJudgment:
        return SummaryJudgment(None, UNPARSED, "empty answer (not sent to the text LLM)")

    def failed(self, error: str) -> SummaryJudgment:
        return SummaryJudgment(None, UNPARSED, f"text LLM error: {error}")

    def repair_requests(self, template: str, text: str) -> dict[str, tuple[dict[str, str], ...]]:
        """One re-ask (kind ``repair``) when the summary does not parse: the same prompt again."""
        if parse_summary(text).parsed or not text.strip():
            return {}
        return {REPAIR: ({"role": "user", "content": summary_prompt(text, template=_template_file())},)}

    def repaired(self, text: str, answers: Mapping[str, str], errors: Mapping[str, str]) -> SummaryJudgment:
        first = parse_summary(text)
        again = parse_summary(answers.get(REPAIR, ""))
        if again.parsed:
            return SummaryJudgment(again.choice, REPAIRED, f"first reply unparsed ({first.reason})")
        error = errors.get(REPAIR)
        why = f"re-ask failed: {error}" if error else f"re-ask also unparsed ({again.reason})"
        return SummaryJudgment(None, UNPARSED, f"{first.reason}; {why}")

    def cells(self, verdict: Any) -> dict[str, str]:
        assert isinstance(verdict, SummaryJudgment)
        return {"summary_verdict": verdict.choice or "", "summary_status": verdict.status,
                "summary_reason": verdict.reason}


JUDGING = SummaryJudging()
