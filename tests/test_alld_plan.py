"""The generation plan as pure data, the summary stage with one re-ask, and the dry run."""

from __future__ import annotations

import pytest

from jasco.core.prompting import template_sha256
from jasco.tasks.alld.errors import PlanError
from jasco.tasks.alld.meta import QualityMeta, meta_from_mapping, meta_json
from jasco.tasks.alld.pairs import build_pairs
from jasco.tasks.alld.plan import (
    SUMMARY_PLACEHOLDER,
    dry_run,
    plan_generation,
    plan_summaries,
    request_seed,
)
from jasco.tasks.alld.prompts import ab_prompt, mos_prompt, summary_prompt


def meta(name: str, mos: float) -> QualityMeta:
    return meta_from_mapping(name, {"mos": mos, "noi": 2.5, "col": 3, "dis": 4, "loud": 5}, source="test",
                             audio=f"/corpus/{name}")


FILES = (meta("a.wav", 1.2), meta("b.wav", 2.9), meta("c.wav", 4.4))
PAIRS = build_pairs(FILES, 2, seed=5)


def test_stage_one_lists_two_descriptions_per_file_then_one_comparison_per_pair() -> None:
    requests = plan_generation(FILES, PAIRS, seed=1)
    assert [request.request_id for request in requests] == [
        "mos:a.wav", "mos_diverse:a.wav", "mos:b.wav", "mos_diverse:b.wav", "mos:c.wav", "mos_diverse:c.wav",
        *(f"ab:{pair.pair_id}" for pair in PAIRS)]
    first, diverse = requests[0], requests[1]
    assert first.messages == ({"role": "user", "content": mos_prompt(FILES[0])},) == diverse.messages
    assert first.sampling() == {"temperature": 1.0, "top_p": 0.9, "max_tokens": 1024, "seed": first.seed}
    assert (diverse.temperature, diverse.top_p) == (1.1, 0.9)
    comparison = requests[6]
    assert comparison.prompt == ab_prompt(PAIRS[0].a, PAIRS[0].b)
    assert (comparison.pass_name, comparison.subject, comparison.temperature, comparison.top_p) == (
        "ab", PAIRS[0].pair_id, 1.0, 0.9)
    assert comparison.template_sha256 == template_sha256("alld/ab.v1.j2")
    assert comparison.as_dict()["messages"] == [{"role": "user", "content": comparison.prompt}]


def test_seeds_depend_on_the_run_seed_and_request_id_only() -> None:
    one, again, other = (plan_generation(FILES, PAIRS, seed=s) for s in (1, 1, 2))
    assert [r.seed for r in one] == [r.seed for r in again]
    assert all(r.seed == request_seed(1, r.request_id) for r in one)
    assert [r.seed for r in one] != [r.seed for r in other]
    assert len({r.seed for r in one}) == len(one)
    assert [r.seed for r in plan_generation(FILES[1:], PAIRS, seed=1)] == [r.seed for r in one[2:]]


def test_stage_two_summaries_and_the_one_retry() -> None:
    comparisons = {PAIRS[0].pair_id: "SpeechA is cleaner.", PAIRS[1].pair_id: "  \n"}
    plan = plan_summaries(PAIRS, comparisons, seed=1)
    (request,) = plan.requests
    assert request.request_id == f"summary:{PAIRS[0].pair_id}" and request.attempt == 1
    assert request.prompt == summary_prompt("SpeechA is cleaner.")
    assert (request.temperature, request.top_p, request.max_tokens) == (0.7, 1.0, 32)
    assert plan.skipped == {PAIRS[1].pair_id: "empty comparison"}
    retry = plan_summaries(PAIRS[:1], comparisons, seed=1, attempt=2).requests[0]
    assert retry.request_id == f"summary:{PAIRS[0].pair_id}:retry" and retry.attempt == 2
    assert retry.prompt == request.prompt and retry.seed != request.seed
    assert plan_summaries(PAIRS, {}, seed=1).skipped == {p.pair_id: "no comparison generated" for p in PAIRS}


def test_plan_errors() -> None:
    with pytest.raises(PlanError, match="attempt must be 1 or 2"):
        plan_summaries(PAIRS, {}, seed=1, attempt=3)
    with pytest.raises(PlanError, match=r"file a\.wav appears twice"):
        plan_generation((FILES[0], FILES[0]), (), seed=1)
    with pytest.raises(PlanError, match="no files"):
        dry_run((), PAIRS, seed=1)


def test_dry_run_shows_the_first_file_and_the_first_pair() -> None:
    text = dry_run(FILES, PAIRS, seed=1)
    assert "=== MOS description of a.wav" in text
    assert mos_prompt(FILES[0]) in text and meta_json(FILES[0]) in text
    assert "mos: temperature 1, top_p 0.9" in text and "mos_diverse: temperature 1.1, top_p 0.9" in text
    assert ab_prompt(PAIRS[0].a, PAIRS[0].b) in text
    assert summary_prompt(SUMMARY_PLACEHOLDER) in text
    assert f"(expected {PAIRS[0].expected})" in text
    assert mos_prompt(FILES[1]) not in text and PAIRS[1].pair_id not in text
    assert "A/B comparison" not in dry_run(FILES, (), seed=1)
