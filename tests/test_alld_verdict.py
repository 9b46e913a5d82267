"""The strict summary parser and the audio LLM's own verdict."""

from __future__ import annotations

import pytest

from jasco.tasks.alld.verdict import PARSED, UNPARSED, needs_retry, parse_allm_verdict, parse_summary


@pytest.mark.parametrize(("text", "choice"), [
    ("[SpeechA]", "SpeechA"),
    ("[SpeechB]", "SpeechB"),
    ("  [SpeechB]\n", "SpeechB"),  # ALLD's code strips the answer
])
def test_summary_exact_answers(text: str, choice: str) -> None:
    verdict = parse_summary(text)
    assert (verdict.choice, verdict.status, verdict.reason) == (choice, PARSED, "")


@pytest.mark.parametrize(("text", "reason"), [
    ("[SpeechA] [SpeechB]", "names both [SpeechA] and [SpeechB]"),
    ("[SpeechB] is better than [SpeechA]", "names both"),
    ("SpeechA", "names neither"),
    ("Speech A is better.", "names neither"),
    ("[speecha]", "wrong spelling or case: '[speecha]'"),
    ("[SPEECHB]", "wrong spelling or case"),
    ("[Speech A]", "wrong spelling or case"),
    ("[SpeechA].", "extra text around [SpeechA]"),
    ("The answer is [SpeechB]", "extra text around [SpeechB]"),
    ("[SpeechA]\nBecause it is cleaner.", "extra text around [SpeechA]"),
    ("", "empty answer"),
    ("   \n", "empty answer"),
    (None, "empty answer"),
])
def test_summary_anything_else_is_unparsed_with_a_reason(text: str | None, reason: str) -> None:
    verdict = parse_summary(text)
    assert verdict.choice is None and verdict.status == UNPARSED and not verdict.parsed
    assert reason in verdict.reason


def test_an_unparsed_summary_is_re_asked_once() -> None:
    assert needs_retry(parse_summary("[SpeechA]."), attempt=1)
    assert not needs_retry(parse_summary("[SpeechA]."), attempt=2)
    assert not needs_retry(parse_summary("[SpeechA]"), attempt=1)


@pytest.mark.parametrize(("text", "choice"), [
    ("SpeechA is noisy; SpeechB is clean.\n[SpeechB]", "SpeechB"),
    ("Comparing [SpeechA] and [SpeechB]: B has less noise.\nFinal answer: [SpeechB].", "SpeechB"),
    ("SpeechA sounds better overall. [speech a]", "SpeechA"),
    ("I prefer [SpeechA] because of its loudness.\n\nThat is all.", "SpeechA"),
])
def test_allm_verdicts_that_decide(text: str, choice: str) -> None:
    verdict = parse_allm_verdict(text)
    assert (verdict.choice, verdict.status) == (choice, PARSED)


@pytest.mark.parametrize(("text", "reason"), [
    ("[SpeechA] is clean.\n[SpeechB] is noisy.\nBoth have merit.", "names both"),
    ("[SpeechA] or [SpeechB]?", "names both"),
    ("The second recording is clearly better.", "no [SpeechA] or [SpeechB] verdict"),
    ("", "empty answer"),
])
def test_allm_verdicts_that_do_not_decide(text: str, reason: str) -> None:
    verdict = parse_allm_verdict(text)
    assert verdict.choice is None and reason in verdict.reason
