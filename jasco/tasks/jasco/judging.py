"""How an LLM judge scores a JASCO answer: the judge stage's ``JudgeSpec`` for JASCO.

The prompts are upstream's (``templates``: eval.py's wording by default, the README's with
``--template readme``), the verdict is ``parse.parse_judgment`` (Rating 0/1/2 and Orientation),
``--structured`` constrains the two lines (``structured.judgment_regex``). Two re-asks (on by
default, ``--no-repair`` turns them off): upstream's post-processing prompt when the orientation
does not parse (and the rating did, or can be repaired), and jasco's rating re-ask when the judge
named several ratings (``rating_needs_repair``), whose reply must be exactly one of them. A row
still unparseable after them is unscored: upstream's ``?``, 0 in best-mean.

A row without an answer (empty ``allm_output``: the infer stage failed, or the model said
nothing) is never sent: by rule it is rating 0, orientation Neither, status ``no answer:
<reason>`` (the row's ``infer_error``, else "empty allm_output"). A call that fails for good is
unscored with the error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jasco.tasks.base import NO_ANSWER_STATUS
from jasco.tasks.jasco.labels import Orientation
from jasco.tasks.jasco.parse import (
    STATUS_REPAIRED,
    STATUS_UNSCORED,
    Judgment,
    explanation2,
    parse_judgment,
    parse_repair_answer,
    rating_needs_repair,
    read_rating,
)
from jasco.tasks.jasco.templates import (
    DEFAULT_TEMPLATE,
    PROMPT_FIELDS,
    TEMPLATES,
    get_template,
    judge_messages,
    rating_repair_messages,
    repair_messages,
    template_hashes,
)

OUT_COLUMNS = ("judge", "judge_output", "rating", "orientation", "parse_status")
ORIENTATION_REPAIR = "repair"  # the kind of the re-ask in store keys (upstream's post-processing prompt)
RATING_REPAIR = "rating_repair"
_RATING_PREFIX = "rating:"


class JascoJudging:
    answer_column = "allm_output"
    required_columns: tuple[str, ...] = ("id", *PROMPT_FIELDS.values())
    out_columns: tuple[str, ...] = OUT_COLUMNS
    templates: tuple[str, ...] = tuple(sorted(TEMPLATES))
    default_template = DEFAULT_TEMPLATE
    # The parser's and the re-asks' rules: part of `jasco run`'s stage stamps. Bump it whenever
    # parse.py or this module changes what a judge text becomes.
    rules_version = "3"

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
        reason = str(row.get("infer_error", "") or "").strip() or f"empty {self.answer_column}"
        return Judgment(0, Orientation.NEITHER, f"{NO_ANSWER_STATUS}: {' '.join(reason.split())[:200]}")

    def failed(self, error: str) -> Judgment:
        return Judgment(None, None, f"{STATUS_UNSCORED}: judge error: {error}")

    def repair_requests(self, template: str, text: str) -> dict[str, tuple[dict[str, str], ...]]:
        """The re-asks a judge text needs (kind -> conversation); empty when it parsed."""
        first = parse_judgment(text)
        requests: dict[str, tuple[dict[str, str], ...]] = {}
        if rating_needs_repair(first):
            requests[RATING_REPAIR] = rating_repair_messages(text, first.rating_candidates)
        if first.orientation is None and (first.rating is not None or requests):
            requests[ORIENTATION_REPAIR] = repair_messages(get_template(template), explanation2(text))
        return requests

    def repaired(self, text: str, answers: Mapping[str, str], errors: Mapping[str, str]) -> Judgment:
        """The verdict once the re-asks of ``repair_requests`` are answered (or failed)."""
        first = parse_judgment(text)
        rating, orientation, reasons = first.rating, first.orientation, []
        if rating_needs_repair(first):
            rating = chosen_rating(answers.get(RATING_REPAIR, ""), first.rating_candidates)
            if rating is None:
                reasons.append(_failure("rating repair", answers.get(RATING_REPAIR, ""), errors.get(RATING_REPAIR),
                                        f"is not exactly one of {', '.join(map(str, first.rating_candidates))}"))
        if orientation is None:
            orientation = parse_repair_answer(answers.get(ORIENTATION_REPAIR, ""))
            if orientation is None:
                reasons.append(_failure("repair", answers.get(ORIENTATION_REPAIR, ""), errors.get(ORIENTATION_REPAIR),
                                        "names no single label"))
        if rating is not None and orientation is not None:
            return Judgment(rating, orientation, STATUS_REPAIRED)
        return Judgment(rating, orientation, f"{first.status}; {'; '.join(reasons)}", first.rating_candidates)

    def cells(self, verdict: Any) -> dict[str, str]:
        assert isinstance(verdict, Judgment)
        return {
            "rating": "" if verdict.rating is None else str(verdict.rating),
            "orientation": verdict.orientation_label,
            "parse_status": verdict.status,
        }


JUDGING = JascoJudging()


def chosen_rating(reply: str, candidates: tuple[int, ...]) -> int | None:
    """The rating a rating re-ask's reply gives (``read_rating``; a leading 'Rating:' allowed),
    None unless it is exactly one of ``candidates``."""
    value = reply.strip().strip("*_`#> \t")
    if value.lower().startswith(_RATING_PREFIX):
        value = value[len(_RATING_PREFIX):]
    rating = read_rating(value)[0]
    return rating if rating in candidates else None


def _failure(what: str, answer: str, error: str | None, problem: str) -> str:
    return f"{what} failed: {error}" if error else f"{what} answer {answer[:60]!r} {problem}"
