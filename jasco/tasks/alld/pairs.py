"""A/B pairs of files: seeded, with a minimum MOS gap, positions balanced, expected answer known.

``build_pairs`` draws ``n_pairs`` distinct unordered pairs uniformly from all pairs whose MOS
differ by at least ``min_gap`` (default 0.5: ALLD's A/B instruction, "usually score difference
more than 0.5"), then puts the better file first in exactly ``n_pairs // 2`` of them (seeded
shuffle), so ``[SpeechA]`` and ``[SpeechB]`` are right equally often (+-1). The result depends
only on the set of files, ``n_pairs``, ``min_gap`` and ``seed`` (not on input order), using
Python's ``random.Random(seed)``.

A pair of identical MOS has no right answer and is refused (``make_pair``); a gap is compared
with a 1e-9 tolerance so decimal ratings such as 2.3 - 1.8 count as 0.5. ``both_orders`` gives
the evaluation items: every pair asked as built (``AB``) and swapped (``BA``).
"""

from __future__ import annotations

import hashlib
import random
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from jasco.tasks.alld.errors import PairError
from jasco.tasks.alld.meta import QualityMeta

SPEECH_A = "SpeechA"
SPEECH_B = "SpeechB"
CHOICES = (SPEECH_A, SPEECH_B)
DEFAULT_MIN_GAP = 0.5
GAP_TOLERANCE = 1e-9
ORDERS = ("AB", "BA")


def pair_id(file_1: str, file_2: str) -> str:
    """A stable id for an unordered pair of files (the same for both positions)."""
    low, high = sorted((file_1, file_2))
    return "pair-" + hashlib.sha256(f"{low}\n{high}".encode()).hexdigest()[:12]


def expected_choice(first: QualityMeta, second: QualityMeta) -> str:
    """``SpeechA`` if the first file's human MOS is higher, else ``SpeechB`` (never a tie)."""
    if first.mos == second.mos:
        raise PairError(f"{first.file_id} and {second.file_id} have the same MOS {first.mos:g}: no right answer")
    return SPEECH_A if first.mos > second.mos else SPEECH_B


@dataclass(frozen=True)
class Pair:
    """Two files in A/B positions: ``a`` is SpeechA (heard or shown first), ``b`` SpeechB."""

    pair_id: str
    a: QualityMeta
    b: QualityMeta

    @property
    def gap(self) -> float:
        return abs(self.a.mos - self.b.mos)

    @property
    def expected(self) -> str:
        return expected_choice(self.a, self.b)


@dataclass(frozen=True)
class ABItem:
    """One A/B question: a pair in one order (``AB`` as built, ``BA`` swapped)."""

    item_id: str
    pair: Pair
    order: str
    first: QualityMeta
    second: QualityMeta

    @property
    def expected(self) -> str:
        return expected_choice(self.first, self.second)


def make_pair(a: QualityMeta, b: QualityMeta, *, min_gap: float = 0.0) -> Pair:
    """One pair with ``a`` as SpeechA; refuses the same file twice, identical MOS, or a small gap."""
    if a.file_id == b.file_id:
        raise PairError(f"pair of {a.file_id} with itself")
    if a.mos == b.mos:
        raise PairError(
            f"pair {a.file_id} / {b.file_id}: identical MOS {a.mos:g}, so neither is better; choose another pair"
        )
    if abs(a.mos - b.mos) < min_gap - GAP_TOLERANCE:
        raise PairError(
            f"pair {a.file_id} / {b.file_id}: MOS gap {abs(a.mos - b.mos):.3g} is under the minimum {min_gap:g}"
        )
    return Pair(pair_id(a.file_id, b.file_id), a, b)


def eligible_partners(metas: Sequence[QualityMeta], min_gap: float) -> tuple[list[QualityMeta], list[int]]:
    """Files sorted by (MOS, id), and for each the first index of a partner at least ``min_gap`` better."""
    ordered = sorted(metas, key=lambda meta: (meta.mos, meta.file_id))
    scores = [meta.mos for meta in ordered]
    starts = [bisect_left(scores, score + min_gap - GAP_TOLERANCE, lo=index + 1) for index, score in enumerate(scores)]
    return ordered, starts


def count_eligible_pairs(metas: Sequence[QualityMeta], min_gap: float = DEFAULT_MIN_GAP) -> int:
    """How many unordered pairs of ``metas`` differ in MOS by at least ``min_gap``."""
    ordered, starts = eligible_partners(metas, min_gap)
    return sum(len(ordered) - start for start in starts)


def _check_files(metas: Sequence[QualityMeta]) -> None:
    seen: set[str] = set()
    for meta in metas:
        if meta.file_id in seen:
            raise PairError(f"file {meta.file_id} appears twice in the meta info")
        seen.add(meta.file_id)


def build_pairs(
    metas: Iterable[QualityMeta], n_pairs: int, *, seed: int, min_gap: float = DEFAULT_MIN_GAP,
) -> tuple[Pair, ...]:
    """``n_pairs`` seeded pairs with MOS gap >= ``min_gap`` and balanced A/B positions (see module doc).

    Raises ``PairError`` when ``min_gap`` is not positive, ``n_pairs`` is not positive, a file
    repeats, or fewer than ``n_pairs`` eligible pairs exist (the message gives the count)."""
    files = list(metas)
    _check_files(files)
    if not min_gap > 0:
        raise PairError(f"--min-gap must be above 0 (got {min_gap:g}): a pair of identical MOS has no right answer")
    if n_pairs < 1:
        raise PairError(f"--pairs must be at least 1 (got {n_pairs})")
    ordered, starts = eligible_partners(files, min_gap)
    n_files = len(ordered)
    partners = [n_files - start for start in starts]
    total = sum(partners)
    if n_pairs > total:
        raise PairError(
            f"asked for {n_pairs} pairs but only {total} pairs of the {n_files} files "
            f"differ in MOS by at least {min_gap:g}"
        )
    rng = random.Random(seed)
    chosen: list[tuple[int, int]]
    if 2 * n_pairs > total:
        every = [(low, high) for low in range(n_files) for high in range(starts[low], n_files)]
        chosen = rng.sample(every, n_pairs)
    else:  # uniform over eligible pairs: the lower file weighted by its partner count, then a partner
        cumulative = list(accumulate(partners))
        picked: dict[tuple[int, int], None] = {}
        while len(picked) < n_pairs:
            low = rng.choices(range(n_files), cum_weights=cumulative)[0]
            picked[(low, rng.randrange(starts[low], n_files))] = None
        chosen = list(picked)
    better_first = [True] * (n_pairs // 2) + [False] * (n_pairs - n_pairs // 2)
    rng.shuffle(better_first)
    pairs = []
    for (low, high), first_is_better in zip(chosen, better_first, strict=True):
        worse, better = ordered[low], ordered[high]
        pairs.append(make_pair(better, worse) if first_is_better else make_pair(worse, better))
    return tuple(pairs)


def both_orders(pairs: Iterable[Pair]) -> tuple[ABItem, ...]:
    """Every pair as built (``<id>:AB``) and swapped (``<id>:BA``), in pair order."""
    items = []
    for pair in pairs:
        items.append(ABItem(f"{pair.pair_id}:AB", pair, "AB", pair.a, pair.b))
        items.append(ABItem(f"{pair.pair_id}:BA", pair, "BA", pair.b, pair.a))
    return tuple(items)
