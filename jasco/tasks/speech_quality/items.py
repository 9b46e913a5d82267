"""Speech-quality items: one per (degraded file, question family), frozen, with stable ids.

``expand(corpus, families, with_reference, seed)`` is a pure function of the corpus rows, the
bank and the seed. An item's id is ``<db>/<file>#<family>`` (``#ref`` appended when the clean
reference is the second audio). Its paraphrase is chosen from the family's by a hash of
(seed, id), so it does not depend on which other items are expanded, and is recorded in the
item with the rendered question. Files that cannot give an item are left out and counted with a
reason: double-ended items need a reference (NISQA_TEST_LIVETALK has none); a family needs the
human rating of what it asks.

Audio is never cropped: every item carries each audio's duration, and ``apply_audio_limit``
applies a model's window either as an error (``policy="error"``) or by leaving the long items out
with a recorded reason (``policy="exclude"``).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from jasco.tasks.speech_quality.bank import Bank, load_bank
from jasco.tasks.speech_quality.corpus import Corpus, CorpusFile
from jasco.tasks.speech_quality.scale import QUANTITIES

AUDIO_POLICIES = ("error", "exclude")


class AudioLengthError(ValueError):
    """An item's audio is longer than the model's window and the policy is 'error'."""


@dataclass(frozen=True)
class AudioInput:
    role: str  # "degraded" or "reference", in the order the model hears them
    path: str  # relative to the corpus root
    duration_s: float


@dataclass(frozen=True)
class Item:
    id: str
    db: str
    file: str
    con: str
    family: str
    kind: str  # how the answer is extracted: numeric, categorical, multi, explanatory
    quantities: tuple[str, ...]
    paraphrase: str
    question: str
    audios: tuple[AudioInput, ...]
    labels: tuple[tuple[str, float], ...]  # human rating per asked quantity that has one
    seed: int
    bank_sha256: str

    @property
    def with_reference(self) -> bool:
        return len(self.audios) > 1

    def label(self, quantity: str) -> float | None:
        return dict(self.labels).get(quantity)


@dataclass(frozen=True)
class Exclusion:
    key: str  # "<db>/<file>" or an item id
    family: str
    reason: str


@dataclass(frozen=True)
class Expansion:
    items: tuple[Item, ...]
    excluded: tuple[Exclusion, ...]

    def excluded_counts(self) -> dict[str, int]:
        return dict(sorted(Counter(e.reason for e in self.excluded).items()))


def item_id(db: str, file: str, family: str, with_reference: bool) -> str:
    return f"{db}/{file}#{family}" + ("#ref" if with_reference else "")


def choose_paraphrase(identifier: str, seed: int, count: int) -> int:
    """A stable index in [0, count) from sha256(seed, item id)."""
    digest = hashlib.sha256(f"{seed}\0{identifier}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


def expand(corpus: Corpus | Sequence[CorpusFile], families: Sequence[str] | None = None, *,
           with_reference: bool = False, seed: int = 0, bank: Bank | None = None) -> Expansion:
    """Items for every file x family, files in corpus order, families in the order given."""
    bank = bank or load_bank()
    chosen = tuple(dict.fromkeys(families or bank.default_families))
    for name in chosen:
        bank.family(name)  # unknown names fail before any work
    files = corpus.files if isinstance(corpus, Corpus) else tuple(corpus)
    items, excluded = [], []
    for corpus_file in files:
        if with_reference and corpus_file.ref_path is None:
            excluded.append(Exclusion(corpus_file.key, "*", "no reference signal for a double-ended item"))
            continue
        for name in chosen:
            family = bank.family(name)
            missing = [q for q in family.quantities if corpus_file.labels.get(q) is None]
            if family.kind != "multi" and missing:
                excluded.append(Exclusion(corpus_file.key, name, f"no human rating for {missing[0]}"))
                continue
            identifier = item_id(corpus_file.db, corpus_file.name, name, with_reference)
            paraphrase = family.paraphrases[choose_paraphrase(identifier, seed, len(family.paraphrases))]
            items.append(Item(
                id=identifier, db=corpus_file.db, file=corpus_file.name, con=corpus_file.con, family=name,
                kind=family.kind, quantities=family.quantities, paraphrase=paraphrase.id,
                question=bank.render(name, paraphrase.id, with_reference), audios=_audios(corpus_file, with_reference),
                labels=tuple((q, v) for q in family.quantities if (v := corpus_file.labels.get(q)) is not None),
                seed=seed, bank_sha256=bank.sha256,
            ))
    return Expansion(tuple(items), tuple(excluded))


def _audios(corpus_file: CorpusFile, with_reference: bool) -> tuple[AudioInput, ...]:
    degraded = AudioInput("degraded", corpus_file.deg_path, corpus_file.deg_duration_s)
    if not with_reference:
        return (degraded,)
    assert corpus_file.ref_path is not None and corpus_file.ref_duration_s is not None
    return degraded, AudioInput("reference", corpus_file.ref_path, corpus_file.ref_duration_s)


def apply_audio_limit(items: Sequence[Item], max_audio_s: float | None, policy: str = "error",
                      model: str = "the model") -> tuple[tuple[Item, ...], tuple[Exclusion, ...]]:
    """Items whose every audio fits ``max_audio_s`` seconds; the others raise or are left out, recorded."""
    if policy not in AUDIO_POLICIES:
        raise ValueError(f"unknown audio-length policy {policy!r}; known: {', '.join(AUDIO_POLICIES)}")
    if max_audio_s is None:
        return tuple(items), ()
    kept, excluded = [], []
    for item in items:
        longest = max(item.audios, key=lambda audio: audio.duration_s)
        if longest.duration_s <= max_audio_s:
            kept.append(item)
            continue
        reason = (f"{longest.role} audio {longest.path} is {longest.duration_s:.2f} s, longer than the "
                  f"{max_audio_s:g} s {model} takes")
        if policy == "error":
            raise AudioLengthError(f"item {item.id}: {reason}; nothing is cropped: choose policy 'exclude' to "
                                   "leave such items out (they are counted), or a model with a longer window")
        excluded.append(Exclusion(item.id, item.family, reason))
    return tuple(kept), tuple(excluded)


ROW_COLUMNS = ("id", "db", "file", "con", "family", "kind", "quantities", "paraphrase", "question", "deg_path",
               "deg_duration_s", "ref_path", "ref_duration_s", *(f"label_{q}" for q in QUANTITIES), "seed",
               "bank_sha256")


def item_row(item: Item) -> dict[str, object]:
    """A flat row (items.csv): audio paths relative to the corpus root, labels per quantity ('' if none)."""
    reference = item.audios[1] if item.with_reference else None
    labels = dict(item.labels)
    return {
        "id": item.id, "db": item.db, "file": item.file, "con": item.con, "family": item.family, "kind": item.kind,
        "quantities": ";".join(item.quantities), "paraphrase": item.paraphrase, "question": item.question,
        "deg_path": item.audios[0].path, "deg_duration_s": item.audios[0].duration_s,
        "ref_path": reference.path if reference else "", "ref_duration_s": reference.duration_s if reference else "",
        **{f"label_{q}": labels.get(q, "") for q in QUANTITIES}, "seed": item.seed, "bank_sha256": item.bank_sha256,
    }


def item_from_row(row: dict[str, object]) -> Item:
    """The inverse of ``item_row`` (values may be strings, as read from a CSV)."""
    audios = [AudioInput("degraded", str(row["deg_path"]), float(str(row["deg_duration_s"])))]
    if str(row.get("ref_path", "")):
        audios.append(AudioInput("reference", str(row["ref_path"]), float(str(row["ref_duration_s"]))))
    quantities = tuple(str(row["quantities"]).split(";"))
    labels = tuple((q, float(str(row[f"label_{q}"]))) for q in quantities if str(row.get(f"label_{q}", "")) != "")
    return Item(
        id=str(row["id"]), db=str(row["db"]), file=str(row["file"]), con=str(row["con"]), family=str(row["family"]),
        kind=str(row["kind"]), quantities=quantities, paraphrase=str(row["paraphrase"]),
        question=str(row["question"]), audios=tuple(audios), labels=labels, seed=int(str(row["seed"])),
        bank_sha256=str(row["bank_sha256"]),
    )
