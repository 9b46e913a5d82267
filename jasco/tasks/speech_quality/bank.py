"""The versioned question bank (``prompts/speech_quality/questions.v1.json``) and its rendering.

A family (``mos``, ``noi``, ``col``, ``dis``, ``loud``, ``categorical``, ``multi``, ``explanatory``,
and the per-dimension ``categorical-<dim>`` of SpeechQualityLLM) has a question kind (how the
answer is extracted), the quantities it asks for, and paraphrases, each with a single-ended and
a double-ended wording. The text the model reads is rendered by ``jasco.core.prompting`` (jinja2,
StrictUndefined) from ``question.v1.j2``, which names the audios of a double-ended question.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from jasco.core.prompting import load_json, render, template_sha256
from jasco.tasks.speech_quality.extract import KINDS
from jasco.tasks.speech_quality.scale import QUANTITIES

BANK_FILE = "speech_quality/questions.v1.json"
WRAPPER_FILE = "speech_quality/question.v1.j2"


class BankError(ValueError):
    """The bank is malformed or a caller named an unknown family or paraphrase."""


@dataclass(frozen=True)
class Paraphrase:
    id: str
    single: str
    double: str
    source: str = ""


@dataclass(frozen=True)
class Family:
    name: str
    kind: str
    quantities: tuple[str, ...]
    paraphrases: tuple[Paraphrase, ...]

    def paraphrase(self, paraphrase_id: str) -> Paraphrase:
        for paraphrase in self.paraphrases:
            if paraphrase.id == paraphrase_id:
                return paraphrase
        known = ", ".join(p.id for p in self.paraphrases)
        raise BankError(f"family {self.name!r} has no paraphrase {paraphrase_id!r}; known: {known}")


@dataclass(frozen=True)
class Bank:
    families: dict[str, Family]
    default_families: tuple[str, ...]
    sha256: str  # of the bank and the wrapper together: any edit changes it

    def family(self, name: str) -> Family:
        if name not in self.families:
            raise BankError(f"unknown question family {name!r}; known: {', '.join(self.families)}")
        return self.families[name]

    def render(self, family: str, paraphrase_id: str, with_reference: bool) -> str:
        chosen = self.family(family).paraphrase(paraphrase_id)
        question = chosen.double if with_reference else chosen.single
        return render(WRAPPER_FILE, question=question, reference=with_reference).strip()


@cache
def load_bank(name: str = BANK_FILE) -> Bank:
    data = load_json(name)
    families = {}
    for family_name, entry in data["families"].items():
        kind, quantities = entry["kind"], tuple(entry["quantities"])
        if kind not in KINDS or not quantities or not set(quantities) <= set(QUANTITIES):
            raise BankError(f"{name}: family {family_name!r} has kind {kind!r} and quantities {quantities}")
        if kind != "multi" and len(quantities) != 1:
            raise BankError(f"{name}: family {family_name!r} ({kind}) must ask for one quantity")
        paraphrases = tuple(Paraphrase(p["id"], p["single"], p["double"], p.get("source", ""))
                            for p in entry["paraphrases"])
        ids = [p.id for p in paraphrases]
        if not paraphrases or len(set(ids)) != len(ids):
            raise BankError(f"{name}: family {family_name!r} needs paraphrases with distinct ids, got {ids}")
        families[family_name] = Family(family_name, kind, quantities, paraphrases)
    defaults = tuple(data["default_families"])
    unknown = [f for f in defaults if f not in families]
    if unknown:
        raise BankError(f"{name}: default families {unknown} are not in the bank")
    digest = template_sha256(name) + template_sha256(WRAPPER_FILE)
    return Bank(families, defaults, hashlib.sha256(digest.encode()).hexdigest())
