"""A/B pairs: MOS gap, balanced positions, seed stability, identical MOS refused, both orders."""

from __future__ import annotations

import random
from itertools import combinations

import pytest

from jasco.tasks.alld.errors import PairError
from jasco.tasks.alld.meta import QualityMeta, meta_from_mapping
from jasco.tasks.alld.pairs import (
    SPEECH_A,
    SPEECH_B,
    Pair,
    both_orders,
    build_pairs,
    count_eligible_pairs,
    make_pair,
    pair_id,
)


def meta(name: str, mos: float) -> QualityMeta:
    return meta_from_mapping(name, {"mos": mos, "noi": 3, "col": 3, "dis": 3, "loud": 3}, source="test")


CORPUS = tuple(meta(f"f{index:02d}.wav", 1.0 + 0.1 * (index % 41)) for index in range(60))


def test_every_pair_has_the_gap_and_is_distinct() -> None:
    pairs = build_pairs(CORPUS, 200, seed=7)
    assert len(pairs) == 200
    assert all(pair.gap >= 0.5 - 1e-9 for pair in pairs)
    assert len({frozenset((pair.a.file_id, pair.b.file_id)) for pair in pairs}) == 200
    assert len({pair.pair_id for pair in pairs}) == 200
    assert all(pair.pair_id == pair_id(pair.b.file_id, pair.a.file_id) for pair in pairs)


@pytest.mark.parametrize("n_pairs", [1, 2, 9, 10, 101])
def test_positions_are_balanced(n_pairs: int) -> None:
    expected = [pair.expected for pair in build_pairs(CORPUS, n_pairs, seed=3)]
    assert abs(expected.count(SPEECH_A) - expected.count(SPEECH_B)) <= 1
    pairs = build_pairs(CORPUS, n_pairs, seed=3)
    assert all((pair.a.mos > pair.b.mos) == (pair.expected == SPEECH_A) for pair in pairs)


def test_same_seed_same_pairs_in_any_input_order_and_another_seed_differs() -> None:
    shuffled = list(CORPUS)
    random.Random(0).shuffle(shuffled)
    first = build_pairs(CORPUS, 50, seed=11)
    assert build_pairs(shuffled, 50, seed=11) == first
    assert build_pairs(CORPUS, 50, seed=12) != first


def test_a_gap_of_exactly_half_counts_despite_float_error() -> None:
    files = [meta("low.wav", 1.8), meta("high.wav", 2.3), meta("near.wav", 2.2)]
    assert 2.3 - 1.8 < 0.5  # binary floating point
    assert make_pair(files[0], files[1], min_gap=0.5).gap < 0.5
    assert count_eligible_pairs(files) == 1
    (pair,) = build_pairs(files, 1, seed=0)
    assert {pair.a.file_id, pair.b.file_id} == {"low.wav", "high.wav"}


def test_eligible_count_matches_brute_force_and_small_corpora_use_all_pairs() -> None:
    brute = sum(1 for x, y in combinations(CORPUS, 2) if abs(x.mos - y.mos) >= 0.5 - 1e-9)
    assert count_eligible_pairs(CORPUS) == brute
    few = CORPUS[:12]
    eligible = count_eligible_pairs(few)
    assert len(build_pairs(few, eligible, seed=1)) == eligible
    with pytest.raises(PairError, match=f"asked for {eligible + 1} pairs but only {eligible} pairs of the 12 files"):
        build_pairs(few, eligible + 1, seed=1)


def test_identical_mos_is_refused() -> None:
    with pytest.raises(PairError, match=r"a.wav / b.wav: identical MOS 3.5, so neither is better"):
        make_pair(meta("a.wav", 3.5), meta("b.wav", 3.5))
    with pytest.raises(PairError, match="must be above 0"):
        build_pairs(CORPUS, 5, seed=0, min_gap=0)
    with pytest.raises(PairError, match="same MOS"):
        _ = Pair("pair-x", meta("a.wav", 2.0), meta("b.wav", 2.0)).expected


def test_other_bad_pairs() -> None:
    with pytest.raises(PairError, match="with itself"):
        make_pair(meta("a.wav", 2.0), meta("a.wav", 4.0))
    with pytest.raises(PairError, match=r"gap 0\.2 is under the minimum 0\.5"):
        make_pair(meta("a.wav", 2.0), meta("b.wav", 2.2), min_gap=0.5)
    with pytest.raises(PairError, match="appears twice"):
        build_pairs([meta("a.wav", 2.0), meta("a.wav", 4.0)], 1, seed=0)
    with pytest.raises(PairError, match="at least 1"):
        build_pairs(CORPUS, 0, seed=0)


def test_both_orders_swap_positions_and_expected_answers() -> None:
    pair = make_pair(meta("worse.wav", 1.5), meta("better.wav", 4.0))
    items = both_orders([pair])
    assert [(item.item_id, item.order) for item in items] == [
        (f"{pair.pair_id}:AB", "AB"), (f"{pair.pair_id}:BA", "BA")]
    assert [(item.first.file_id, item.expected) for item in items] == [
        ("worse.wav", SPEECH_B), ("better.wav", SPEECH_A)]
