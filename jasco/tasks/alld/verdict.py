"""Reading an A/B verdict: the text LLM's strict summary, and an audio LLM's own answer.

``parse_summary`` is ALLD's summary step: the answer must be exactly ``[SpeechA]`` or
``[SpeechB]`` once surrounding whitespace is removed (ALLD's code ``.strip()``s it). Anything
else is unparsed with a reason: empty, both named, neither named, wrong case, or extra text
(a trailing full stop included). The caller re-asks an unparsed summary once
(``MAX_SUMMARY_ATTEMPTS``) and counts what stays unparsed.

``parse_allm_verdict`` reads an audio LLM's comparison that was asked to end with ``[SpeechA]``
or ``[SpeechB]``: a bracketed token (any case, ``[Speech A]`` too) on the last non-empty line
decides if that line names only one speech; otherwise one that is the only kind named anywhere
in the text. Both kinds with an undecided last line, or none, is unparsed: such an answer goes
to the text LLM's summary, as in ALLD. Nothing is guessed from unbracketed prose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jasco.tasks.alld.pairs import SPEECH_A, SPEECH_B

PARSED = "parsed"
UNPARSED = "unparsed"
MAX_SUMMARY_ATTEMPTS = 2

_EXACT = {f"[{SPEECH_A}]": SPEECH_A, f"[{SPEECH_B}]": SPEECH_B}
_TOKEN = re.compile(r"\[\s*speech\s*([ab])\s*\]", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    """``choice`` is ``SpeechA``, ``SpeechB`` or None (unparsed, with ``reason``)."""

    choice: str | None
    status: str
    reason: str = ""

    @property
    def parsed(self) -> bool:
        return self.choice is not None


def _unparsed(reason: str) -> Verdict:
    return Verdict(None, UNPARSED, reason)


def _kinds(text: str) -> set[str]:
    return {SPEECH_A if match.group(1).lower() == "a" else SPEECH_B for match in _TOKEN.finditer(text)}


def parse_summary(text: str | None) -> Verdict:
    """Strict: exactly ``[SpeechA]`` or ``[SpeechB]`` after ``strip()``; else unparsed with a reason."""
    answer = (text or "").strip()
    if answer in _EXACT:
        return Verdict(_EXACT[answer], PARSED)
    if not answer:
        return _unparsed("empty answer")
    kinds = _kinds(answer)
    exact_tokens = [token for token in _EXACT if token in answer]
    if len(kinds) == 2:
        return _unparsed("names both [SpeechA] and [SpeechB]")
    if not kinds:
        return _unparsed("names neither [SpeechA] nor [SpeechB]")
    if not exact_tokens:
        written = [match.group(0) for match in _TOKEN.finditer(answer)]
        return _unparsed(f"wrong spelling or case: {written[0]!r}")
    return _unparsed(f"extra text around {exact_tokens[0]}")


def parse_allm_verdict(text: str | None) -> Verdict:
    """An audio LLM's own verdict token (see the module doc); unparsed answers go to the summary."""
    answer = (text or "").strip()
    if not answer:
        return _unparsed("empty answer")
    last_line = [line for line in answer.splitlines() if line.strip()][-1]
    last_kinds = _kinds(last_line)
    if len(last_kinds) == 1:
        return Verdict(last_kinds.pop(), PARSED)
    kinds = _kinds(answer)
    if len(kinds) == 1:
        return Verdict(kinds.pop(), PARSED)
    if kinds:
        return _unparsed("names both [SpeechA] and [SpeechB] and the last line does not decide")
    return _unparsed("no [SpeechA] or [SpeechB] verdict")


def needs_retry(verdict: Verdict, attempt: int) -> bool:
    """Whether a summary answer should be asked again (unparsed, and attempts are left)."""
    return not verdict.parsed and attempt < MAX_SUMMARY_ATTEMPTS
